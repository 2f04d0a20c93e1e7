"""Every read of the catalog. Public reads see published items only; admin reads are scoped."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from tongban.catalog.guide_schema import GuideContent, parse_guide
from tongban.catalog.models import (
    BasicItem,
    Bundle,
    GuideStatus,
    GuideVersion,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.catalog.permissions import access_item_for_edit, items_editable_by
from tongban.core.errors import NotFound

MAX_PAGE = 100
# A version still being worked on: at most one per item (constraint guide_one_open_draft).
OPEN_STATUSES = (GuideStatus.DRAFT, GuideStatus.SUBMITTED)
# Orders of item_list_public.
ORDER_POPULAR = "popular"
ORDER_NEAREST = "nearest"


@dataclass(frozen=True)
class ItemFilters:
    region: str = ""  # services available to a resident of this region (its own and its ancestors')
    within: str = ""  # items of bodies anywhere in this region's subtree
    level: str = ""  # exercise level code (A.2)
    department: str = ""  # department public id
    person_theme: str = ""
    corporate_theme: str = ""
    service_object: str = ""
    online_depth: str = ""
    channel: str = ""
    item_type: str = ""
    q: str = ""


def ancestor_codes(region_code: str) -> list[str]:
    """A region code and every code above it, derived from the code itself (codes nest):
    510104001 → 510000, 510100, 510104, 510104001."""
    code = region_code.strip()
    out = [code[:2] + "0000"]
    if len(code) == 6:
        if code[2:] != "0000":
            out.append(code[:4] + "00")
        if code[4:] != "00":
            out.append(code)
    else:
        out += [code[:4] + "00", code[:6], code[:9]]
        if len(code) == 12:
            out.append(code)
    return list(dict.fromkeys(out))


# Below this many facet rows the filter is driven from the facet index (rare values); above it,
# walking items in popularity order and probing the facet is faster (common values).
FACET_IN_LIMIT = 5000


def _facet(qs: QuerySet[ImplementationItem], kind: str, code: str) -> QuerySet[ImplementationItem]:
    rows = ItemFacet.objects.filter(kind=kind, code=code)
    if rows[:FACET_IN_LIMIT].count() < FACET_IN_LIMIT:
        return qs.filter(pk__in=rows.values("item_id"))
    return qs.filter(Exists(rows.filter(item_id=OuterRef("pk"))))


def _facet_filters(filters: ItemFilters) -> list[tuple[str, str]]:
    kind = ItemFacet.Kind
    pairs = (
        (kind.PERSON_THEME, filters.person_theme),
        (kind.CORPORATE_THEME, filters.corporate_theme),
        (kind.SERVICE_OBJECT, filters.service_object),
        (kind.ONLINE_DEPTH, filters.online_depth),
        (kind.CHANNEL, filters.channel),
    )
    return [(k, v) for k, v in pairs if v]


def item_count_public(filters: ItemFilters, *, limit: int) -> int:
    """How many items `item_list_public(filters)` holds, counting at most `limit`.

    With a single facet filter and nothing else, the count joins the facet rows (one per item:
    kind, code and item are unique together) and so is driven by the facet index; the EXISTS
    form of the list scanned items in popularity order and grew with the catalog
    (bench/catalog_read.py: 1.83x slower at 1M items than at 10k)."""
    facets = _facet_filters(filters)
    facet_fields = {"person_theme", "corporate_theme", "service_object", "online_depth", "channel"}
    only_facet = len(facets) == 1 and all(
        not getattr(filters, f.name) for f in fields(filters) if f.name not in facet_fields
    )
    if only_facet:
        kind, code = facets[0]
        joined = ImplementationItem.objects.filter(
            status=ItemStatus.ACTIVE, facets__kind=kind, facets__code=code
        )
        return joined[:limit].count()
    return item_list_public(filters).order_by()[:limit].count()


def item_list_public(
    filters: ItemFilters, *, order: str = ORDER_POPULAR
) -> QuerySet[ImplementationItem]:
    """Published items matching `filters`, most popular first; with `order=ORDER_NEAREST` (only
    with a region filter) the services of the resident's own division come before those of the
    city and then the province, most popular first within each."""
    if order not in (ORDER_POPULAR, ORDER_NEAREST):
        raise ValueError(f"unknown order {order!r}")
    if order == ORDER_NEAREST and not filters.region:
        raise ValueError("order='nearest' needs a region filter")
    qs = ImplementationItem.objects.filter(status=ItemStatus.ACTIVE)
    if filters.region:
        qs = qs.filter(region_id__in=ancestor_codes(filters.region))
    if filters.within:
        qs = qs.filter(region__pk__startswith=_significant(filters.within))
    if filters.level:
        qs = qs.filter(exercise_level=filters.level)
    if filters.department:
        qs = qs.filter(department__public_id=filters.department)
    if filters.item_type:
        qs = qs.filter(item_type=filters.item_type)
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | Q(code=filters.q.upper()))
    for facet_kind, value in _facet_filters(filters):
        qs = _facet(qs, facet_kind, value)
    qs = qs.select_related("region", "department", "body")
    if order == ORDER_NEAREST:
        # The region filter keeps only the resident's ancestors, whose codes extend one another
        # (510000, 510100, 510104): a greater code is a nearer division.
        return qs.order_by("-region_id", "-popularity", "name", "code")
    return qs.order_by("-popularity", "name", "code")


def _significant(region_code: str) -> str:
    # 510000 → 51, 510100 → 5101, 510104 → 510104; 9/12-digit codes are already significant.
    if len(region_code) == 6:
        if region_code.endswith("0000"):
            return region_code[:2]
        if region_code.endswith("00"):
            return region_code[:4]
    return region_code


def item_get_public(code: str) -> ImplementationItem:
    item = (
        ImplementationItem.objects.select_related(
            "region", "department", "body", "basic_item", "published_version"
        )
        .filter(code=code.upper(), status=ItemStatus.ACTIVE)
        .first()
    )
    if item is None or item.published_version is None:
        raise NotFound()
    return item


def item_guide(item: ImplementationItem) -> GuideContent:
    if item.published_version is None:
        raise NotFound()
    return parse_guide(item.published_version.content, stored=True)


def item_popular(*, region: str = "", limit: int = 8) -> list[ImplementationItem]:
    qs = ImplementationItem.objects.filter(status=ItemStatus.ACTIVE)
    if region:
        qs = qs.filter(region_id__in=ancestor_codes(region))
    return list(qs.select_related("region", "department").order_by("-popularity", "name")[:limit])


def basic_item_list(*, q: str = "", item_type: str = "") -> QuerySet[BasicItem]:
    qs = BasicItem.objects.filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code=q))
    if item_type:
        qs = qs.filter(item_type=item_type)
    return qs.select_related("parent").order_by("code")


def bundle_list(*, audience: str = "") -> QuerySet[Bundle]:
    qs = Bundle.objects.filter(is_active=True)
    if audience:
        qs = qs.filter(audience=audience)
    return qs.prefetch_related("members__basic_item").order_by("code")


def bundle_get(code: str) -> Bundle:
    bundle = bundle_list().filter(code=code).first()
    if bundle is None:
        raise NotFound()
    return bundle


def bundle_members_for_region(bundle: Bundle, region: str) -> dict[str, ImplementationItem | None]:
    """For each member basic code, the implementation a resident of `region` would apply to:
    the one nearest to them (village before township … before province)."""
    codes = [m.basic_item.code for m in bundle.members.all()]
    ancestors = ancestor_codes(region) if region else []
    candidates = ImplementationItem.objects.filter(
        status=ItemStatus.ACTIVE, basic_item__code__in=codes
    )
    if ancestors:
        candidates = candidates.filter(region_id__in=ancestors)
    best: dict[str, ImplementationItem | None] = dict.fromkeys(codes)
    for item in candidates.select_related("basic_item", "region").order_by("region_id"):
        current = best[item.basic_item.code]
        if current is None or len(item.region_id.rstrip("0")) > len(current.region_id.rstrip("0")):
            best[item.basic_item.code] = item
    return best


def theme_counts(*, kind: str, region: str = "") -> dict[str, int]:
    qs = ItemFacet.objects.filter(kind=kind, item__status=ItemStatus.ACTIVE)
    if region:
        qs = qs.filter(item__region_id__in=ancestor_codes(region))
    return dict(
        qs.values_list("code").annotate(n=Count("item_id", distinct=True)).values_list("code", "n")
    )


def department_counts(*, region: str) -> list[dict[str, Any]]:
    """Departments serving a resident of `region`, with how many published items each has."""
    return list(
        ImplementationItem.objects.filter(
            status=ItemStatus.ACTIVE, region_id__in=ancestor_codes(region)
        )
        .values("department__public_id", "department__name", "region_id", "region__name")
        .annotate(n=Count("id"))
        .order_by("region_id", "department__name")
    )


# --- Admin (scoped) ----------------------------------------------------------------------------


def item_list_for_admin(
    actor: Any, *, q: str = "", status: str = ""
) -> QuerySet[ImplementationItem]:
    """The items the actor may edit, each annotated with `current_number` (its published
    version's number), `open_number` and `open_status` (its draft or submitted version, if any):
    the list needs no query per row."""
    qs = items_editable_by(actor)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code=q.upper()))
    if status:
        qs = qs.filter(status=status)
    open_version = GuideVersion.objects.filter(item=OuterRef("pk"), status__in=OPEN_STATUSES)
    return (
        qs.select_related("region", "department", "body")
        .annotate(
            current_number=F("published_version__number"),
            open_number=Subquery(open_version.values("number")[:1]),
            open_status=Subquery(open_version.values("status")[:1]),
        )
        .order_by("region_id", "name")
    )


def item_get_for_admin(actor: Any, code: str) -> ImplementationItem:
    return access_item_for_edit(actor, code=code)


def versions_for_admin(actor: Any, code: str) -> list[GuideVersion]:
    item = access_item_for_edit(actor, code=code)
    return list(
        item.versions.select_related("created_by", "submitted_by", "reviewed_by").order_by(
            "-number"
        )
    )


def version_get_for_admin(actor: Any, code: str, number: int) -> GuideVersion:
    item = access_item_for_edit(actor, code=code)
    version = item.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def review_queue(actor: Any) -> QuerySet[GuideVersion]:
    return (
        GuideVersion.objects.filter(status=GuideStatus.SUBMITTED, item__in=items_editable_by(actor))
        .select_related("item", "submitted_by")
        .order_by("submitted_at")
    )
