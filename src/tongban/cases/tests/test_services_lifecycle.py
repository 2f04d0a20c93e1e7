"""The case lifecycle end to end through the services: apply, accept, review, decide, 办结,
delivery; roles, states, optimistic locking, history and notifications."""

from __future__ import annotations

import pytest

from tongban.audit.models import AuditEntry
from tongban.cases.models import Case, CaseEvent, CaseStatus, Notification
from tongban.cases.selectors import case_available_actions, case_progress_lookup
from tongban.cases.services.apply import (
    case_draft_create,
    case_draft_save,
    case_submit,
    case_withdraw,
)
from tongban.cases.services.lifecycle import (
    case_accept,
    case_approve,
    case_complete,
    case_deliver,
    case_deny,
    case_not_accept,
)
from tongban.cases.tests.conftest import FORM, ready_case, submitted_case
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.identity import sms

pytestmark = pytest.mark.django_db


def test_draft_saves_as_you_go_and_refuses_bad_values(world):
    case = case_draft_create(actor=world.citizen, item_code=world.item.code)
    assert case.status == CaseStatus.DRAFT
    assert case.number.startswith("510104-")
    assert case.guide_version_id == world.item.published_version_id
    case = case_draft_save(actor=world.citizen, case=case, form_data={"operator_name": "蜀味"})
    assert case.form_data == {"operator_name": "蜀味"}
    with pytest.raises(ValidationFailed) as exc:
        case_draft_save(actor=world.citizen, case=case, form_data={"area": "很大", "nope": 1})
    assert {p.field for p in exc.value.fields} == {"form.area", "form.nope"}
    case.refresh_from_db()
    assert case.form_data == {"operator_name": "蜀味"}
    with pytest.raises(NotFound):
        case_draft_save(actor=world.outsider, case=case, form_data={"operator_name": "x"})


def test_submit_checks_form_and_materials_and_changes_nothing_when_refused(world):
    case = case_draft_create(actor=world.citizen, item_code=world.item.code, form_data=FORM)
    with pytest.raises(ValidationFailed) as exc:
        case_submit(actor=world.citizen, case=case)
    assert {p.field for p in exc.value.fields} == {
        "materials.M001",
        "materials.M002",
        "materials.M003",
    }
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert not Notification.objects.filter(case=case).exists()


