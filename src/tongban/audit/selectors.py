"""Reads of the audit log, for auditors only.

Every selector takes the actor and returns an empty result, not an error, when the actor may not
read the log (tongban.audit.access decides): audit sits below core and cannot raise core's
PermissionDenied. Interfaces that want to answer 403 instead ask `actor_may_read_audit` first.

Lists are keyset-paginated on `sequence` (pass the smallest sequence of the previous page as
`before_sequence`), which stays as fast on the millionth entry as on the first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from tongban.audit.access import actor_may_read_audit
from tongban.audit.models import AuditChainHead, AuditEntry


def audit_entries_for_object(
    *, actor: Any, object_type: str, object_id: str
) -> QuerySet[AuditEntry]:
    """The history of one object (`object_type` is the model label, e.g. "identity.User"),
    oldest first."""
    if not actor_may_read_audit(actor):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "sequence"
    )


def audit_entry_list(
    *,
    actor: Any,
    action: str | None = None,
    action_prefix: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: Any = None,
    actor_label: str | None = None,
    ip_address: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_sequence: int | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every filter given, newest first. `action_prefix="cases."` selects one
    app, `"cases.case."` one entity; `until` is exclusive."""
    if not actor_may_read_audit(actor):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.all()
    if action:
        entries = entries.filter(action=action)
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if actor_label:
        entries = entries.filter(actor_label=actor_label)
    if ip_address:
        entries = entries.filter(ip_address=ip_address)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    if before_sequence is not None:
        entries = entries.filter(sequence__lt=before_sequence)
    return entries.order_by("-sequence")


def audit_entry_get(*, actor: Any, sequence: int) -> AuditEntry | None:
    if not actor_may_read_audit(actor):
        return None
    return AuditEntry.objects.filter(sequence=sequence).first()


def audit_chain_head() -> tuple[int, str] | None:
    """Where the chain ends (sequence, SM3 hash): not personal data, safe to publish to
    operators so they can anchor it outside the database."""
    head = AuditChainHead.objects.filter(id=1).values_list("sequence", "last_hash").first()
    return (head[0], head[1]) if head else None
