"""Demo data of the licenses app for `demo load`: idempotent (look up by natural key, create what is
missing), created through the app's services so the audit log shows it."""

from __future__ import annotations

from typing import Any


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    return 0
