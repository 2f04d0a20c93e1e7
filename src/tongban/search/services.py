"""Every write of the search app: the index (rebuild, refresh of some documents), the synonym
table, and the query statistics.

The index is derived data: `index_rebuild` recreates it from the registered providers; the
catalog's publish and withdraw signals refresh the documents of one item (see apps.py)."""

from __future__ import annotations

import logging
import math
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from tongban.search import registry
from tongban.search.analysis import (
    Analyzer,
    analyzer,
    normalize,
    pinyin_full,
    pinyin_initials,
)
from tongban.search.backends import IndexRow, get_backend
from tongban.search.models import QueryStat, SearchDocument, SearchTerm, Synonym
from tongban.search.permissions import check_search_admin
from tongban.search.vocabulary import fresh_analyzer, mark_stale

logger = logging.getLogger(__name__)

BATCH = 2000
ALL_REGIONS = "rall"
MAX_NAME = 300
MAX_SNIPPET = 400
MAX_ALIASES = 1000
MAX_TERM = 200
# A name longer than this is a sentence, not something people type: no suggestion.
SUGGEST_NAME_MAX = 30


# --- Documents → rows ----------------------------------------------------------------------------


def region_tag(code: str) -> str:
    return f"r{code}" if code else ALL_REGIONS


def facet_tag(kind: str, code: str) -> str:
    prefix = {"object": "ob", "theme_p": "tp", "theme_c": "tc", "depth": "dp", "channel": "ch"}
    return prefix[kind] + "".join(c for c in code.lower() if c.isalnum())


def type_tag(doc_type: str) -> str:
    return f"ty{doc_type}"


def level_tag(level: str) -> str:
    return f"lv{level}"


def department_tag(public_id: str) -> str:
    try:
        return f"dep{uuid.UUID(str(public_id)).hex}"
    except ValueError:
        return ""


def document_tags(doc: Mapping[str, Any]) -> list[str]:
    tags = [region_tag(doc.get("region") or ""), type_tag(doc["doc_type"])]
    if doc.get("level"):
        tags.append(level_tag(doc["level"]))
    if doc.get("department_id"):
        tags.append(department_tag(doc["department_id"]))
    for kind, codes in (doc.get("facets") or {}).items():
        if kind in registry.FACET_KINDS:
            tags += [facet_tag(kind, c) for c in codes if c]
    return [t for t in dict.fromkeys(tags) if t]


def _model(doc: Mapping[str, Any]) -> SearchDocument:
    return SearchDocument(**_values(doc))


