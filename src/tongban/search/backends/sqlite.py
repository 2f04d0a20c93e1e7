"""SQLite FTS5 over jieba-cut tokens (unicode61 tokenizer: a space-joined token is one term;
never the trigram tokenizer, see RECIPES.md).

Matching only, no bm25(): FTS5's bm25 counts every document of every query term to weigh it
(one pass over each term's whole posting list per query), so its cost grows with the index —
at 1M documents a common word like 身份证 alone cost more than the 20 ms budget. The query is
restricted to the visitor's regions inside the index, so the matches are few hundred at most,
and search.selectors ranks them (the same ranking for every backend)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from tongban.search.backends import IndexRow, MatchQuery

TABLE = "search_fts"
BATCH = 5000
# The table name is a constant and every value a parameter.
INSERT = f"INSERT INTO {TABLE} (rowid, name, aliases, body, tags) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608
DELETE_IDS = f"DELETE FROM {TABLE} WHERE rowid IN "  # noqa: S608
MATCH = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s"  # noqa: S608


def _marks(n: int) -> str:
    return "(" + ",".join(["%s"] * n) + ")"


def _term(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _alternative(tokens: Sequence[str]) -> str:
    if len(tokens) == 1:
        return _term(tokens[0])
    return "(" + " AND ".join(_term(t) for t in tokens) + ")"


def compile_query(query: MatchQuery) -> str:
    groups = [
        "(" + " OR ".join(_alternative(alt) for alt in group if alt) + ")"
        for group in query.groups
        if any(group)
    ]
    text = ("(" + (" AND " if query.every_group else " OR ").join(groups) + ")") if groups else ""
    parts = [text] if text else []
    for tags in query.tag_groups:
        if tags:
            parts.append("(" + " OR ".join(_term(t) for t in tags) + ")")
    return " AND ".join(parts)


class SqliteBackend:
    name = "sqlite-fts5"

    def upsert(self, rows: Sequence[IndexRow]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                ids = [r.id for r in batch]
                cursor.execute(DELETE_IDS + _marks(len(ids)), ids)
                cursor.executemany(
                    INSERT, [(r.id, r.name, r.aliases, r.body, r.tags) for r in batch]
                )

    def insert_new(self, rows: Sequence[IndexRow]) -> None:
        """Append rows known to be absent (a rebuild after `clear`)."""
        with connection.cursor() as cursor:
            cursor.executemany(INSERT, [(r.id, r.name, r.aliases, r.body, r.tags) for r in rows])

    def delete(self, ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(ids), BATCH):
                batch = list(ids[start : start + BATCH])
                cursor.execute(DELETE_IDS + _marks(len(batch)), batch)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")  # noqa: S608

    def match(self, query: MatchQuery, *, limit: int) -> list[int]:
        expression = compile_query(query)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(MATCH, [expression, limit])
            return [row[0] for row in cursor.fetchall()]
