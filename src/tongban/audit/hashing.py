"""SM3 hash chain of the audit log. Audit sits below core, so it hashes with `cryptography`
directly rather than through tongban.core.crypto."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes

if TYPE_CHECKING:
    from tongban.audit.models import AuditEntry

GENESIS_HASH = "0" * 64


def canonical_content(entry: AuditEntry) -> bytes:
    """Every field a reader relies on, in a fixed order and encoding."""
    content = {
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "reason": entry.reason,
        "ip_address": entry.ip_address,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_digest(entry: AuditEntry) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(entry.previous_hash.encode())
    digest.update(canonical_content(entry))
    return digest.finalize().hex()
