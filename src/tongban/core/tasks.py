from django.tasks import task


@task()
def heartbeat() -> str:
    """Proves that a task worker is taking work from the queue (see core.health)."""
    return "ok"