def test_full_lifecycle_issues_the_license_and_records_every_stage(
    world, issuer, django_capture_on_commit_callbacks
):
    sms.outbox.clear()
    case = ready_case(world)
    result = case_submit(actor=world.citizen, case=case)
    case = result.case
    assert case.status == CaseStatus.SUBMITTED
    assert case.current_role == "window_clerk"
    assert len(result.verification_code) == 6
    with django_capture_on_commit_callbacks(execute=True):
        case = case_accept(actor=world.clerk, case=case, opinion="材料齐全")
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.current_step == "review"
    assert case.promised_due_date is not None
    assert case.legal_due_date >= case.promised_due_date
    decision = case_approve(actor=world.reviewer, case=case, opinion="符合条件")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.current_step == "issue"
    assert decision.document_number
    case = case_complete(actor=world.clerk, case=case)
    assert case.status == CaseStatus.DELIVERED
    assert issuer.issued[0].license_type_code == "SPJYXKZ"
    assert issuer.issued[0].holder.holder_name == "张晓燕"
    case.decision.refresh_from_db()
    assert case.decision.result_reference == f"LIC-{case.number}"
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "case.save_draft",
        "case.submit",
        "case.accept",
        "case.approve",
        "case.complete",
    ]
    accept = CaseEvent.objects.get(case=case, action="case.accept")
    assert accept.actor_name
    assert accept.document_number
    assert accept.stage == "accept"
    assert set(
        AuditEntry.objects.filter(object_id=str(case.public_id)).values_list("action", flat=True)
    ) >= {"cases.case.submit", "cases.case.accept", "cases.case.approve", "cases.case.complete"}
    kinds = list(
        Notification.objects.filter(case=case).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["submitted", "accepted", "approved", "completed"]
    assert any("已受理" in m.text for m in sms.outbox)
    progress = case_progress_lookup(number=case.number, code=result.verification_code)
    assert progress.status == CaseStatus.DELIVERED
    assert progress.applicant == "张**"
    with pytest.raises(NotFound):
        case_progress_lookup(
            number=case.number, code="000000" if result.verification_code != "000000" else "111111"
        )


def test_the_wrong_role_or_scope_is_refused_with_a_clear_message(world):
    case = submitted_case(world)
    with pytest.raises(NotFound):
        case_accept(actor=world.clerk_qy, case=case)  # 青羊区 window cannot see 锦江区 cases
    with pytest.raises(PermissionDenied) as exc:
        case_accept(actor=world.reviewer, case=case)
    assert "窗口人员" in exc.value.message
    case = case_accept(actor=world.clerk, case=case)
    with pytest.raises(PermissionDenied):
        case_approve(actor=world.clerk, case=case)
    with pytest.raises(NotFound):
        case_approve(actor=world.reviewer_qy, case=case)
    with pytest.raises(Conflict) as exc:
        case_accept(actor=world.clerk, case=case)
    assert "办理中" in exc.value.message
    assert "受理" in exc.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_two_clerks_at_once_only_one_succeeds(world):
    case = submitted_case(world)
    first_view = Case.objects.get(pk=case.pk)
    second_view = Case.objects.get(pk=case.pk)
    case_accept(actor=world.clerk, case=first_view)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict) as exc:
        case_not_accept(
            actor=world.clerk, case=second_view, reason="不符合", legal_basis="第三十二条"
        )
    assert exc.value.code == "stale_version"
    assert "已被其他人员处理" in exc.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case).count() == events


def test_not_accepted_needs_reason_and_basis(world):
    case = submitted_case(world)
    with pytest.raises(ValidationFailed):
        case_not_accept(actor=world.clerk, case=case, reason="", legal_basis="")
    case = case_not_accept(
        actor=world.clerk,
        case=case,
        reason="不属于本机关职权范围",
        legal_basis="行政许可法第三十二条",
    )
    assert case.status == CaseStatus.NOT_ACCEPTED
    event = case.events.get(action="case.not_accept")
    assert event.legal_basis
    assert event.opinion


def test_denial_carries_reasons_and_remedy_and_mail_delivery(world, issuer):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    decision = case_deny(
        actor=world.reviewer, case=case, reason="场所不符合要求", legal_basis="第三十五条"
    )
    assert "行政复议" in decision.remedy_notice
    case.refresh_from_db()
    case = case_complete(actor=world.clerk, case=case)
    assert case.status == CaseStatus.COMPLETED
    assert not issuer.issued
    with pytest.raises(ValidationFailed):
        case_deliver(actor=world.clerk, case=case, method="mail")
    delivery = case_deliver(
        actor=world.clerk, case=case, method="mail", carrier="EMS", tracking_number="EA123456789CN"
    )
    assert delivery.tracking_number == "EA123456789CN"
    case.refresh_from_db()
    assert case.status == CaseStatus.DELIVERED


def test_withdraw_by_the_applicant_only(world):
    case = submitted_case(world)
    with pytest.raises(NotFound):
        case_withdraw(actor=world.outsider, case=case)
    case = case_withdraw(actor=world.citizen, case=case, reason="不需要了")
    assert case.status == CaseStatus.WITHDRAWN
    with pytest.raises(Conflict):
        case_accept(actor=world.clerk, case=case)


def test_available_actions_follow_role_and_state(world):
    case = submitted_case(world)
    assert "accept" in case_available_actions(world.clerk, case)
    assert "accept" not in case_available_actions(world.reviewer, case)
    assert "withdraw" in case_available_actions(world.citizen, case)
    case = case_accept(actor=world.clerk, case=case)
    assert {"approve", "deny", "return"} <= set(case_available_actions(world.reviewer, case))
    assert "approve" not in case_available_actions(world.clerk, case)
