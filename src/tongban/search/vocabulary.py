"""Keeps the process's analyzer in step with the database: the synonym table, the domain words and
the dictionary of indexed terms. Each search compares a stamp (one small query); when a catalog
admin edits a synonym or the index is rebuilt, every process picks the change up on its next
search."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from tongban.search.analysis import Analyzer, Vocabulary, analyzer
from tongban.search.models import SearchDocument, SearchTerm, Synonym

REFRESH_SECONDS = 1.0
_lock = threading.Lock()
_stamp: Any = None
_checked = 0.0


def _current_stamp() -> Any:
    terms = SearchTerm.objects.aggregate(last=Max("id"))
    synonyms = Synonym.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (terms["last"], synonyms["n"], synonyms["last"])


def synonym_table() -> dict[str, list[str]]:
    return {
        term: list(expansions)
        for term, expansions in Synonym.objects.filter(is_active=True).values_list(
            "term", "expansions"
        )
    }


def load(target: Analyzer) -> None:
    words = SearchTerm.objects.filter(kind=SearchTerm.Kind.WORD).values_list("term", flat=True)
    target.add_words(words)
    target.set_synonyms(synonym_table())
    rows = list(SearchTerm.objects.values_list("term", "weight", "kind", "documents"))
    vocabulary = Vocabulary.build(
        ((t, w + 1) for t, w, _k, _d in rows),
        indexed=(t for t, _w, k, _d in rows if k != SearchTerm.Kind.PHRASE),
    )
    vocabulary.documents = {t: d for t, _w, _k, d in rows}
    vocabulary.total = SearchDocument.objects.count()
    target.set_vocabulary(vocabulary)


def fresh_analyzer() -> Analyzer:
    """The analyzer, reloaded first if the synonyms or indexed terms changed. The database is
    asked at most once every TONGBAN_SEARCH_REFRESH_SECONDS (a change made in this process is
    seen at once: the services call mark_stale)."""
    global _stamp, _checked
    current = analyzer()
    now = time.monotonic()
    interval = getattr(settings, "TONGBAN_SEARCH_REFRESH_SECONDS", REFRESH_SECONDS)
    if _stamp is not None and now - _checked < interval:
        return current
    stamp = _current_stamp()
    _checked = now
    if stamp != _stamp:
        with _lock:
            load(current)
            _stamp = stamp
    return current


def mark_stale() -> None:
    global _stamp
    _stamp = None
