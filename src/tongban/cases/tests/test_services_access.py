"""Who may apply (real-name L2 through every interface), the staff actions the selector offers
(release, delivery confirmation, the 告知承诺 check) and the audited opening of uploaded files."""

from __future__ import annotations

import pytest

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case, CaseStatus
from tongban.cases.selectors import case_available_actions
from tongban.cases.services.apply import case_draft_create, case_submit
from tongban.cases.services.instant import item_policy_save
from tongban.cases.services.lifecycle import (
    case_accept,
    case_approve,
    case_claim,
    case_commitment_check_record,
    case_complete,
    case_deliver,
    case_delivery_confirm,
    case_deny,
    case_material_open,
    case_release,
)
from tongban.cases.tests.conftest import FORM, ready_case, submitted_case
from tongban.core.errors import NotFound, PermissionDenied
from tongban.identity.models import AssuranceLevel
from tongban.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_account_below_real_name_cannot_start_an_application(world):
    phone_only = UserFactory(username="l1", real_name="赵六", assurance_level=AssuranceLevel.L1)
    with pytest.raises(PermissionDenied) as refused:
        case_draft_create(actor=phone_only, item_code=world.item.code, form_data=FORM)
    assert "实名认证" in refused.value.message
    assert refused.value.code == "assurance_required"
    assert not Case.objects.filter(applicant=phone_only).exists()


def test_a_draft_is_not_submitted_once_the_account_lost_its_real_name_level(world):
    case = ready_case(world)
    world.citizen.assurance_level = AssuranceLevel.L1
    world.citizen.save(update_fields=["assurance_level"])
    with pytest.raises(PermissionDenied):
        case_submit(actor=world.citizen, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert case.submitted_at is None


def test_release_is_offered_to_whoever_holds_the_claim(world):
    case = submitted_case(world)
    assert "release" not in case_available_actions(world.clerk, case)
    case = case_claim(actor=world.clerk, case=case)
    assert "release" in case_available_actions(world.clerk, case)
    assert "release" not in case_available_actions(world.clerk_qy, case)
    case = case_release(actor=world.clerk, case=case)
    assert "release" not in case_available_actions(world.clerk, case)


def test_delivery_confirmation_is_offered_while_a_parcel_is_on_its_way(world):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    case_deny(actor=world.reviewer, case=case, reason="场所不符合要求", legal_basis="第三十五条")
    case.refresh_from_db()
    case = case_complete(actor=world.clerk, case=case)
    assert "delivery_confirm" not in case_available_actions(world.clerk, case)
    delivery = case_deliver(
        actor=world.clerk, case=case, method="mail", carrier="EMS", tracking_number="EA123456789CN"
    )
    case.refresh_from_db()
    assert "delivery_confirm" in case_available_actions(world.clerk, case)
    assert "delivery_confirm" not in case_available_actions(world.citizen, case)
    case_delivery_confirm(actor=world.clerk, case=case, delivery_id=delivery.pk)
    assert "delivery_confirm" not in case_available_actions(world.clerk, case)


def test_the_commitment_check_is_offered_to_the_reviewer_while_open(world, issuer):
    item_policy_save(
        actor=world.admin,
        item=world.item,
        allows_commitment=True,
        commitment_template="本人承诺所填信息真实，营业执照合法有效。",
    )
    case = ready_case(world)
    case = case_submit(actor=world.citizen, case=case, commitment=True).case
    case = case_accept(actor=world.clerk, case=case)
    case_approve(actor=world.reviewer, case=case)
    case.refresh_from_db()
    assert "commitment_check" in case_available_actions(world.reviewer, case)
    assert "commitment_check" not in case_available_actions(world.clerk, case)
    case_commitment_check_record(actor=world.reviewer, case=case, passed=True, result="核查属实")
    assert "commitment_check" not in case_available_actions(world.reviewer, case)


def test_opening_an_uploaded_material_is_audited_and_scoped(world):
    case = submitted_case(world)
    with pytest.raises(NotFound):
        case_material_open(actor=world.clerk_qy, case=case, code="M001")
    with pytest.raises(NotFound):
        case_material_open(actor=world.clerk, case=case, code="M004")  # nothing uploaded
    assert not AuditEntry.objects.filter(action="cases.material.open").exists()
    opened = case_material_open(actor=world.clerk, case=case, code="M001")
    with opened.file as handle:
        assert handle.read().startswith(b"%PDF")
    assert opened.file_name == "M001.pdf"
    entry = AuditEntry.objects.get(action="cases.material.open")
    assert entry.actor == world.clerk
    assert entry.summary["code"] == "M001"
    assert entry.summary["sm3"] == opened.material.sm3
