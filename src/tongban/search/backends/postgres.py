"""PostgreSQL full text over the same jieba-cut tokens: to_tsvector('simple', …) per field with
setweight (name A, aliases B, body C, tags D) and a GIN index. Matching only: search.selectors
ranks the matches the same way for every backend, so both give the same top results."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from tongban.search.backends import IndexRow, MatchQuery

TABLE = "search_tsv"
BATCH = 2000
MATCH = f"SELECT doc_id FROM {TABLE} WHERE vec @@ to_tsquery('simple', %s) LIMIT %s"  # noqa: S608
VECTOR = (
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') || "
    "setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D')"
)


def _term(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "") + "'"


def _alternative(tokens: Sequence[str]) -> str:
    if len(tokens) == 1:
        return _term(tokens[0])
    return "(" + " & ".join(_term(t) for t in tokens) + ")"


def compile_query(query: MatchQuery) -> str:
    groups = [
        "(" + " | ".join(_alternative(alt) for alt in group if alt) + ")"
        for group in query.groups
        if any(group)
    ]
    text = ("(" + (" & " if query.every_group else " | ").join(groups) + ")") if groups else ""
    parts = [text] if text else []
    for tags in query.tag_groups:
        if tags:
            parts.append("(" + " | ".join(_term(t) for t in tags) + ")")
    return " & ".join(parts)


class PostgresBackend:
    name = "postgresql"

    def upsert(self, rows: Sequence[IndexRow]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(
                    f"INSERT INTO {TABLE} (doc_id, vec) VALUES (%s, {VECTOR}) "  # noqa: S608
                    "ON CONFLICT (doc_id) DO UPDATE SET vec = EXCLUDED.vec",
                    [
                        (r.id, r.name, r.aliases, r.body, r.tags)
                        for r in rows[start : start + BATCH]
                    ],
                )

    insert_new = upsert

    def delete(self, ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE doc_id = ANY(%s)", [list(ids)])  # noqa: S608

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")

    def match(self, query: MatchQuery, *, limit: int) -> list[int]:
        expression = compile_query(query)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(MATCH, [expression, limit])
            return [row[0] for row in cursor.fetchall()]
