from django.tasks import task


@task()
def heartbeat() -> str:
    """Proves that a task worker is taking work from the queue (see core.health)."""
    return "ok"


@task()
def calendar_coverage() -> list[int]:
    """Daily look-ahead: raises an operator alert for any year in the next 90 days that has no
    holiday arrangement. Schedule it (cron: `./dev.sh manage workdays check`) or enqueue it."""
    from tongban.core.services.alerts import calendar_coverage_check

    return calendar_coverage_check().missing_years
