"""Who may read the audit log.

The rule ("an active auditor or platform_admin membership") is about staff roles, which live in
core, one level above audit. Rather than reach up to core's tables by name, audit declares the
question here and core answers it at start-up (CoreConfig.ready() registers its check), the way
DESIGN.md §2 has lower levels define hooks that higher ones fill. Until a check is registered
nobody may read: a wiring mistake fails closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ReaderCheck = Callable[[Any], bool]

_reader_check: ReaderCheck | None = None


def register_audit_reader_check(check: ReaderCheck | None) -> None:
    """Install the predicate `check(actor) -> bool`; None removes it (tests)."""
    global _reader_check
    _reader_check = check


def audit_reader_check() -> ReaderCheck | None:
    return _reader_check


def actor_may_read_audit(actor: Any) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not getattr(actor, "is_active", False):
        return False
    check = _reader_check
    return bool(check is not None and check(actor))
