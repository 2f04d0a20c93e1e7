"""Every read of the search app: the search itself, suggestions, the members of a collapsed group,
the synonym table and the zero-result / low-click report.

A search runs in three steps:
1. the analyzer turns the query into groups of alternatives (words, synonyms, typo and pinyin
   corrections, see analysis.py);
2. the backend returns the documents matching every group (or, when that finds too little, any
   group), restricted to what the visitor's region can use (its own and its ancestors'
   implementations, and documents valid everywhere) and to the filters — all as index terms,
   so the index does the filtering and the matches stay few hundred at any index size;
3. here they are ranked, the same for every backend: where each group matched (name above
   aliases above guide text, rare words above common ones), popularity (case volume),
   closeness of the region and online depth; the documents of one group (a matter's county
   implementations and the matter itself) collapse into one result: the visitor's nearest
   implementation, the others one click away."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from tongban.catalog.selectors import ancestor_codes
from tongban.search import registry
from tongban.search.analysis import QueryPlan, Vocabulary, highlight, is_pinyin_query, normalize
from tongban.search.backends import MatchQuery, get_backend
from tongban.search.models import QueryStat, SearchDocument, SearchTerm, Synonym
from tongban.search.services import (
    ALL_REGIONS,
    department_tag,
    facet_tag,
    level_tag,
    region_tag,
    type_tag,
)
from tongban.search.vocabulary import fresh_analyzer

CANDIDATES = 1000
PAGE_SIZE = 10
MAX_PAGE = 50
# Fewer collapsed results than this from "every word" also tries "any word".
RELAX_BELOW = 3
GROUP_MEMBERS_MAX = 500
SUGGEST_MAX = 10
# Ranking factors (multiplied with the text relevance).
POPULARITY_FACTOR = 0.08  # per natural-log unit of case volume
NEAR_STEP = 0.08  # per level closer to the visitor (province → city → county → township)
NOT_LOCAL = 0.8  # a matter with no implementation in the visitor's region
ONLINE_BONUS = 1.08  # fully online (全程网办)
FIELD_ALIASES = 0.6  # a word found in the aliases, relative to one found in the name
FIELD_BODY = 0.1  # … found only in the guide's text
TEXT_BASE = 0.05  # keeps popularity and closeness telling body-only matches apart
EXACT_NAME = 2.0  # the name is the query
NAME_CONTAINS = 1.3  # the query appears whole in the name
ALL_MATCH = 1.5  # matched every group (when the relaxed query is merged in)


@dataclass(frozen=True)
class SearchFilters:
    level: str = ""
    department: str = ""  # department public id
    theme_p: str = ""
    theme_c: str = ""
    object: str = ""
    depth: str = ""
    online: bool = False

    def tags(self) -> list[str]:
        tags = []
        if self.level:
            tags.append(level_tag(self.level))
        if self.department:
            tag = department_tag(self.department)
            tags.append(tag or "depnone")
        for kind, code in (
            ("theme_p", self.theme_p),
            ("theme_c", self.theme_c),
            ("object", self.object),
            ("depth", self.depth),
        ):
            if code:
                tags.append(facet_tag(kind, code))
        if self.online:
            tags.append(facet_tag("channel", "online"))
        return tags

    @property
    def active(self) -> bool:
        return bool(self.tags())


@dataclass
class Hit:
    doc: SearchDocument
    score: float
    section: str
    name_parts: list[tuple[str, bool]]
    snippet_parts: list[tuple[str, bool]]
    others: int = 0  # other implementations of the same matter
    local: bool = False  # implemented for the visitor's region

    @property
    def doc_type(self) -> str:
        return self.doc.doc_type

    def snippet_html(self) -> str:
        return parts_html(self.snippet_parts)


@dataclass
class SectionHits:
    key: str
    label: str
    hits: list[Hit]


@dataclass
class SearchPage:
    query: str
    plan: QueryPlan
    region: str
    total: int = 0
    page: int = 1
    page_size: int = PAGE_SIZE
    hits: list[Hit] = field(default_factory=list)
    suggestion: str = ""  # "did you mean" (results are for the query as typed)
    relaxed: bool = False  # not every word matched

    @property
    def corrected(self) -> str:
        return self.plan.corrected

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    def sections(self) -> list[SectionHits]:
        out = []
        for section in registry.sections():
            hits = [h for h in self.hits if h.section == section.key]
            if hits:
                out.append(SectionHits(section.key, section.label, hits))
        return out


def parts_html(parts: Sequence[tuple[str, bool]]) -> str:
    from django.utils.html import escape

    return "".join(f"<mark>{escape(t)}</mark>" if m else str(escape(t)) for t, m in parts)


def _region_scope(region: str) -> list[str]:
    return ancestor_codes(region) if region else []


def _type_tags(types: Sequence[str]) -> list[str]:
    wanted = set(types)
    out = []
    for section in registry.sections():
        if section.key in wanted or wanted & set(section.doc_types):
            out += [type_tag(t) for t in section.doc_types]
    return out or (["tynone"] if wanted else [])


@dataclass
class Candidate:
    """What ranking and collapsing need of a document (the full row is read for a page only)."""

    id: int
    doc_type: str
    group_key: str
    name: str
    aliases: str
    region_code: str
    popularity: int
    online: bool
    group_size: int | None
    score: float = 0.0


CANDIDATE_FIELDS = (
    "id",
    "doc_type",
    "group_key",
    "name",
    "aliases",
    "region_code",
    "popularity",
    "online",
    "group_size",
)


def _nearness(region_code: str, scope: list[str]) -> int:
    """0 for a document valid everywhere, 1 for the province … len(scope) for the visitor's own
    division."""
    if not region_code or region_code not in scope:
        return 0
    return scope.index(region_code) + 1


def _group_weights(plan: QueryPlan, vocabulary: Vocabulary) -> list[float]:
    """How much each thing asked for counts: rare words more than common ones (an idf from the
    dictionary's document counts; a word no name holds counts as rare)."""
    total = max(vocabulary.total, 1)
    weights = []
    for group in plan.groups:
        df = min(
            (vocabulary.documents.get(tok, 0) for alt in group.alternatives for tok in alt),
            default=0,
        )
        weights.append(math.log(1 + total / (1 + df)))
    return weights


def _text_score(c: Candidate, plan: QueryPlan, weights: list[float]) -> float:
    """Where the document holds what was asked for: each group found in the name counts
    fully, in the aliases (other names, the licence issued) FIELD_ALIASES, elsewhere (the
    guide's text, which matched in the index) FIELD_BODY."""
    name = c.name.lower()
    got = 0.0
    for group, weight in zip(plan.groups, weights, strict=True):
        alts = group.alternatives
        if any(all(tok in name for tok in alt) for alt in alts):
            got += weight
        elif c.aliases and any(all(tok in c.aliases for tok in alt) for alt in alts):
            got += weight * FIELD_ALIASES
        else:
            got += weight * FIELD_BODY
    return got / (sum(weights) or 1.0)


def _score(c: Candidate, text: float, scope: list[str], plan: QueryPlan) -> float:
    score = TEXT_BASE + text
    score *= 1 + POPULARITY_FACTOR * math.log1p(c.popularity)
    score *= 1 + NEAR_STEP * _nearness(c.region_code, scope)
    if c.online:
        score *= ONLINE_BONUS
    name = c.name.lower()
    query = plan.effective.replace(" ", "")
    if query and name == query:
        score *= EXACT_NAME
    elif len(query) >= 2 and query in name:
        score *= NAME_CONTAINS
    return score


@dataclass
class _Group:
    best: Candidate
    score: float
    others: int
    local: bool


def _collapse(scored: list[Candidate], scope: list[str]) -> list[_Group]:
    groups: dict[str, list[Candidate]] = {}
    for c in scored:
        groups.setdefault(c.group_key, []).append(c)
    out = []
    for members in groups.values():
        score = max(c.score for c in members)
        implementations = [c for c in members if c.region_code]
        heads = [c for c in members if not c.region_code]
        if implementations:
            # The visitor's nearest implementation stands for the matter.
            best = max(implementations, key=lambda c: (_nearness(c.region_code, scope), c.score))
            local = bool(scope)
        else:
            best = max(members, key=lambda c: c.score)
            local = False
            if scope and any(h.group_size is not None for h in heads):
                score *= NOT_LOCAL
        count = next((h.group_size for h in heads if h.group_size is not None), None)
        if count is None:
            count = len(implementations)
        others = max(0, count - (1 if implementations else 0))
        out.append(_Group(best=best, score=score, others=others, local=local))
    out.sort(key=lambda g: (-g.score, g.best.name, g.best.id))
    return out


def _candidates(query: MatchQuery) -> list[Candidate]:
    found = get_backend().match(query, limit=CANDIDATES)
    rows = SearchDocument.objects.filter(pk__in=found).values_list(*CANDIDATE_FIELDS)
    return [Candidate(*row) for row in rows]


def _hits(groups: list[_Group], plan: QueryPlan) -> list[Hit]:
    docs = SearchDocument.objects.in_bulk([g.best.id for g in groups])
    terms = plan.highlight_terms()
    hits = []
    for g in groups:
        doc = docs.get(g.best.id)
        if doc is None:
            continue
        hits.append(
            Hit(
                doc=doc,
                score=g.score,
                section=registry.section_of(doc.doc_type),
                name_parts=highlight(doc.name, terms),
                snippet_parts=highlight(doc.snippet, terms),
                others=g.others,
                local=g.local,
            )
        )
    return hits


def search(
    *,
    q: str,
    region: str = "",
    types: Sequence[str] = (),
    filters: SearchFilters | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SearchPage:
    """Results for `q` as seen from `region` (a division code, "" for anywhere), best first."""
    filters = filters or SearchFilters()
    cut = fresh_analyzer()
    plan = cut.plan(q)
    result = SearchPage(query=plan.text, plan=plan, region=region, page_size=page_size)
    if plan.empty:
        return result
    scope = _region_scope(region)
    # Implementations of other regions are no candidates: the matter's own document stands for
    # them ("在其他地区可办理", one click away).
    tag_groups: list[tuple[str, ...]] = [
        (ALL_REGIONS, *(region_tag(c) for c in scope)) if scope else (ALL_REGIONS,)
    ]
    type_tags = _type_tags(types)
    if type_tags:
        tag_groups.append(tuple(type_tags))
    tag_groups += [(t,) for t in filters.tags()]
    groups = tuple(g.alternatives for g in plan.groups)
    weights = _group_weights(plan, cut.vocabulary)

    def scored(every: bool) -> list[Candidate]:
        match = MatchQuery(groups=groups, tag_groups=tuple(tag_groups), every_group=every)
        out = _candidates(match)
        for c in out:
            c.score = _score(c, _text_score(c, plan, weights), scope, plan)
        return out

    strict = scored(True)
    collapsed = _collapse(strict, scope)
    if len(collapsed) < RELAX_BELOW and len(groups) > 1:
        seen = {c.id for c in strict}
        loose = [c for c in scored(False) if c.id not in seen]
        for c in strict:
            c.score *= ALL_MATCH
        collapsed = _collapse(strict + loose, scope)
        result.relaxed = bool(loose)
    result.total = len(collapsed)
    page = max(1, min(page, MAX_PAGE))
    result.page = page
    result.hits = _hits(collapsed[(page - 1) * page_size : page * page_size], plan)
    if not collapsed and not plan.corrected:
        result.suggestion = did_you_mean(plan.normalized)
    return result


def did_you_mean(query: str) -> str:
    top = suggest(query, limit=1)
    return top[0]["text"] if top and top[0]["text"] != query else ""


def group_members(*, group_key: str, region: str = "") -> tuple[SearchDocument | None, list[Any]]:
    """The document that names a collapsed group (the matter) and every implementation of it,
    the visitor's nearest first, then by region code."""
    group = SearchDocument.objects.filter(group_key=group_key[:64])
    head = group.filter(region_code="").first()
    scope = _region_scope(region)
    # The visitor's own implementations first, then the others by region code: a national
    # matter has thousands of implementations, and the list shows GROUP_MEMBERS_MAX.
    near = list(group.filter(region_code__in=scope)) if scope else []
    near.sort(key=lambda d: (-_nearness(d.region_code, scope), d.name))
    rest = (
        group.exclude(region_code="")
        .exclude(region_code__in=scope)
        .order_by("region_code", "name")[: GROUP_MEMBERS_MAX - len(near)]
    )
    return head, [*near, *rest]


def suggest(q: str, *, limit: int = SUGGEST_MAX) -> list[dict[str, str]]:
    """Names and phrases that start with `q` (or whose full pinyin or initials do), most
    popular first; then names that contain it."""
    text = normalize(q).replace(" ", "")[:50]
    if not text:
        return []
    limit = max(1, min(limit, SUGGEST_MAX))
    kinds = [SearchTerm.Kind.NAME, SearchTerm.Kind.PHRASE]
    base = SearchTerm.objects.filter(kind__in=kinds)
    end = text + "\uffff"
    exact_kinds = kinds
    if is_pinyin_query(text) or text.isascii():
        # Words too: jsz is 驾驶证 more often than any name that starts with it.
        exact_kinds = [*kinds, SearchTerm.Kind.WORD]
        exact = Q(pinyin=text) | Q(initials=text)
        prefix = Q(pinyin__gte=text, pinyin__lt=end) | Q(initials__gte=text, initials__lt=end)
    else:
        exact = Q(term=text)
        prefix = Q(term__gte=text, term__lt=end)
    # What the input spells exactly (jsz → 驾驶证) before what it only begins.
    found = list(
        SearchTerm.objects.filter(exact, kind__in=exact_kinds)
        .order_by("-weight", "term")
        .values_list("term", "kind")[:limit]
    )
    if len(found) < limit:
        have = {t for t, _k in found}
        found += list(
            base.filter(prefix)
            .exclude(term__in=have)
            .order_by("-weight", "term")
            .values_list("term", "kind")[: limit - len(found)]
        )
    if len(found) < limit and not text.isascii():
        have = {t for t, _k in found}
        more = (
            base.filter(term__contains=text)
            .exclude(term__in=have)
            .order_by("-weight", "term")
            .values_list("term", "kind")[: limit - len(found)]
        )
        found += list(more)
    return [{"text": term, "kind": kind} for term, kind in found]


# --- Admin reads ------------------------------------------------------------------------------


def synonym_list(*, q: str = "") -> QuerySet[Synonym]:
    qs = Synonym.objects.all()
    text = normalize(q)
    if text:
        qs = qs.filter(Q(term__contains=text) | Q(expansions__icontains=text))
    return qs.order_by("term")


def synonym_get(public_id: Any) -> Synonym:
    from tongban.core.errors import NotFound

    try:
        return Synonym.objects.get(public_id=uuid.UUID(str(public_id)))
    except (Synonym.DoesNotExist, ValueError) as exc:
        raise NotFound() from exc


@dataclass(frozen=True)
class QueryReportRow:
    query: str
    searches: int
    zero_results: int
    clicks: int

    @property
    def click_rate(self) -> float:
        return self.clicks / self.searches if self.searches else 0.0


LOW_CLICK_MIN_SEARCHES = 3
LOW_CLICK_RATE = 0.1


def query_report(*, days: int = 30, limit: int = 50) -> dict[str, list[QueryReportRow]]:
    """What people searched for and did not find (zero results), and what they searched for
    often but seldom opened (low clicks), over the last `days` days."""
    since = timezone.localdate() - timedelta(days=max(1, days) - 1)
    rows = (
        QueryStat.objects.filter(day__gte=since)
        .values("query")
        .annotate(s=Sum("searches"), z=Sum("zero_results"), c=Sum("clicks"))
    )
    zero = [
        QueryReportRow(r["query"], r["s"], r["z"], r["c"])
        for r in rows.filter(z__gt=0).order_by("-z", "query")[:limit]
    ]
    low = [
        QueryReportRow(r["query"], r["s"], r["z"], r["c"])
        for r in rows.filter(s__gte=LOW_CLICK_MIN_SEARCHES, c__lt=F("s") * LOW_CLICK_RATE)
        .exclude(z=F("s"))
        .order_by("-s", "query")[:limit]
    ]
    return {"zero": zero, "low_click": low}


def document_get(doc_id: int) -> SearchDocument:
    from tongban.core.errors import NotFound

    doc = SearchDocument.objects.filter(pk=doc_id).first()
    if doc is None:
        raise NotFound()
    return doc


def index_status() -> dict[str, Any]:
    counts = dict(
        SearchDocument.objects.values_list("doc_type")
        .annotate(n=Count("id"))
        .values_list("doc_type", "n")
    )
    return {"documents": counts, "terms": SearchTerm.objects.count(), "backend": get_backend().name}
