"""The clock in working days: acceptance, special procedures, extensions, traffic lights, the
five-day correction rule (视为受理) and escalation of overdue steps."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tongban.cases.models import CaseStatus, ClockState, Supervision
from tongban.cases.selectors import case_queue, supervision_counts
from tongban.cases.services.apply import case_correction_submit, case_material_upload
from tongban.cases.services.clock import clock_state
from tongban.cases.services.lifecycle import (
    case_accept,
    case_extension_decide,
    case_extension_request,
    case_request_correction,
    case_resume,
    case_suspend,
)
from tongban.cases.services.supervision import cases_deemed_accepted_sweep, cases_escalate_overdue
from tongban.cases.tests.conftest import PDF, submitted_case
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.core.workdays import add_workdays

pytestmark = pytest.mark.django_db

# 2026-09-30 (Wed): the National Day holiday runs 10-01…10-07, Saturday 10-10 is a 调休 workday.
BEFORE_NATIONAL_DAY = "2026-09-30 10:00 +0800"


def test_due_dates_count_working_days_across_the_holiday(world):
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        case = case_accept(actor=world.clerk, case=submitted_case(world))
    assert case.promised_due_date == date(2026, 10, 13)  # 5 working days
    assert case.legal_due_date == add_workdays(date(2026, 9, 30), 20)
    with time_machine.travel("2026-10-12 10:00 +0800", tick=False):
        assert clock_state(case).state == ClockState.WARNING
        assert clock_state(case).days_left == 1
    with time_machine.travel("2026-10-14 10:00 +0800", tick=False):
        assert clock_state(case).state == ClockState.OVERDUE
        assert case_queue(world.reviewer, clock="overdue").filter(pk=case.pk).exists()
        rows = supervision_counts(world.admin)
        assert rows[0].overdue == 1


def test_special_procedures_stop_the_clock(world):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):  # Monday
        case = case_accept(actor=world.clerk, case=submitted_case(world))
        due = case.promised_due_date
        with pytest.raises(ValidationFailed):
            case_suspend(actor=world.reviewer, case=case, reason_kind="hearing", reason="")
        case_suspend(
            actor=world.reviewer, case=case, reason_kind="expert_review", reason="需专家评审"
        )
        case.refresh_from_db()
        assert clock_state(case).state == ClockState.PAUSED
    with time_machine.travel("2026-11-05 10:00 +0800", tick=False):  # 3 working days later
        suspension = case_resume(actor=world.reviewer, case=case, result="专家评审通过")
    case.refresh_from_db()
    assert suspension.days_not_counted == 3
    assert case.status == CaseStatus.IN_PROGRESS
    assert (case.promised_due_date - due).days >= 3


def test_extension_needs_the_department_head(world):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        case = case_accept(actor=world.clerk, case=submitted_case(world))
        with pytest.raises(ValidationFailed):
            case_extension_request(actor=world.reviewer, case=case, reason="复杂", days=11)
        extension = case_extension_request(actor=world.reviewer, case=case, reason="需现场核查")
        assert extension.days == 10
        case.refresh_from_db()
        with pytest.raises(PermissionDenied):
            case_extension_decide(
                actor=world.reviewer, case=case, extension_id=extension.pk, approve=True
            )
        legal = case.legal_due_date
        case_extension_decide(actor=world.admin, case=case, extension_id=extension.pk, approve=True)
        case.refresh_from_db()
        assert case.extension_days == 10
        assert case.legal_due_date > legal
        with pytest.raises(Conflict):
            case_extension_request(actor=world.reviewer, case=case, reason="再延")


def test_correction_lists_everything_once_and_resubmission_returns_to_acceptance(world):
    case = submitted_case(world)
    with pytest.raises(ValidationFailed):
        case_request_correction(actor=world.clerk, case=case, items=[])
    correction = case_request_correction(
        actor=world.clerk,
        case=case,
        items=[
            {"code": "M001", "reason": "未签字"},
            {"code": "form.premises", "reason": "地址不完整"},
        ],
    )
    assert [i["name"] for i in correction.items] == ["食品经营许可申请书", "form.premises"]
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    with pytest.raises(Conflict):
        case_request_correction(
            actor=world.clerk, case=case, items=[{"code": "M002", "reason": "x"}]
        )
    with pytest.raises(ValidationFailed):
        case_correction_submit(actor=world.citizen, case=case)
    case_material_upload(
        actor=world.citizen,
        case=case,
        code="M001",
        file_name="a.pdf",
        content=PDF,
        content_type="application/pdf",
    )
    case.refresh_from_db()
    case = case_correction_submit(actor=world.citizen, case=case)
    assert case.status == CaseStatus.SUBMITTED
    assert correction.__class__.objects.get(pk=correction.pk).resolved_at is not None


def test_correction_after_acceptance_pauses_the_clock(world):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        case = case_accept(actor=world.clerk, case=submitted_case(world))
        due = case.promised_due_date
        case_request_correction(
            actor=world.reviewer, case=case, items=[{"code": "M003", "reason": "缺少盖章"}]
        )
        case.refresh_from_db()
        assert clock_state(case).state == ClockState.PAUSED
    with time_machine.travel("2026-11-04 10:00 +0800", tick=False):
        case_material_upload(
            actor=world.citizen,
            case=case,
            code="M003",
            file_name="a.pdf",
            content=PDF,
            content_type="application/pdf",
        )
        case.refresh_from_db()
        case = case_correction_submit(actor=world.citizen, case=case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.paused_days == 2
    assert case.promised_due_date > due


def test_not_notified_within_five_working_days_counts_as_accepted(world):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        case = submitted_case(world)
    with time_machine.travel("2026-11-09 10:00 +0800", tick=False):  # 5 working days: not yet
        assert cases_deemed_accepted_sweep() == 0
    with time_machine.travel("2026-11-10 10:00 +0800", tick=False):
        assert cases_deemed_accepted_sweep() == 1
        assert cases_deemed_accepted_sweep() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.deemed_accepted
    assert case.promised_due_date == date(2026, 11, 9)  # counted from receipt


def test_overdue_steps_escalate_to_the_supervising_level_once(world):
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        case = case_accept(actor=world.clerk, case=submitted_case(world))
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        report = cases_escalate_overdue()
        assert (report.step_overdue, report.case_overdue) == (1, 1)
        again = cases_escalate_overdue()
        assert (again.step_overdue, again.case_overdue) == (0, 0)
    levels = dict(
        Supervision.objects.filter(case=case).values_list("level", "supervising_region_id")
    )
    assert levels == {1: "510100", 2: "510000"}
