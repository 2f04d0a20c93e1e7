"""Periodic case work (schedule daily/hourly: cron `./dev.sh manage cases sweep`, or enqueue)."""

from __future__ import annotations

from django.tasks import task


@task()
def cases_sweep() -> dict[str, int]:
    """视为受理 after five working days without a correction notice, then escalate overdue steps."""
    from tongban.cases.services.supervision import (
        cases_deemed_accepted_sweep,
        cases_escalate_overdue,
    )

    deemed = cases_deemed_accepted_sweep()
    report = cases_escalate_overdue()
    return {
        "deemed_accepted": deemed,
        "step_overdue": report.step_overdue,
        "case_overdue": report.case_overdue,
    }


@task()
def notifications_retry() -> int:
    from tongban.cases.services.notifications import notifications_retry_failed

    return notifications_retry_failed()
