"""The only writer of the audit log. Call `audit_record` inside the transaction of the change."""

from __future__ import annotations

import enum
import ipaddress
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from tongban.audit.context import current_ip
from tongban.audit.hashing import GENESIS_HASH, entry_digest
from tongban.audit.models import AuditChainHead, AuditEntry

_MAX_DEPTH = 12
_REASON_MAX = AuditEntry._meta.get_field("reason").max_length or 500
_LABEL_MAX = AuditEntry._meta.get_field("actor_label").max_length or 150


class AuditOutsideTransaction(RuntimeError):
    """audit_record was called with no transaction open: the entry could outlive a failed change."""


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb; lone surrogates cannot be encoded as UTF-8.
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode()
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode()
    return value


def _json_safe(value: Any, depth: int = 0) -> Any:
    """A JSON value that survives a round trip through SQLite JSON text and PostgreSQL jsonb
    unchanged, so the hash computed now equals the hash recomputed from the stored row."""
    if depth > _MAX_DEPTH:
        return _clean_text(str(value))
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _clean_text(str(value))
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        # jsonb stores numbers as numeric: NaN/Infinity are refused, -0.0 becomes 0.0 and
        # exponent forms (1e+16) come back as integers. Keep only floats that round-trip.
        if not math.isfinite(value) or "e" in repr(value):
            return repr(value)
        return 0.0 if value == 0 else value
    if isinstance(value, Mapping):
        return {_clean_text(str(k)): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(v, depth + 1) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_json_safe(v, depth + 1) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _json_safe(value.value, depth + 1)
    if isinstance(value, models.Model):
        # Never str(instance): a model's __str__ may well be a person's name.
        return f"{value._meta.label}:{value.pk}"
    return _clean_text(str(value))


def normalise_ip(raw: str | None) -> str | None:
    """Canonical text of an IP address (as PostgreSQL's inet prints it), or None if it is not one:
    a malformed REMOTE_ADDR must never make the business transaction fail."""
    if not raw:
        return None
    candidate = str(raw).strip().split("%", 1)[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if address.version == 6:
        return clean_ipv6_address(candidate)
    return str(address)


def _actor_fields(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    user_model = get_user_model()
    if isinstance(actor, user_model):
        if actor.pk is None:
            return None, _clean_text(actor.get_username() or "unsaved-user")[:_LABEL_MAX]
        return actor, _clean_text(actor.get_username() or f"user:{actor.pk}")[:_LABEL_MAX]
    if getattr(actor, "is_anonymous", False):
        return None, "anonymous"
    if isinstance(actor, models.Model):
        return None, f"{actor._meta.label}:{actor.pk}"[:_LABEL_MAX]
    return None, _clean_text(str(actor))[:_LABEL_MAX]


def _required_text(name: str, value: str, max_length: int) -> str:
    value = _clean_text(value)
    if len(value) > max_length:
        raise ValueError(f"audit_record: {name} is longer than {max_length} characters")
    return value


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: Mapping[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry, chained to the previous one by SM3.

    Must run inside the caller's transaction so the entry exists exactly when the change does.
    The chain head row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers) and stays locked until the caller commits, so call this as the
    last write of the service: a lock taken after it can deadlock with a writer waiting for the
    head. `summary` must not hold personal data in clear: pass masked values."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            "audit_record must be called inside the transaction of the change"
        )
    if not action:
        raise ValueError("audit_record: action is required (app.entity.verb)")
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
    actor_obj, actor_label = _actor_fields(actor)
    reason = _clean_text(reason or "")
    if len(reason) > _REASON_MAX:
        reason = reason[: _REASON_MAX - 1] + "…"
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor=actor_obj,
        actor_label=actor_label,
        action=_required_text("action", action, 100),
        object_type=_required_text("object_type", object_type, 100),
        object_id=_required_text("object_id", str(object_id), 100),
        summary=_json_safe(dict(summary or {})),
        reason=reason,
        ip_address=normalise_ip(ip_address if ip_address is not None else current_ip()),
    )
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"sequence": 0, "last_hash": GENESIS_HASH}
    )
    entry.sequence = head.sequence + 1
    entry.previous_hash = head.last_hash
    entry.entry_hash = entry_digest(entry)
    entry.save(force_insert=True)
    head.sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["sequence", "last_hash"])
    return entry
