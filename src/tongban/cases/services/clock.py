"""The legal clock (standards.md §3.3): working days from acceptance on the foundation calendar,
legal and promised limits, extensions, time not counted during special procedures, and the
traffic-light state (on time / warning / overdue).

Due dates are stored on the case (so queues sort and supervision counts filter on indexed
columns); they move only when the clock changes (acceptance, extension, resumption). The state
is computed: overdue ⇔ promised_due_date < today; warning ⇔ due within
TONGBAN_CASES_WARNING_DAYS working days (default 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

from tongban.cases.models import Case, CaseStatus, ClockState
from tongban.cases.models.case import FINAL_STATUSES
from tongban.core.workdays import WorkdayCalendar, local_today, workday_calendar

# 行政许可法 §42: 20 days (+10); joint/unified handling 45 days (+15).
STANDARD_EXTENSION_DAYS = 10
JOINT_EXTENSION_DAYS = 15
JOINT_LEGAL_DAYS = 45
CORRECTION_NOTICE_DAYS = 5  # §32: notify within 5 days of receipt, or the case counts as accepted


def warning_days() -> int:
    return int(getattr(settings, "TONGBAN_CASES_WARNING_DAYS", 3))


@dataclass(frozen=True)
class ClockInfo:
    state: str  # ClockState value
    label: str
    started_on: date | None
    legal_due: date | None
    promised_due: date | None
    days_left: int | None  # working days left to the promised date (negative when overdue)
    paused_days: int
    extension_days: int


def clock_start(case: Case, *, start: date, calendar: WorkdayCalendar | None = None) -> None:
    """Set the limits and due dates at acceptance (the case is saved by the caller)."""
    calendar = calendar or workday_calendar()
    clock_recompute(case, start=start, calendar=calendar)


def clock_recompute(
    case: Case, *, start: date | None = None, calendar: WorkdayCalendar | None = None
) -> None:
    calendar = calendar or workday_calendar()
    if start is None:
        if case.accepted_at is None:
            return
        start = case.received_on if case.deemed_accepted and case.received_on else None
        start = start or _local(case.accepted_at)
    extra = case.extension_days + case.paused_days
    case.legal_due_date = calendar.add_workdays(start, case.legal_days + extra)
    case.promised_due_date = calendar.add_workdays(start, case.promised_days + extra)


def _local(moment: Any) -> date:
    from tongban.core.workdays import as_local_date

    return as_local_date(moment)


def clock_pause(case: Case, *, on: date | None = None) -> None:
    if case.paused_since is None:
        case.paused_since = on or local_today()


def clock_resume(
    case: Case, *, on: date | None = None, calendar: WorkdayCalendar | None = None
) -> int:
    """Add the working days since the pause to the time not counted; return them."""
    if case.paused_since is None:
        return 0
    calendar = calendar or workday_calendar()
    days = max(0, calendar.workdays_between(case.paused_since, on or local_today()))
    case.paused_days += days
    case.paused_since = None
    clock_recompute(case, calendar=calendar)
    return days


def clock_state(
    case: Case,
    *,
    today: date | None = None,
    calendar: WorkdayCalendar | None = None,
    warn: int | None = None,
) -> ClockInfo:
    today = today or local_today()
    warn = warning_days() if warn is None else warn
    started = _local(case.accepted_at) if case.accepted_at else None
    due = case.promised_due_date
    days_left: int | None = None
    if case.status in FINAL_STATUSES or case.status == CaseStatus.DRAFT:
        state = ClockState.STOPPED if case.accepted_at else ClockState.NOT_STARTED
        if case.status == CaseStatus.DRAFT:
            state = ClockState.NOT_STARTED
    elif case.accepted_at is None or due is None:
        state = ClockState.NOT_STARTED
    elif case.paused_since is not None or case.status == CaseStatus.SUSPENDED:
        state = ClockState.PAUSED
    else:
        calendar = calendar or workday_calendar()
        days_left = calendar.workdays_between(today, due)
        if today > due:
            state = ClockState.OVERDUE
        elif days_left <= warn:
            state = ClockState.WARNING
        else:
            state = ClockState.ON_TIME
    return ClockInfo(
        state=state,
        label=str(ClockState(state).label),
        started_on=started,
        legal_due=case.legal_due_date,
        promised_due=due,
        days_left=days_left,
        paused_days=case.paused_days,
        extension_days=case.extension_days,
    )


@dataclass(frozen=True)
class ClockThresholds:
    """Dates that turn the states into index-friendly filters on promised_due_date."""

    today: date
    warn_until: date  # due on or before this (and not before today) ⇒ warning


def clock_thresholds(*, today: date | None = None, warn: int | None = None) -> ClockThresholds:
    today = today or local_today()
    warn = warning_days() if warn is None else warn
    return ClockThresholds(today=today, warn_until=workday_calendar().add_workdays(today, warn))


def extension_days_allowed(case: Case) -> int:
    return JOINT_EXTENSION_DAYS if case.is_joint else STANDARD_EXTENSION_DAYS


def clock_state_counts(
    rows: Any, *, today: date | None = None, warn: int | None = None
) -> dict[str, int]:
    """How many cases are in each state, for many cases at once: `rows` yields
    (status, accepted_at, promised_due_date, paused_since) tuples (a values_list), and the
    states come from two threshold dates, not from a working-day count per case."""
    t = clock_thresholds(today=today, warn=warn)
    counts: dict[str, int] = {}
    for status, accepted_at, due, paused_since in rows:
        if status == CaseStatus.DRAFT or status in FINAL_STATUSES:
            state = ClockState.STOPPED if accepted_at else ClockState.NOT_STARTED
        elif accepted_at is None or due is None:
            state = ClockState.NOT_STARTED
        elif paused_since is not None or status == CaseStatus.SUSPENDED:
            state = ClockState.PAUSED
        elif due < t.today:
            state = ClockState.OVERDUE
        elif due <= t.warn_until:
            state = ClockState.WARNING
        else:
            state = ClockState.ON_TIME
        counts[state] = counts.get(state, 0) + 1
    return counts
