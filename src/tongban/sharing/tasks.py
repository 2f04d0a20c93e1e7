"""Background work of the sharing app (django.tasks): thin calls into bulk.py."""

from __future__ import annotations

from django.tasks import task


@task()
def run_bulk_job(job_id: str) -> str:
    """Export, deliver and check one bulk exchange job (resumes from its checkpoint)."""
    from tongban.sharing.bulk import bulk_job_run

    job = bulk_job_run(job_id=job_id)
    return job.status


@task()
def run_due_bulk_jobs() -> int:
    """Scheduled exchanges whose next run is due (enqueue daily from cron or a worker)."""
    from tongban.sharing.bulk import bulk_job_rerun_system, due_scheduled_jobs

    jobs = due_scheduled_jobs()
    for job in jobs:
        bulk_job_rerun_system(job=job)
        run_bulk_job.enqueue(str(job.public_id))
    return len(jobs)
