"""Operator alerts (运维告警): things a person must act on, one open row per key.

Why calendar gaps are recorded at the boundary, not where they are detected
-------------------------------------------------------------------------
A missing holiday arrangement is found deep inside a calculation (`tongban.core.workdays`), and
that calculation usually runs inside the transaction of a change (accepting a case computes its
due date). The transaction then rolls back, and an alert written inside it would roll back too.
A second database connection is not an option (SQLite allows one writer at a time: it would wait
on the transaction it tries to outlive). So:

1. `CalendarUnavailable` carries the year, and `tongban.core.workdays` logs
   `calendar.unavailable` at ERROR where it is raised — the log line survives any rollback;
2. the interfaces record the alert at their error boundary, after the transaction has ended:
   `calendar_gap_boundary()` around the call (routers, CLI commands) or
   `record_calendar_unavailable(exc)` in an exception handler. Both are idempotent per exception,
   so an error seen by two boundaries is counted once;
3. `calendar_coverage_check()` looks ahead (90 days by default) and raises the alert before any
   calculation fails; run it daily (`./dev.sh manage workdays check`, or a scheduled task).

Repeats of an open alert increment `occurrences` and are not audited: a failing public endpoint
would otherwise grow the audit chain once per request. Opening and resolving are audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.models import OperatorAlert
from tongban.core.models.alerts import AlertSeverity
from tongban.core.workdays import CalendarUnavailable, local_today, workday_calendar

logger = logging.getLogger("tongban.core.alerts")

_SEVERITY_RANK = {AlertSeverity.WARNING: 1, AlertSeverity.CRITICAL: 2}
CALENDAR_ALERT_PREFIX = "calendar.missing_year."
# Gaps closer than this are critical: due dates falling there are days away.
CALENDAR_CRITICAL_DAYS = 30
# Alerts are only worth raising for years the platform actually works in; a public endpoint asked
# about the year 1900 or 2090 must not open alerts nobody can act on (it still answers 503).
CALENDAR_ALERT_YEARS_BEFORE = 1
CALENDAR_ALERT_YEARS_AFTER = 5


@transaction.atomic
def alert_raise(*, key: str, message: str, severity: str = AlertSeverity.WARNING) -> OperatorAlert:
    """Open an alert, or count one more occurrence of the open alert with this key (message
    refreshed, severity only ever raised)."""
    alert = OperatorAlert.objects.select_for_update().filter(key=key, resolved_at__isnull=True)
    current = alert.first()
    if current is None:
        try:
            with transaction.atomic():
                created = OperatorAlert.objects.create(key=key, severity=severity, message=message)
        except IntegrityError:
            # Someone else opened it between our read and our insert: count on theirs.
            current = alert.get()
        else:
            audit_record(
                actor=None,
                action="core.alert.raise",
                obj=created,
                summary={"key": key, "severity": severity},
            )
            logger.warning("alert.opened", extra={"key": key, "severity": severity})
            return created
    if _SEVERITY_RANK.get(current.severity, 0) > _SEVERITY_RANK.get(severity, 0):
        severity = current.severity
    now = timezone.now()
    OperatorAlert.objects.filter(pk=current.pk).update(
        occurrences=F("occurrences") + 1,
        message=message,
        severity=severity,
        last_seen_at=now,
        updated_at=now,
    )
    current.refresh_from_db()
    return current


def resolve_open_alert(*, key: str) -> OperatorAlert | None:
    """Close the open alert with `key`, if any, without an audit entry of its own: for services
    whose own audit entry records the change that resolved it (e.g. entering a calendar year).
    Call inside that service's transaction."""
    alert = (
        OperatorAlert.objects.select_for_update().filter(key=key, resolved_at__isnull=True).first()
    )
    if alert is None:
        return None
    alert.resolved_at = timezone.now()
    alert.save(update_fields=["resolved_at", "updated_at"])
    return alert


@transaction.atomic
def alert_resolve(*, key: str, actor: Any) -> OperatorAlert | None:
    """An operator marks the open alert with `key` as handled; None when none is open."""
    alert = resolve_open_alert(key=key)
    if alert is not None:
        audit_record(
            actor=actor,
            action="core.alert.resolve",
            obj=alert,
            summary={"key": key, "occurrences": alert.occurrences},
        )
    return alert


