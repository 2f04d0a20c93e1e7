import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from tongban.core.errors import NotFound
from tongban.core.identifiers import credit_code_build
from tongban.core.models import Department, ImplementingBody, Region, StaffRole
from tongban.core.permissions import (
    access_department_by_id,
    access_implementing_body_by_id,
)
from tongban.core.scopes import access_in_scope, scope_filter, staff_scope
from tongban.core.selectors.organizations import department_list, implementing_body_list
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
    staff_membership_revoke,
)
from tongban.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10_000))


def _department(region: Region, name: str) -> Department:
    code = credit_code_build(
        department="1", category="1", region_code=region.code, org_body8=f"MB{next(_serial):06d}"
    )
    department = department_create(actor=None, region=region, name=name, credit_code=code)
    implementing_body_create(
        actor=None, department=department, name=name, credit_code=department.credit_code
    )
    return department


@pytest.fixture
def org(regions):
    """Departments in 锦江区 (two), 青羊区, 成都市 and 渝中区 (重庆)."""
    return {
        "jj_approval": _department(regions["jinjiang"], "成都市锦江区行政审批局"),
        "jj_market": _department(regions["jinjiang"], "成都市锦江区市场监督管理局"),
        "qy_approval": _department(regions["qingyang"], "成都市青羊区行政审批局"),
        "cd_market": _department(regions["chengdu"], "成都市市场监督管理局"),
        "yz_market": _department(regions["yuzhong"], "重庆市渝中区市场监督管理局"),
    }


def _staff(region, role=StaffRole.WINDOW_CLERK, department=None, **user_fields):
    user = UserFactory(kind="staff", **user_fields)
    membership = staff_membership_grant(
        actor=None, user=user, role=role, region=region, department=department
    )
    return user, membership


def _names(qs):
    return {obj.name for obj in qs}


def test_jinjiang_clerk_cannot_list_or_open_qingyang_objects(regions, org):
    clerk, _m = _staff(regions["jinjiang"])
    assert _names(department_list(actor=clerk)) == {
        "成都市锦江区行政审批局",
        "成都市锦江区市场监督管理局",
    }
    assert _names(implementing_body_list(actor=clerk)) == _names(department_list(actor=clerk))
    assert access_department_by_id(clerk, org["jj_approval"].public_id) == org["jj_approval"]
    with pytest.raises(NotFound) as exc_info:
        access_department_by_id(clerk, org["qy_approval"].public_id)
    assert exc_info.value.status == 404
    qy_body = ImplementingBody.objects.get(department=org["qy_approval"])
    with pytest.raises(NotFound):
        access_implementing_body_by_id(clerk, qy_body.public_id)


def test_missing_and_hidden_objects_raise_the_same_error(regions, org):
    clerk, _m = _staff(regions["jinjiang"])
    with pytest.raises(NotFound) as hidden:
        access_department_by_id(clerk, org["qy_approval"].public_id)
    with pytest.raises(NotFound) as missing:
        access_department_by_id(clerk, uuid.uuid4())
    with pytest.raises(NotFound) as malformed:
        access_department_by_id(clerk, "not-a-uuid")
    assert hidden.value.message == missing.value.message == malformed.value.message
    assert hidden.value.code == missing.value.code == "not_found"


def test_city_level_membership_sees_both_districts_but_not_chongqing(regions, org):
    hotline, _m = _staff(regions["chengdu"], role=StaffRole.HOTLINE_OPERATOR)
    assert _names(department_list(actor=hotline)) == {
        "成都市锦江区行政审批局",
        "成都市锦江区市场监督管理局",
        "成都市青羊区行政审批局",
        "成都市市场监督管理局",
    }
    assert access_department_by_id(hotline, org["qy_approval"].public_id)
    with pytest.raises(NotFound):
        access_department_by_id(hotline, org["yz_market"].public_id)


def test_department_limited_membership_sees_only_its_department(regions, org):
    reviewer, _m = _staff(regions["jinjiang"], role=StaffRole.REVIEWER, department=org["jj_market"])
    assert _names(department_list(actor=reviewer)) == {"成都市锦江区市场监督管理局"}
    assert _names(implementing_body_list(actor=reviewer)) == {"成都市锦江区市场监督管理局"}
    with pytest.raises(NotFound):
        access_department_by_id(reviewer, org["jj_approval"].public_id)


