"""Background work of the licenses app: thin calls into services."""

from __future__ import annotations

from django.tasks import task


@task()
def license_import_task(job_id: int) -> int:
    """Run a queued bulk import; returns how many licenses it created."""
    from tongban.licenses.services import license_import_run

    return license_import_run(job_id=job_id).created_count


@task()
def licenses_expire_task() -> int:
    """Daily: mark licenses past their end date as expired."""
    from tongban.licenses.services import licenses_expire

    return licenses_expire()


@task()
def revocation_list_publish_task() -> int:
    """Publish a fresh signed revocation list (after a revocation)."""
    from tongban.licenses.services import revocation_list_publish

    return revocation_list_publish().sequence
