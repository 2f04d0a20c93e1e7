"""Side-by-side comparison of two guide versions, element by element."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for index, sub in enumerate(value):
            out.update(_flatten(sub, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def guide_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """Every leaf that differs, in a stable order. Lists of plain values compare as a whole;
    lists of objects (materials, steps, fields) compare position by position."""
    old = _flatten(before or {})
    new = _flatten(after or {})
    changes = []
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path), new.get(path)
        if a != b:
            changes.append(Change(path=path, before=a, after=b))
    return changes
