"""Health of the parts the platform cannot work without: the database and the task worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tongban.core.workdays import local_today, workday_calendar


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _task_worker() -> dict[str, Any]:
    """A worker is healthy when nothing has waited in the queue longer than the stale limit.
    The heartbeat task gives an idle worker something to prove itself with."""
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return {"status": "ok", "backend": backend, "detail": "tasks run in-process"}
    from django_tasks_db.models import DBTaskResult

    from tongban.core.tasks import heartbeat

    now = timezone.now()
    stale = timedelta(seconds=settings.TONGBAN_WORKER_STALE_SECONDS)
    ready = DBTaskResult.objects.filter(status="READY")
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    last_beat = (
        DBTaskResult.objects.filter(task_path=heartbeat.module_path, status="SUCCESSFUL")
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    pending_beat = ready.filter(task_path=heartbeat.module_path).exists()
    if not pending_beat and (last_beat is None or now - last_beat > stale / 2):
        heartbeat.enqueue()
    waiting = (now - oldest).total_seconds() if oldest else 0.0
    status = "ok" if waiting <= stale.total_seconds() else "stalled"
    return {
        "status": status,
        "backend": backend,
        "queued": ready.count(),
        "oldest_wait_seconds": round(waiting, 1),
        "last_heartbeat": last_beat.isoformat() if last_beat else None,
    }


def _calendar() -> dict[str, Any]:
    """Whether the working-day clock has holiday data for the next 90 days. A gap is a warning
    for operators, not a reason to take the node out of the load balancer."""
    today = local_today()
    horizon = today + timedelta(days=90)
    calendar = workday_calendar()
    missing = [y for y in range(today.year, horizon.year + 1) if not calendar.has_year(y)]
    return {"status": "warning" if missing else "ok", "missing_years": missing}


def platform_health() -> dict[str, Any]:
    database = _database()
    ok = database["status"] == "ok"
    worker = _task_worker() if ok else {"status": "unknown"}
    calendar = _calendar() if ok else {"status": "unknown"}
    overall = "ok" if ok and worker["status"] == "ok" else "degraded"
    return {
        "status": overall,
        "time": timezone.now().isoformat(),
        "database": database,
        "task_worker": worker,
        "working_day_calendar": calendar,
    }
