import pytest

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.core.identifiers import credit_code_build
from tongban.core.models import (
    Department,
    ImplementingBody,
    Region,
    RegionLevel,
    StaffMembership,
    StaffRole,
)
from tongban.core.models.organizations import BodyNature
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
    staff_membership_revoke,
)
from tongban.testing.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10_000))


def _code(region_code: str = "510104") -> str:
    return credit_code_build(
        department="1", category="1", region_code=region_code, org_body8=f"MB{next(_serial):06d}"
    )


def _snapshot():
    return (
        Department.objects.count(),
        ImplementingBody.objects.count(),
        StaffMembership.objects.filter(is_active=True).count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def jj_dept(regions):
    return department_create(
        actor=None,
        region=regions["jinjiang"],
        name="成都市锦江区行政审批局",
        short_name="锦江区行政审批局",
        credit_code=_code(),
    )


# --- departments ---


def test_department_create_is_audited(regions):
    code = _code()
    department = department_create(
        actor=None,
        region=regions["jinjiang"],
        name=" 成都市锦江区民政局 ",
        credit_code=code.lower(),
    )
    assert department.name == "成都市锦江区民政局"
    assert department.credit_code == code
    entry = AuditEntry.objects.get(action="core.department.create")
    assert entry.object_id == str(department.public_id)
    assert entry.summary == {"name": "成都市锦江区民政局", "region": "510104", "credit_code": code}


def test_department_create_rejects_an_invalid_credit_code(regions):
    before = _snapshot()
    with pytest.raises(ValidationFailed) as exc_info:
        department_create(
            actor=None,
            region=regions["jinjiang"],
            name="成都市锦江区民政局",
            credit_code="11510104MB0000011X",
        )
    assert exc_info.value.fields[0].field == "credit_code"
    assert "校验" in exc_info.value.fields[0].message
    assert _snapshot() == before


def test_department_create_rejects_a_duplicate_name_or_code(regions, jj_dept):
    before = _snapshot()
    with pytest.raises(ValidationFailed) as by_name:
        department_create(
            actor=None, region=regions["jinjiang"], name=jj_dept.name, credit_code=_code()
        )
    assert by_name.value.fields[0].field == "name"
    with pytest.raises(ValidationFailed) as by_code:
        department_create(
            actor=None,
            region=regions["qingyang"],
            name="成都市青羊区行政审批局",
            credit_code=jj_dept.credit_code,
        )
    assert by_code.value.fields[0].field == "credit_code"
    assert _snapshot() == before


def test_department_create_rejects_historical_and_village_regions(regions):
    abolished = RegionFactory(
        code="510122",
        name="双流县",
        level=RegionLevel.COUNTY,
        parent=regions["chengdu"],
        is_current=False,
        valid_until=2015,
    )
    village = RegionFactory(
        code="510104003001", name="红星社区", level=RegionLevel.VILLAGE, parent=regions["jinjiang"]
    )
    before = _snapshot()
    with pytest.raises(ValidationFailed) as old:
        department_create(actor=None, region=abolished, name="双流县民政局", credit_code=_code())
    assert "已撤销" in old.value.message
    with pytest.raises(ValidationFailed) as low:
        department_create(actor=None, region=village, name="红星社区居委会", credit_code=_code())
    assert "村（社区）级不设部门" in low.value.message
    assert _snapshot() == before


def test_department_create_permission_matrix(regions):
    clerk = UserFactory(kind="staff")
    staff_membership_grant(
        actor=None, user=clerk, role=StaffRole.WINDOW_CLERK, region=regions["jinjiang"]
    )
    city_admin = UserFactory(kind="staff")
    staff_membership_grant(
        actor=None, user=city_admin, role=StaffRole.PLATFORM_ADMIN, region=regions["chengdu"]
    )
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        department_create(
            actor=clerk, region=regions["jinjiang"], name="成都市锦江区民政局", credit_code=_code()
        )
    with pytest.raises(PermissionDenied):
        department_create(
            actor=city_admin, region=regions["yuzhong"], name="渝中区民政局", credit_code=_code()
        )
    assert _snapshot() == before
    department = department_create(
        actor=city_admin, region=regions["jinjiang"], name="成都市锦江区民政局", credit_code=_code()
    )
    assert AuditEntry.objects.get(action="core.department.create").actor == city_admin
    assert department.region_id == "510104"


# --- implementing bodies ---


def test_body_in_the_department_region_or_below(regions):
    city = department_create(
        actor=None, region=regions["chengdu"], name="成都市公安局", credit_code=_code("510100")
    )
    body = implementing_body_create(
        actor=None,
        department=city,
        name="成都市公安局锦江区分局",
        credit_code=_code(),
        region=regions["jinjiang"],
        nature=BodyNature.AUTHORIZED,
    )
    assert body.region_id == "510104"
    assert body.nature == BodyNature.AUTHORIZED
    assert AuditEntry.objects.filter(action="core.implementing_body.create").count() == 1


def test_body_outside_the_department_region_is_refused(regions, jj_dept):
    before = _snapshot()
    with pytest.raises(ValidationFailed) as exc_info:
        implementing_body_create(
            actor=None,
            department=jj_dept,
            name="青羊区某窗口",
            credit_code=_code(),
            region=regions["qingyang"],
        )
    assert exc_info.value.fields[0].field == "region"
    assert _snapshot() == before


def test_body_defaults_to_the_department_region_and_shares_its_code(regions, jj_dept):
    body = implementing_body_create(
        actor=None, department=jj_dept, name=jj_dept.name, credit_code=jj_dept.credit_code
    )
    assert body.region_id == jj_dept.region_id
    assert body.nature == BodyNature.STATUTORY
    with pytest.raises(ValidationFailed):
        implementing_body_create(
            actor=None, department=jj_dept, name="重复", credit_code=jj_dept.credit_code
        )


def test_body_create_permissions(regions, jj_dept):
    own_admin = UserFactory(kind="staff")
    staff_membership_grant(
        actor=None,
        user=own_admin,
        role=StaffRole.DEPARTMENT_ADMIN,
        region=regions["jinjiang"],
        department=jj_dept,
    )
    other = department_create(
        actor=None, region=regions["jinjiang"], name="成都市锦江区民政局", credit_code=_code()
    )
    assert implementing_body_create(
        actor=own_admin, department=jj_dept, name=jj_dept.name, credit_code=jj_dept.credit_code
    )
    with pytest.raises(PermissionDenied):
        implementing_body_create(
            actor=own_admin, department=other, name=other.name, credit_code=other.credit_code
        )


# --- memberships ---


def test_grant_and_revoke_are_audited(regions, jj_dept):
    user = UserFactory(kind="staff", username="clerk_x")
    membership = staff_membership_grant(
        actor=None,
        user=user,
        role=StaffRole.WINDOW_CLERK,
        region=regions["jinjiang"],
        department=jj_dept,
    )
    grant = AuditEntry.objects.get(action="core.staff_membership.grant")
    assert grant.summary["user"] == "clerk_x"
    assert grant.summary["department"] == jj_dept.name
    staff_membership_revoke(actor=None, membership=membership, reason="调岗")
    membership.refresh_from_db()
    assert membership.is_active is False
    revoke = AuditEntry.objects.get(action="core.staff_membership.revoke")
    assert revoke.reason == "调岗"
    with pytest.raises(Conflict):
        staff_membership_revoke(actor=None, membership=membership)


def test_regrant_reactivates_instead_of_duplicating(regions):
    user = UserFactory(kind="staff")
    first = staff_membership_grant(
        actor=None, user=user, role=StaffRole.REVIEWER, region=regions["jinjiang"]
    )
    with pytest.raises(Conflict):
        staff_membership_grant(
            actor=None, user=user, role=StaffRole.REVIEWER, region=regions["jinjiang"]
        )
    staff_membership_revoke(actor=None, membership=first)
    again = staff_membership_grant(
        actor=None, user=user, role=StaffRole.REVIEWER, region=regions["jinjiang"]
    )
    assert again.pk == first.pk
    assert again.is_active
    assert StaffMembership.objects.filter(user=user).count() == 1


def test_grant_validation(regions, jj_dept):
    citizen = UserFactory(kind="citizen")
    staff = UserFactory(kind="staff")
    before = _snapshot()
    with pytest.raises(ValidationFailed) as not_staff:
        staff_membership_grant(
            actor=None, user=citizen, role=StaffRole.WINDOW_CLERK, region=regions["jinjiang"]
        )
    assert not_staff.value.fields[0].field == "user"
    with pytest.raises(ValidationFailed) as outside:
        staff_membership_grant(
            actor=None,
            user=staff,
            role=StaffRole.WINDOW_CLERK,
            region=regions["qingyang"],
            department=jj_dept,
        )
    assert outside.value.fields[0].field == "department"
    with pytest.raises(ValidationFailed) as bad_role:
        staff_membership_grant(actor=None, user=staff, role="mayor", region=regions["jinjiang"])
    assert bad_role.value.fields[0].field == "role"
    assert _snapshot() == before


def test_department_admin_grants_ordinary_posts_in_own_department_only(regions, jj_dept):
    admin = UserFactory(kind="staff")
    staff_membership_grant(
        actor=None,
        user=admin,
        role=StaffRole.DEPARTMENT_ADMIN,
        region=regions["jinjiang"],
        department=jj_dept,
    )
    other = department_create(
        actor=None, region=regions["jinjiang"], name="成都市锦江区民政局", credit_code=_code()
    )
    newcomer = UserFactory(kind="staff")
    assert staff_membership_grant(
        actor=admin,
        user=newcomer,
        role=StaffRole.WINDOW_CLERK,
        region=regions["jinjiang"],
        department=jj_dept,
    )
    before = _snapshot()
    for role, department in [
        (StaffRole.WINDOW_CLERK, other),
        (StaffRole.PLATFORM_ADMIN, jj_dept),
        (StaffRole.WINDOW_CLERK, None),
    ]:
        with pytest.raises(PermissionDenied):
            staff_membership_grant(
                actor=admin,
                user=newcomer,
                role=role,
                region=regions["jinjiang"],
                department=department,
            )
    assert _snapshot() == before


def test_unknown_region_object_is_refused(regions):
    ghost = Region(code="519999", name="不存在", level=RegionLevel.COUNTY, is_current=False)
    with pytest.raises(ValidationFailed):
        department_create(actor=None, region=ghost, name="某局", credit_code=_code())