# --- Calendar gaps -------------------------------------------------------------------------------


def calendar_alert_key(year: int) -> str:
    return f"{CALENDAR_ALERT_PREFIX}{year}"


def _calendar_alert_worth_raising(year: int, today: date) -> bool:
    return (
        today.year - CALENDAR_ALERT_YEARS_BEFORE <= year <= today.year + CALENDAR_ALERT_YEARS_AFTER
    )


def record_calendar_gap(year: int) -> OperatorAlert | None:
    """A calculation failed because `year` has no holiday arrangement: raise the critical alert.
    Call it where no transaction that may roll back is open (see the module docstring). Never
    raises: failing to write the alert must not turn the caller's clear 503 into a 500."""
    if not _calendar_alert_worth_raising(year, local_today()):
        logger.warning("calendar.unavailable_out_of_range", extra={"year": year})
        return None
    message = _(
        "%(year)s年的法定节假日安排尚未录入，涉及该年日期的工作日计算（办件时限等）已失败。"
        "请通过管理后台“节假日安排年度”或 `./dev.sh manage workdays year load 文件` "
        "录入国务院办公厅公布的安排。"
    ) % {"year": year}
    try:
        return alert_raise(
            key=calendar_alert_key(year), message=message, severity=AlertSeverity.CRITICAL
        )
    except DatabaseError:
        logger.exception("calendar.alert_not_recorded", extra={"year": year})
        return None


def record_calendar_unavailable(exc: CalendarUnavailable) -> OperatorAlert | None:
    """Record the alert for this exception once, however many boundaries see it."""
    if exc.alert_recorded:
        return None
    exc.alert_recorded = True
    return record_calendar_gap(exc.year)


@contextmanager
def calendar_gap_boundary() -> Iterator[None]:
    """Wrap an interface's call into the domain (outside any transaction): a CalendarUnavailable
    passing through records the operator alert, then goes on to the interface's error handling."""
    try:
        yield
    except CalendarUnavailable as exc:
        record_calendar_unavailable(exc)
        raise


@dataclass(frozen=True)
class CoverageReport:
    today: date
    until: date
    missing_years: list[int] = field(default_factory=list)
    first_gap: date | None = None

    @property
    def ok(self) -> bool:
        return not self.missing_years


def calendar_coverage_check(*, today: date | None = None, horizon_days: int = 90) -> CoverageReport:
    """Is every date from today to today + horizon covered by a holiday arrangement? Raises an
    alert per missing year (critical when the gap starts within CALENDAR_CRITICAL_DAYS, warning
    otherwise) so administrators enter next year's arrangement before a time limit needs it."""
    today = today or local_today()
    until = today + timedelta(days=horizon_days)
    calendar = workday_calendar()
    missing = [y for y in range(today.year, until.year + 1) if not calendar.has_year(y)]
    report = CoverageReport(
        today=today,
        until=until,
        missing_years=missing,
        first_gap=max(today, date(missing[0], 1, 1)) if missing else None,
    )
    for year in missing:
        starts = max(today, date(year, 1, 1))
        days_left = (starts - today).days
        severity = (
            AlertSeverity.CRITICAL if days_left <= CALENDAR_CRITICAL_DAYS else AlertSeverity.WARNING
        )
        logger.error(
            "calendar.coverage_gap",
            extra={"year": year, "gap_starts": starts.isoformat(), "days_left": days_left},
        )
        alert_raise(
            key=calendar_alert_key(year),
            severity=severity,
            message=_(
                "%(year)s年的法定节假日安排尚未录入：%(start)s起（还有%(days)s天）的工作日将无法"
                "计算，办件时限会计算失败。请尽快通过管理后台“节假日安排年度”或 "
                "`./dev.sh manage workdays year load 文件` 录入国务院办公厅公布的安排。"
            )
            % {"year": year, "start": starts.isoformat(), "days": days_left},
        )
    return report
