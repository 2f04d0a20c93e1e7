"""The only writer of the audit log. Call `audit_record` inside the transaction of the change."""

from __future__ import annotations

import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tongban.audit.context import current_ip
from tongban.audit.hashing import GENESIS_HASH, entry_digest
from tongban.audit.models import AuditChainHead, AuditEntry


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: dict[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry, chained to the previous one by SM3. Must run inside the caller's
    transaction so the entry exists exactly when the change does. `summary` must not hold
    personal data in clear: pass masked values."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    summary = json.loads(json.dumps(summary or {}, ensure_ascii=False, default=str))
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "last_hash": GENESIS_HASH}
    )
    entry = AuditEntry(
        sequence=head.sequence + 1,
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        reason=reason,
        ip_address=ip_address if ip_address is not None else current_ip(),
        previous_hash=head.last_hash,
    )
    entry.entry_hash = entry_digest(entry)
    entry.save()
    head.sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["sequence", "last_hash"])
    return entry
