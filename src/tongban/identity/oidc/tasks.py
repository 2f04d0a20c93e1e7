"""Background work of the OpenID provider: thin calls into services."""

from django.tasks import task


@task()
def deliver_backchannel_logout(delivery_id: int) -> str:
    """POST one logout token to its client (retried with backoff by the service)."""
    from tongban.identity.oidc.services import backchannel_deliver

    delivery = backchannel_deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"


@task()
def deliver_due_logouts() -> int:
    """Sweep for logout notices whose retry is due (schedule it, e.g. every minute)."""
    from tongban.identity.oidc.services import deliver_due_logouts as run

    return run()
