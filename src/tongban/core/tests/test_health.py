from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db
def test_healthz_reports_database_and_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["task_worker"]["status"] == "ok"


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS, TONGBAN_WORKER_STALE_SECONDS=60)
def test_healthz_enqueues_a_heartbeat_for_an_idle_worker(client):
    from django_tasks_db.models import DBTaskResult

    response = client.get("/healthz")
    assert response.status_code == 200
    assert DBTaskResult.objects.filter(task_path="tongban.core.tasks.heartbeat").count() == 1
    client.get("/healthz")
    # A heartbeat already waiting is not queued twice.
    assert DBTaskResult.objects.filter(task_path="tongban.core.tasks.heartbeat").count() == 1


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS, TONGBAN_WORKER_STALE_SECONDS=60)
def test_healthz_is_503_when_the_queue_is_not_being_worked(client):
    from django_tasks_db.models import DBTaskResult

    client.get("/healthz")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["task_worker"]["status"] == "stalled"
    assert body["task_worker"]["oldest_wait_seconds"] >= 300


@pytest.mark.django_db
def test_healthz_warns_when_next_years_holidays_are_missing_without_failing(client):
    import time_machine

    with time_machine.travel("2026-11-22 10:00 +0800", tick=False):
        body = client.get("/healthz").json()
    assert body["working_day_calendar"] == {"status": "warning", "missing_years": [2027]}
    assert body["status"] == "ok"
    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        body = client.get("/healthz").json()
    assert body["working_day_calendar"] == {"status": "ok", "missing_years": []}
