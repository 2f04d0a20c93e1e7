"""Periodic work on open cases (cases/tasks.py and `./dev.sh manage cases sweep` call these):

- 视为受理: an application neither accepted, refused nor sent back for correction within five
  working days of receipt counts as accepted from the day of receipt (行政许可法 §32);
- 效能监察: a step past its due date is escalated to the supervising level (the region above
  the handling one); a case past its promised date one level further. One Supervision row per
  case, step and level, so running the sweep twice changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases.models import Case, CaseStatus, Supervision
from tongban.cases.models.handling import EventStage
from tongban.cases.services.clock import CORRECTION_NOTICE_DAYS
from tongban.cases.services.common import accept_step, lock_case, record_event, save_case
from tongban.cases.services.notifications import notify_applicant, title_for
from tongban.cases.services.routing import supervising_region
from tongban.core.workdays import local_today, workday_calendar

logger = logging.getLogger("tongban.cases.supervision")


def _deemed_accept_one(case_id: int) -> bool:
    from tongban.cases.services.instant import policy_for
    from tongban.cases.services.lifecycle import _accept_locked

    with transaction.atomic():
        case = lock_case(case_id, check_version=False)
        if case.status != CaseStatus.SUBMITTED:
            return False
        step = accept_step(case)
        _accept_locked(
            case,
            actor=None,
            step=step,
            opinion="",
            tolerated=[],
            tolerated_days=None,
            document_number="",
            policy=policy_for(case.item_id),
            deemed=True,
        )
        record_event(
            case,
            action="accept",
            actor=None,
            stage=EventStage.ACCEPT,
            from_status=CaseStatus.SUBMITTED,
            label=_("逾期未告知补正，视为受理"),
            legal_basis=_("《中华人民共和国行政许可法》第三十二条"),
            step=step,
        )
        notify_applicant(
            case=case,
            kind="accepted",
            title=title_for("accepted"),
            body=_("您的办件%(number)s自收件之日起视为受理，承诺%(due)s前办结。")
            % {"number": case.number, "due": case.promised_due_date},
        )
        audit_record(
            actor=None,
            action="cases.case.deemed_accept",
            obj=case,
            summary={"number": case.number, "received_on": str(case.received_on)},
        )
    return True


def cases_deemed_accepted_sweep(*, today: date | None = None, limit: int = 10000) -> int:
    today = today or local_today()
    calendar = workday_calendar()
    # Coarse filter on the index (more than five calendar days ago), exact check per case.
    candidates = Case.objects.filter(
        status=CaseStatus.SUBMITTED, received_on__lt=today - timedelta(days=CORRECTION_NOTICE_DAYS)
    ).values_list("pk", "received_on")[:limit]
    done = 0
    for pk, received in candidates:
        if calendar.workdays_between(received, today) > CORRECTION_NOTICE_DAYS:
            try:
                done += int(_deemed_accept_one(pk))
            except Exception:  # one bad case must not stop the sweep
                logger.exception("cases.deemed_accept.failed", extra={"case": pk})
    return done


@dataclass(frozen=True)
class EscalationReport:
    step_overdue: int
    case_overdue: int


def _escalate(case: Case, *, level: int, rule: str, content: str, now: Any) -> bool:
    if Supervision.objects.filter(case=case, step_key=case.current_step, level=level).exists():
        return False
    region = supervising_region(case.handling_region, level)
    Supervision.objects.create(
        case=case,
        number=f"JC-{case.number}-{case.current_step or 'case'}-{level}",
        rule_code=rule,
        alert_type="2",
        step_key=case.current_step,
        content=content,
        level=level,
        supervised_department_id=case.handling_department_id,
        supervising_region=region,
        issued_at=now,
    )
    case.escalation_level = max(case.escalation_level, level)
    save_case(case, ["escalation_level"])
    record_event(
        case,
        action="escalate",
        actor=None,
        stage=EventStage.SUPERVISION,
        from_status=case.status,
        opinion=content,
        label=_("超期督办"),
        data={"level": level, "supervising_region": region.code, "rule": rule},
        visible_to_applicant=False,
    )
    audit_record(
        actor=None,
        action="cases.case.escalate",
        obj=case,
        summary={"number": case.number, "level": level, "rule": rule, "region": region.code},
    )
    return True


def cases_escalate_overdue(*, today: date | None = None, limit: int = 10000) -> EscalationReport:
    today = today or local_today()
    now = timezone.now()
    steps = cases = 0
    running = [CaseStatus.IN_PROGRESS, CaseStatus.APPROVED, CaseStatus.DENIED]
    ids = list(
        Case.objects.filter(status__in=running, step_due_date__lt=today).values_list(
            "pk", flat=True
        )[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("handling_region").get(pk=pk)
            steps += _escalate(
                case,
                level=1,
                rule="R01",
                content=_("环节“%(step)s”已超过环节时限（%(due)s），请尽快办理。")
                % {"step": case.current_step_name, "due": case.step_due_date},
                now=now,
            )
    ids = list(
        Case.objects.filter(status__in=running, promised_due_date__lt=today).values_list(
            "pk", flat=True
        )[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("handling_region").get(pk=pk)
            cases += _escalate(
                case,
                level=2,
                rule="R02",
                content=_("办件已超过承诺办结时限（%(due)s），请说明原因并尽快办结。")
                % {"due": case.promised_due_date},
                now=now,
            )
    return EscalationReport(step_overdue=steps, case_overdue=cases)


@transaction.atomic
def supervision_resolve(*, actor: Any, supervision: Supervision, result: str) -> Supervision:
    from tongban.cases.services.common import require_staff_visible

    require_staff_visible(actor, supervision.case)
    supervision.resolved_at = timezone.now()
    supervision.result = result
    supervision.save(update_fields=["resolved_at", "result", "updated_at"])
    audit_record(actor=actor, action="cases.supervision.resolve", obj=supervision, summary={})
    return supervision
