"""Full-text backends behind one interface. Both index the same pre-cut tokens (the analyzer
cuts; a backend only stores and matches) and answer the same boolean query with the ids of the
matching documents; search.selectors ranks them, so both backends give the same results.

The backend follows the database (`connection.vendor`); TONGBAN_SEARCH_BACKEND may name one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class IndexRow:
    """One document as the backend stores it: space-joined tokens per field."""

    id: int
    name: str
    aliases: str
    body: str
    tags: str


Alternative = tuple[str, ...]


@dataclass(frozen=True)
class MatchQuery:
    """groups: what the user asked for, each one any of its alternatives (an alternative is
    tokens that must all match); `every_group` AND-s the groups, else OR-s them (more matched
    groups still rank higher). tag_groups: a document must hold a tag of each (the region
    scope, the types asked for, each filter)."""

    groups: tuple[tuple[Alternative, ...], ...]
    tag_groups: tuple[tuple[str, ...], ...] = ()
    every_group: bool = True


class Backend(Protocol):
    name: str

    def upsert(self, rows: Sequence[IndexRow]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def clear(self) -> None: ...

    def match(self, query: MatchQuery, *, limit: int) -> list[int]:
        """Ids of up to `limit` documents matching `query` (in no particular order)."""
        ...

    def optimize(self) -> None: ...


def get_backend() -> Backend:
    name = getattr(settings, "TONGBAN_SEARCH_BACKEND", "") or connection.vendor
    if name in ("sqlite", "fts5"):
        from tongban.search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    if name in ("postgresql", "postgres"):
        from tongban.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    raise ValueError(f"no search backend for {name!r}")