def test_memberships_add_up(regions, org):
    user, _m = _staff(regions["jinjiang"], department=org["jj_approval"])
    staff_membership_grant(
        actor=None, user=user, role=StaffRole.REVIEWER, region=regions["yuzhong"]
    )
    assert _names(department_list(actor=user)) == {
        "成都市锦江区行政审批局",
        "重庆市渝中区市场监督管理局",
    }


def test_role_filter_uses_only_memberships_of_those_roles(regions, org):
    user, _m = _staff(regions["jinjiang"])
    staff_membership_grant(
        actor=None, user=user, role=StaffRole.REVIEWER, region=regions["qingyang"]
    )
    reviewing = scope_filter(
        Department.objects.all(), user, department_field="pk", roles=[StaffRole.REVIEWER]
    )
    assert _names(reviewing) == {"成都市青羊区行政审批局"}


def test_revoked_membership_sees_nothing(regions, org):
    clerk, membership = _staff(regions["jinjiang"])
    staff_membership_revoke(actor=None, membership=membership)
    assert not department_list(actor=clerk).exists()
    with pytest.raises(NotFound):
        access_department_by_id(clerk, org["jj_approval"].public_id)


@pytest.mark.parametrize("kind", ["citizen", "enterprise"])
def test_non_staff_see_nothing(regions, org, kind):
    user = UserFactory(kind=kind)
    assert staff_scope(user).is_empty
    assert not department_list(actor=user).exists()
    assert not scope_filter(Department.objects.all(), AnonymousUser()).exists()
    assert not scope_filter(Department.objects.all(), None).exists()


def test_inactive_staff_user_sees_nothing(regions, org):
    clerk, _m = _staff(regions["jinjiang"])
    clerk.is_active = False
    assert not department_list(actor=clerk).exists()


def test_superuser_sees_everything(regions, org):
    admin = UserFactory(kind="staff", is_superuser=True, is_staff=True)
    assert department_list(actor=admin).count() == 5


@override_settings(TONGBAN_HOME_REGION="510000")
def test_home_province_platform_admin_sees_everything(regions, org):
    admin, _m = _staff(regions["sichuan"], role=StaffRole.PLATFORM_ADMIN)
    assert staff_scope(admin).unrestricted
    assert "重庆市渝中区市场监督管理局" in _names(department_list(actor=admin))


@override_settings(TONGBAN_HOME_REGION="510000")
def test_platform_admin_of_another_province_sees_that_province_only(regions, org):
    admin, _m = _staff(regions["chongqing"], role=StaffRole.PLATFORM_ADMIN)
    assert not staff_scope(admin).unrestricted
    assert _names(department_list(actor=admin)) == {"重庆市渝中区市场监督管理局"}


def test_scope_filter_is_a_prefix_match_without_a_join(regions, org):
    clerk, _m = _staff(regions["jinjiang"])
    sql = str(scope_filter(Department.objects.all(), clerk, department_field="pk").query)
    assert "core_region" not in sql
    assert "LIKE" in sql.upper()


def test_scope_filter_on_regions_themselves(regions):
    clerk, _m = _staff(regions["chengdu"])
    visible = scope_filter(Region.objects.all(), clerk, region_field="code")
    assert set(visible.values_list("code", flat=True)) == {"510100", "510104", "510105"}


def test_access_in_scope_by_other_lookups(regions, org):
    clerk, _m = _staff(regions["jinjiang"])
    dept = access_in_scope(
        Department.objects.all(),
        clerk,
        department_field="pk",
        credit_code=org["jj_market"].credit_code,
    )
    assert dept == org["jj_market"]
    with pytest.raises(NotFound):
        access_in_scope(
            Department.objects.all(), clerk, department_field="pk", name="成都市青羊区行政审批局"
        )


def test_scope_covers_mirrors_the_filter(regions, org):
    _user, _m = _staff(regions["jinjiang"], department=org["jj_approval"])
    scope = staff_scope(_user)
    assert scope.covers(region_code="510104", department_id=org["jj_approval"].pk)
    assert not scope.covers(region_code="510104", department_id=org["jj_market"].pk)
    assert not scope.covers(region_code="510105", department_id=org["jj_approval"].pk)
    assert scope.covers_region("510104003")
    assert not scope.covers_region("510105")