def _values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A provider's document as SearchDocument column values, cut to the columns' lengths."""
    return {
        "doc_type": doc["doc_type"],
        "key": str(doc["key"])[:64],
        "group_key": str(doc.get("group_key") or f"{doc['doc_type']}:{doc['key']}")[:64],
        "code": str(doc.get("code") or "")[:64],
        "name": str(doc["name"])[:MAX_NAME],
        "aliases": "\n".join(normalize(str(a)) for a in doc.get("aliases") or ())[:MAX_ALIASES],
        "url": str(doc["url"])[:300],
        "snippet": str(doc.get("snippet") or "")[:MAX_SNIPPET],
        "region_code": str(doc.get("region") or "")[:12],
        "region_name": str(doc.get("region_name") or "")[:100],
        "level": str(doc.get("level") or "")[:2],
        "department": str(doc.get("department") or "")[:200],
        "popularity": max(0, int(doc.get("popularity") or 0)),
        "online": bool(doc.get("online")),
        "group_size": None if doc.get("group_size") is None else max(0, int(doc["group_size"])),
        "extra": dict(doc.get("extra") or {}),
    }


def _row(doc_id: int, doc: Mapping[str, Any], cut: Analyzer) -> IndexRow:
    return IndexRow(
        id=doc_id,
        name=cut.index_text(str(doc["name"])),
        aliases=cut.index_text(" ".join(doc.get("aliases") or [])),
        body=cut.index_text(str(doc.get("body") or "")),
        tags=" ".join(document_tags(doc)),
    )


@dataclass
class TermCounter:
    """Names and words of the indexed documents with their weight (popularity) and count.
    Documents are tallied by (name, aliases) and cut once per distinct pair at the end: a
    rebuild meets the same few thousand names a million times."""

    pending: Counter[tuple[str, ...]] = field(default_factory=Counter)
    pending_count: Counter[tuple[str, ...]] = field(default_factory=Counter)
    domain: set[str] = field(default_factory=set)

    def add(self, doc: Mapping[str, Any], cut: Analyzer | None = None) -> None:
        weight = 1 + int(math.log1p(max(0, int(doc.get("popularity") or 0))) * 10)
        key = (str(doc["name"]), *(str(a) for a in doc.get("aliases") or ()))
        self.pending[key] += weight
        self.pending_count[key] += 1
        for word in doc.get("dictionary") or ():
            self.domain.add(normalize(word))

    def merge(self, other: TermCounter) -> None:
        self.pending.update(other.pending)
        self.pending_count.update(other.pending_count)
        self.domain |= other.domain

    def totals(self, cut: Analyzer) -> tuple[Counter[str], Counter[str], Counter[str]]:
        """(names, words, counts): weight of each name and word, and how many documents."""
        names: Counter[str] = Counter()
        words: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        for key, weight in self.pending.items():
            n = self.pending_count[key]
            for text in {normalize(t) for t in key}:
                if 2 <= len(text) <= SUGGEST_NAME_MAX:
                    names[text] += weight
                    counts[text] += n
                # The index's own words (with the words inside longer ones: 驾驶证 of
                # 机动车驾驶证), so pinyin and typos resolve to what documents hold.
                for word in set(cut.index_tokens(text)):
                    if len(word) >= 2:
                        words[word] += weight
                        counts[word] += n
        return names, words, counts


def _term_rows(counter: TermCounter, phrases: Iterable[str]) -> list[SearchTerm]:
    rows: dict[str, SearchTerm] = {}
    names, words, counts = counter.totals(analyzer())

    def put(term: str, kind: str, weight: int, documents: int) -> None:
        term = term[:MAX_TERM]
        if len(term) < 2 or term in rows:
            return
        rows[term] = SearchTerm(
            term=term,
            kind=kind,
            pinyin=pinyin_full(term)[:400],
            initials=pinyin_initials(term)[:200],
            weight=weight,
            documents=documents,
        )

    # A name that is also one word stays a name: names are what suggestions offer.
    for name, weight in names.most_common():
        put(name, SearchTerm.Kind.NAME, weight, counts[name])
    for word in counter.domain:
        put(word, SearchTerm.Kind.WORD, words.get(word, 0) + 1, counts[word])
    for word, weight in words.most_common():
        put(word, SearchTerm.Kind.WORD, weight, counts[word])
    for phrase in phrases:
        put(normalize(phrase), SearchTerm.Kind.PHRASE, 1, 0)
    return list(rows.values())


def _merge_terms(rows: Sequence[SearchTerm]) -> None:
    """Add terms not yet in the dictionary (an incremental refresh keeps existing weights)."""
    existing = set(
        SearchTerm.objects.filter(term__in=[r.term for r in rows]).values_list("term", flat=True)
    )
    SearchTerm.objects.bulk_create([r for r in rows if r.term not in existing], batch_size=BATCH)


# --- Rebuild and refresh ------------------------------------------------------------------------


@dataclass
class RebuildReport:
    documents: dict[str, int] = field(default_factory=dict)
    terms: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.documents.values())


Progress = Callable[[str, int], None]


def _batches(docs: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    batch: list[Mapping[str, Any]] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _phrases() -> list[str]:
    out = []
    for term, expansions in Synonym.objects.filter(is_active=True).values_list(
        "term", "expansions"
    ):
        out.append(term)
        out += list(expansions)
    return out


DOCUMENT_COLUMNS = (
    "id",
    "doc_type",
    "key",
    "group_key",
    "code",
    "name",
    "aliases",
    "url",
    "snippet",
    "region_code",
    "region_name",
    "level",
    "department",
    "popularity",
    "online",
    "group_size",
    "extra",
    "indexed_at",
)


def _insert_documents(rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERTs with the ids chosen here: the ORM's bulk_create spent most of a rebuild
    compiling SQL, and the ids are needed before the full-text rows can be written."""
    table = SearchDocument._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in DOCUMENT_COLUMNS)
    marks = ", ".join(["%s"] * len(DOCUMENT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _reset_document_ids() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [SearchDocument])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def index_documents(
    docs: Iterable[Mapping[str, Any]], *, progress: Progress | None = None, batch: int = BATCH
) -> tuple[Counter[str], TermCounter]:
    """Append documents to the index (a rebuild after `index_clear`, or a bench), in batches:
    rows of SearchDocument, then the backend's rows under the same ids."""
    cut = analyzer()
    backend = get_backend()
    counts: Counter[str] = Counter()
    terms = TermCounter()
    extra_field = SearchDocument._meta.get_field("extra")
    when_field = SearchDocument._meta.get_field("indexed_at")
    now = when_field.get_db_prep_value(timezone.now(), connection)
    next_id = (SearchDocument.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    for chunk in _batches(docs, batch):
        words = [w for doc in chunk for w in doc.get("dictionary") or ()]
        if words:
            cut.add_words(words)
        rows, index_rows = [], []
        for offset, doc in enumerate(chunk):
            doc_id = next_id + offset
            values = _values(doc)
            values["extra"] = extra_field.get_db_prep_value(values["extra"], connection)
            rows.append((doc_id, *(values[c] for c in DOCUMENT_COLUMNS[1:-1]), now))
            index_rows.append(_row(doc_id, doc, cut))
            counts[doc["doc_type"]] += 1
            terms.add(doc, cut)
        next_id += len(chunk)
        with transaction.atomic():
            _insert_documents(rows)
            backend.insert_new(index_rows)
        if progress:
            progress(chunk[0]["doc_type"], len(chunk))
    _reset_document_ids()
    return counts, terms


def index_clear() -> None:
    with transaction.atomic():
        get_backend().clear()
        SearchDocument.objects.all().delete()
        SearchTerm.objects.all().delete()
    mark_stale()


def index_terms_replace(terms: TermCounter) -> int:
    rows = _term_rows(terms, _phrases())
    with transaction.atomic():
        SearchTerm.objects.all().delete()
        SearchTerm.objects.bulk_create(rows, batch_size=BATCH)
    mark_stale()
    return len(rows)


def index_rebuild(
    *, actor: Any = None, progress: Progress | None = None, doc_types: Sequence[str] = ()
) -> RebuildReport:
    """Recreate the whole index from every registered provider (or only `doc_types`' documents
    are re-read: the others are dropped too, so pass none for a full rebuild)."""
    started = timezone.now()
    # Domain words and synonyms first: documents are cut with the dictionary queries use.
    cut = analyzer()
    cut.add_words(
        SearchTerm.objects.filter(kind=SearchTerm.Kind.WORD).values_list("term", flat=True)
    )
    cut.add_words(_phrases())
    index_clear()
    report = RebuildReport()
    totals = TermCounter()
    for doc_type, provider in registry.providers().items():
        if doc_types and doc_type not in doc_types:
            continue
        counts, terms = index_documents(provider.documents(), progress=progress)
        report.documents[doc_type] = counts[doc_type]
        totals.merge(terms)
    report.terms = index_terms_replace(totals)
    get_backend().optimize()
    report.seconds = (timezone.now() - started).total_seconds()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="search.index.rebuild",
            object_type="search.index",
            object_id="all",
            summary={"documents": report.documents, "terms": report.terms},
        )
    logger.info("search.index.rebuilt", extra={"documents": report.total})
    return report


@transaction.atomic
def index_refresh(*, doc_type: str, keys: Sequence[str], follow_groups: bool = True) -> int:
    """Re-read the documents of `keys` from their provider: changed ones are rewritten, new ones
    added, the ones the provider no longer yields (withdrawn) removed. The documents their
    groups belong to (a matter for its implementations) are refreshed too."""
    provider = registry.provider(doc_type)
    if provider is None or not keys:
        return 0
    cut = fresh_analyzer()
    backend = get_backend()
    docs = {str(d["key"]): d for d in provider.documents(keys)}
    words = [w for d in docs.values() for w in d.get("dictionary") or ()]
    cut.add_words(words)
    existing = {
        d.key: d for d in SearchDocument.objects.filter(doc_type=doc_type, key__in=list(keys))
    }
    gone = [existing[k].pk for k in existing if k not in docs]
    groups = {d.group_key for d in existing.values()}
    rows = []
    terms = TermCounter()
    for key, doc in docs.items():
        model = _model(doc)
        if key in existing:
            model.pk = existing[key].pk
        model.save()
        rows.append(_row(model.pk, doc, cut))
        terms.add(doc, cut)
        groups.add(model.group_key)
    if gone:
        backend.delete(gone)
        SearchDocument.objects.filter(pk__in=gone).delete()
    backend.upsert(rows)
    _merge_terms(_term_rows(terms, []))
    mark_stale()
    changed = len(rows) + len(gone)
    if follow_groups:
        by_type: dict[str, list[str]] = {}
        for group in groups:
            group_type, _sep, group_key = group.partition(":")
            if group_type != doc_type and registry.provider(group_type) is not None:
                by_type.setdefault(group_type, []).append(group_key)
        for group_type, group_keys in by_type.items():
            changed += index_refresh(doc_type=group_type, keys=group_keys, follow_groups=False)
    return changed


def index_refresh_on_commit(*, doc_type: str, keys: Sequence[str]) -> None:
    """Refresh after the caller's transaction commits (the catalog's publish signal)."""
    keys = list(keys)
    transaction.on_commit(lambda: index_refresh(doc_type=doc_type, keys=keys))


# --- Synonyms ------------------------------------------------------------------------------------

TERM_MAX = 50
EXPANSION_MAX = 50
EXPANSIONS_MAX = 10


def _clean_synonym(term: str, expansions: Sequence[str]) -> tuple[str, list[str]]:
    term = normalize(term).replace(" ", "")
    values = []
    for value in expansions:
        value = normalize(value)
        if value and value != term and value not in values:
            values.append(value)
    problems = []
    if not term:
        problems.append(FieldProblem("term", _("请填写用户常用的说法，例如“驾照”。")))
    elif len(term) > TERM_MAX:
        problems.append(FieldProblem("term", _("用户输入不能超过50个字。")))
    if not values:
        problems.append(
            FieldProblem(
                "expansions", _("请至少填写一个对应的规范词，例如“机动车驾驶证”，多个用逗号分隔。")
            )
        )
    elif len(values) > EXPANSIONS_MAX or any(len(v) > EXPANSION_MAX for v in values):
        problems.append(FieldProblem("expansions", _("规范词最多10个，每个不超过50个字。")))
    if problems:
        raise ValidationFailed(
            _("同义词有%(n)s处需要修改。") % {"n": len(problems)}, fields=problems
        )
    return term, values


def _synonym_terms(term: str, expansions: Sequence[str]) -> None:
    _merge_terms(_term_rows(TermCounter(), [term, *expansions]))


@transaction.atomic
def synonym_create(
    *,
    actor: Any,
    term: str,
    expansions: Sequence[str],
    kind: str = Synonym.Kind.SYNONYM,
    note: str = "",
) -> Synonym:
    check_search_admin(actor)
    term, values = _clean_synonym(term, expansions)
    if kind not in Synonym.Kind.values:
        raise ValidationFailed(_("请选择类别。"), fields=[FieldProblem("kind", _("请选择类别。"))])
    if Synonym.objects.filter(term=term).exists():
        raise Conflict(
            _("“%(term)s”已在同义词表中，请直接修改原有条目。") % {"term": term}, code="duplicate"
        )
    try:
        with transaction.atomic():
            synonym = Synonym.objects.create(
                term=term, expansions=values, kind=kind, note=note.strip()[:200]
            )
    except IntegrityError as exc:  # a concurrent create of the same term
        raise Conflict(_("“%(term)s”已在同义词表中。") % {"term": term}, code="duplicate") from exc
    _synonym_terms(term, values)
    audit_record(
        actor=actor,
        action="search.synonym.create",
        obj=synonym,
        summary={"term": term, "expansions": values, "kind": kind},
    )
    mark_stale()
    return synonym


def _synonym_for_update(public_id: Any) -> Synonym:
    try:
        return Synonym.objects.select_for_update().get(public_id=public_id)
    except (Synonym.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


@transaction.atomic
def synonym_update(
    *,
    actor: Any,
    public_id: Any,
    expansions: Sequence[str],
    kind: str | None = None,
    note: str | None = None,
    is_active: bool | None = None,
) -> Synonym:
    check_search_admin(actor)
    synonym = _synonym_for_update(public_id)
    _term, values = _clean_synonym(synonym.term, expansions)
    before = {"expansions": synonym.expansions, "is_active": synonym.is_active}
    synonym.expansions = values
    if kind is not None:
        if kind not in Synonym.Kind.values:
            raise ValidationFailed(
                _("请选择类别。"), fields=[FieldProblem("kind", _("请选择类别。"))]
            )
        synonym.kind = kind
    if note is not None:
        synonym.note = note.strip()[:200]
    if is_active is not None:
        synonym.is_active = is_active
    synonym.save()
    _synonym_terms(synonym.term, values)
    audit_record(
        actor=actor,
        action="search.synonym.update",
        obj=synonym,
        summary={
            "term": synonym.term,
            "before": before,
            "after": {"expansions": values, "is_active": synonym.is_active},
        },
    )
    mark_stale()
    return synonym


@transaction.atomic
def synonym_delete(*, actor: Any, public_id: Any) -> None:
    check_search_admin(actor)
    synonym = _synonym_for_update(public_id)
    object_id, summary = (
        str(synonym.public_id),
        {"term": synonym.term, "expansions": synonym.expansions},
    )
    synonym.delete()
    audit_record(
        actor=actor,
        action="search.synonym.delete",
        object_type="search.Synonym",
        object_id=object_id,
        summary=summary,
    )
    mark_stale()


@transaction.atomic
def synonyms_seed(*, actor: Any, pairs: Sequence[tuple[str, Sequence[str], str]]) -> int:
    """Create the (term, expansions, kind) entries that are missing; one audit entry."""
    have = set(Synonym.objects.values_list("term", flat=True))
    created = []
    for term, expansions, kind in pairs:
        term, values = _clean_synonym(term, expansions)
        if term in have:
            continue
        have.add(term)
        created.append(Synonym(term=term, expansions=values, kind=kind))
    Synonym.objects.bulk_create(created)
    for synonym in created:
        _synonym_terms(synonym.term, synonym.expansions)
    if created:
        audit_record(
            actor=actor,
            action="search.synonym.seed",
            object_type="search.Synonym",
            object_id="seed",
            summary={"created": len(created)},
        )
        mark_stale()
    return len(created)


# --- Query statistics ---------------------------------------------------------------------------
# Counters, not audit entries: a search is a read; what is kept is the query text and counts,
# never who asked (the text is cut to 100 characters and holds no identifier we add).


def _stat(query: str, day: date) -> QueryStat:
    stat, _created = QueryStat.objects.get_or_create(day=day, query=query[:100])
    return stat


def query_record(*, query: str, total: int, day: date | None = None) -> None:
    """Count one search of `query` (normalised) and whether it found nothing."""
    query = normalize(query)[:100]
    if not query:
        return
    day = day or timezone.localdate()
    with transaction.atomic():
        stat = _stat(query, day)
        QueryStat.objects.filter(pk=stat.pk).update(
            searches=F("searches") + 1,
            zero_results=F("zero_results") + (1 if total == 0 else 0),
            last_total=total,
        )


def click_record(*, query: str, day: date | None = None) -> None:
    query = normalize(query)[:100]
    if not query:
        return
    day = day or timezone.localdate()
    with transaction.atomic():
        stat = _stat(query, day)
        QueryStat.objects.filter(pk=stat.pk).update(clicks=F("clicks") + 1)
