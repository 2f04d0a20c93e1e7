"""Legal persons: the representative proves the enterprise against the 法人库, then grants and
revokes agents; agents see only their active grants."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import credit_code_build
from tongban.identity.models import AgentGrant, LegalPerson
from tongban.identity.selectors import (
    agent_find_for_grant,
    agent_grants_active_for,
    agent_grants_for_legal_person,
    enterprises_for,
)
from tongban.identity.services import (
    agent_grant_create,
    agent_grant_revoke,
    legal_person_verify,
    registry_legal_persons_import,
)
from tongban.testing.identity import make_person, phone

pytestmark = pytest.mark.django_db

CODE = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K2")
NAME = "成都蜀味餐饮管理有限公司"


@pytest.fixture
def representative():
    return make_person(1, name="李建国", username="li")


@pytest.fixture
def enterprise(representative):
    registry_legal_persons_import(
        actor=None,
        rows=[
            {
                "credit_code": CODE,
                "name": NAME,
                "representative_name": "李建国",
                "representative_id_number": representative.id_number,
                "status": "active",
            }
        ],
    )
    return legal_person_verify(user=representative, credit_code=CODE, name=NAME)


@pytest.fixture
def agent():
    return make_person(2, name="王晓红", username="wang")


def _grant(actor, legal_person, agent, days=30, scopes=("apply", "cases")):
    return agent_grant_create(
        actor=actor,
        legal_person=legal_person,
        agent=agent,
        scopes=list(scopes),
        valid_until=timezone.now() + timedelta(days=days),
    )


def test_representative_is_proved_against_the_registry(enterprise, representative):
    assert enterprise.representative == representative
    assert enterprise.verified_at is not None
    assert enterprise.legal_representative == "李建国"
    assert [r.role for r in enterprises_for(representative)] == ["representative"]
    assert AuditEntry.objects.filter(action="identity.legal_person.verify").count() == 1


def test_someone_else_cannot_claim_the_enterprise(enterprise, agent):
    with pytest.raises(ValidationFailed, match="不是法人库登记的法定代表人"):
        legal_person_verify(user=agent, credit_code=CODE, name=NAME)

    enterprise.refresh_from_db()
    assert enterprise.representative_id != agent.pk
    assert AuditEntry.objects.filter(action="identity.legal_person.verify_fail").count() == 1


def test_an_unverified_person_cannot_claim_any_enterprise():
    l1 = make_person(3, level=1)

    with pytest.raises(Conflict, match="实名认证"):
        legal_person_verify(user=l1, credit_code=CODE, name=NAME)
    assert not LegalPerson.objects.exists()


def test_grant_and_revoke_by_the_representative(enterprise, representative, agent):
    grant = _grant(representative, enterprise, agent, scopes=["cases", "apply", "apply"])

    assert grant.scopes == ["apply", "cases"]
    assert list(agent_grants_active_for(agent)) == [grant]
    [role] = enterprises_for(agent)
    assert (role.legal_person, role.role, role.scopes) == (enterprise, "agent", ("apply", "cases"))
    assert agent_grants_for_legal_person(actor=representative, legal_person=enterprise) == [grant]

    agent_grant_revoke(actor=representative, grant=grant)

    assert list(agent_grants_active_for(agent)) == []
    assert enterprises_for(agent) == []
    assert list(
        AuditEntry.objects.filter(action__startswith="identity.agent_grant").values_list(
            "action", flat=True
        )
    ) == ["identity.agent_grant.create", "identity.agent_grant.revoke"]


def test_only_the_representative_may_grant_or_revoke(enterprise, representative, agent):
    outsider = make_person(4, username="outsider")
    grant = _grant(representative, enterprise, agent)
    before = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied):
        _grant(agent, enterprise, outsider)
    with pytest.raises(PermissionDenied):
        agent_grant_revoke(actor=agent, grant=grant)
    with pytest.raises(PermissionDenied):
        agent_grant_revoke(actor=outsider, grant=grant)
    with pytest.raises(NotFound):
        agent_grants_for_legal_person(actor=agent, legal_person=enterprise)

    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert AgentGrant.objects.count() == 1
    assert AuditEntry.objects.count() == before


def test_grant_rules(enterprise, representative, agent):
    l1 = make_person(5, level=1)
    with pytest.raises(ValidationFailed, match="实名认证"):
        _grant(representative, enterprise, l1)
    with pytest.raises(ValidationFailed, match="授权范围"):
        _grant(representative, enterprise, agent, scopes=["everything"])
    with pytest.raises(ValidationFailed, match="三年"):
        _grant(representative, enterprise, agent, days=4 * 365)
    with pytest.raises(ValidationFailed, match="晚于现在"):
        _grant(representative, enterprise, agent, days=-1)
    with pytest.raises(ValidationFailed, match="本人"):
        _grant(representative, enterprise, representative)
    _grant(representative, enterprise, agent)
    with pytest.raises(Conflict):
        _grant(representative, enterprise, agent)


def test_an_agent_sees_only_active_grants(enterprise, representative, agent, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _grant(representative, enterprise, agent, days=1)

    time_machine.shift(timedelta(days=1, seconds=1))

    assert list(agent_grants_active_for(agent)) == []
    # An expired grant can be replaced by a new one.
    _grant(representative, enterprise, agent)
    assert len(agent_grants_active_for(agent)) == 1


def test_an_agent_is_named_by_phone_and_name_together(agent):
    assert agent_find_for_grant(phone=phone(2), real_name="王晓红") == agent
    assert agent_find_for_grant(phone=phone(2), real_name="王小红") is None
    assert agent_find_for_grant(phone=phone(9), real_name="王晓红") is None
