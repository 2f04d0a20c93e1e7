from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tongban.audit.models import AuditEntry
from tongban.core.errors import NotFound
from tongban.core.identifiers import validate_citizen_id, validate_credit_code
from tongban.core.models import (
    Department,
    ImplementingBody,
    Region,
    StaffMembership,
    StaffRole,
)
from tongban.core.permissions import access_department_by_id
from tongban.core.selectors.organizations import department_list
from tongban.demo.loaders import (
    AGENT,
    AGENT_STAFF,
    CITIZEN,
    DEMO_PASSWORD,
    DEPARTMENTS,
    ENTERPRISE_CREDIT_CODE,
    STAFF,
)
from tongban.identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo loaded once for this module, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "load")
        yield
        transaction.set_rollback(True)


def _counts():
    return {
        "regions": Region.objects.count(),
        "departments": Department.objects.count(),
        "bodies": ImplementingBody.objects.count(),
        "users": User.objects.count(),
        "memberships": StaffMembership.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_second_load_creates_nothing(loaded_demo, capsys):
    before = _counts()
    call_command("demo", "load")
    assert "无需载入" in capsys.readouterr().out
    assert _counts() == before


def test_demo_content_was_created_through_the_services(loaded_demo):
    assert Department.objects.count() == len(DEPARTMENTS)
    assert ImplementingBody.objects.count() == len(DEPARTMENTS)
    assert AuditEntry.objects.filter(action="core.regions.load").count() == 1
    assert AuditEntry.objects.filter(action="core.department.create").count() == len(DEPARTMENTS)
    assert AuditEntry.objects.filter(action="core.staff_membership.grant").count() == len(STAFF)


def test_every_staff_role_has_a_demo_account(loaded_demo):
    roles = set(StaffMembership.objects.filter(is_active=True).values_list("role", flat=True))
    assert roles == set(StaffRole.values)


def test_credit_codes_are_valid_and_shared_by_department_and_body(loaded_demo):
    for department in Department.objects.all():
        assert validate_credit_code(department.credit_code) == department.credit_code
        assert department.credit_code[:2] == "11"
        assert department.credit_code[2:8] == department.region_id[:6]
        body = ImplementingBody.objects.get(credit_code=department.credit_code)
        assert body.department == department
        assert body.nature == "1"
    assert validate_credit_code(ENTERPRISE_CREDIT_CODE).startswith("91510104")


def test_township_offices_sit_in_real_townships(loaded_demo):
    office = Department.objects.get(name="成都市锦江区春熙路街道办事处")
    assert office.region.name == "春熙路街道"
    assert not office.region.is_generated


def test_citizen_and_agent(loaded_demo):
    citizen = User.objects.get(username=CITIZEN.username)
    assert citizen.kind == "citizen"
    assert validate_citizen_id(citizen.id_number).startswith("510104")
    assert int(citizen.id_number[16]) % 2 == 0  # 张晓燕 is a woman
    assert citizen.check_password(DEMO_PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM identity_user WHERE id = %s", [citizen.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert CITIZEN.id_number not in stored_id  # encrypted at rest
    assert CITIZEN.phone not in stored_phone
    agent = User.objects.select_related("legal_person").get(username=AGENT.username)
    assert agent.kind == "enterprise"
    assert agent.legal_person.name == "成都蜀味餐饮管理有限公司"
    assert validate_citizen_id(agent.id_number)


def test_demo_people_are_real_name_verified_and_the_enterprise_has_its_agents(loaded_demo):
    from tongban.identity.registries import person_registry
    from tongban.identity.selectors import agent_grants_active_for, enterprises_for

    for spec in (CITIZEN, AGENT, AGENT_STAFF):
        user = User.objects.get(username=spec.username)
        assert user.assurance_level == 2
        assert user.phone_verified_at is not None
        assert person_registry().verify(name=spec.real_name, id_number=spec.id_number).matched
    representative = User.objects.get(username=AGENT.username)
    [role] = enterprises_for(representative)
    assert role.role == "representative"
    assert role.legal_person.credit_code == ENTERPRISE_CREDIT_CODE
    [grant] = agent_grants_active_for(User.objects.get(username=AGENT_STAFF.username))
    assert grant.legal_person == role.legal_person
    assert grant.granted_by == representative


def test_platform_admin_can_use_django_admin(loaded_demo):
    admin = User.objects.get(username="admin_sichuan")
    assert admin.is_staff
    assert admin.is_superuser


def test_demo_clerks_are_kept_apart(loaded_demo):
    jinjiang = User.objects.get(username="clerk_jinjiang")
    qingyang_office = Department.objects.get(name="成都市青羊区行政审批局")
    assert {d.name for d in department_list(actor=jinjiang)} == {"成都市锦江区行政审批局"}
    with pytest.raises(NotFound):
        access_department_by_id(jinjiang, qingyang_office.public_id)


def test_accounts_are_printed_with_role_scope_and_password(loaded_demo, capsys):
    call_command("demo", "accounts")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for spec in STAFF:
        assert spec.username in out
    assert "citizen_zhang" in out
    assert "agent_li" in out
    assert "agent_wang" in out
    assert "绑定动态口令" in out
    assert "四川省成都市锦江区 · 成都市锦江区行政审批局" in out
    assert "12345话务员" in out


def test_accounts_before_load_say_what_to_do(db, capsys):
    # Runs inside the module's data, so check the message path with the accounts renamed away
    # (other apps' records keep their users: deleting them is refused, as it should be).
    for user in User.objects.filter(
        username__in=[s.username for s in STAFF]
        + [CITIZEN.username, AGENT.username, AGENT_STAFF.username]
    ):
        user.username = f"gone-{user.pk}"
        user.save(update_fields=["username"])
    call_command("demo", "accounts")
    assert "demo load" in capsys.readouterr().out
