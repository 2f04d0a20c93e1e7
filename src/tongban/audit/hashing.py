"""SM3 hash chain of the audit log. Audit sits below core, so it hashes with `cryptography`
directly rather than through tongban.core.crypto.

entry_hash = SM3(previous_hash || canonical JSON of the entry's content). The canonical form must
come out byte-identical whether it is computed from the object about to be saved or from the row
read back by `audit verify`, on SQLite and on PostgreSQL alike; `services.audit_record` therefore
normalises every value (JSON-safe summary, UTC time, canonical IP text) before hashing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

GENESIS_HASH = "0" * 64

# The columns that make up an entry's content, in the order verify reads them.
CONTENT_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "summary",
    "reason",
    "ip_address",
)


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_content(values: Mapping[str, Any]) -> bytes:
    """Every field a reader relies on, in a fixed order and encoding."""
    content = {name: values[name] for name in CONTENT_FIELDS}
    content["occurred_at"] = _utc_iso(values["occurred_at"])
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_digest(previous_hash: str, values: Mapping[str, Any]) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(previous_hash.encode())
    digest.update(canonical_content(values))
    return digest.finalize().hex()


def entry_values(entry: Any) -> dict[str, Any]:
    """The content of an AuditEntry instance as the mapping `chain_digest` hashes."""
    return {name: getattr(entry, name) for name in CONTENT_FIELDS}


def entry_digest(entry: Any) -> str:
    return chain_digest(entry.previous_hash, entry_values(entry))
