"""Export of the published catalog in the exchange format (docs/catalog-import-format.md), the
same shape `catalog.importer` reads: an export imported into an empty catalog gives the same
items and guides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongban.catalog.importer import FORMAT
from tongban.catalog.models import BasicItem, Bundle, ImplementationItem, ItemStatus
from tongban.catalog.permissions import items_editable_by
from tongban.core.errors import NotFound
from tongban.core.models import Region

CHUNK = 2000


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise NotFound()
    return region


def _published_items(*, actor: Any, region: Region | None) -> QuerySet[ImplementationItem]:
    qs = items_editable_by(actor) if actor is not None else ImplementationItem.objects.all()
    qs = qs.filter(status=ItemStatus.ACTIVE, published_version__isnull=False)
    if region is not None:
        qs = qs.filter(region__pk__startswith=region.prefix)
    return qs


def export_items(*, actor: Any = None, region: str | None = None) -> Iterator[dict[str, Any]]:
    """Published items in code order, one JSON object at a time (memory stays flat)."""
    qs = (
        _published_items(actor=actor, region=_region(region))
        .select_related("basic_item", "body", "published_version")
        .only(
            "code",
            "local_code",
            "local_basic_code",
            "popularity",
            "basic_item__code",
            "body__credit_code",
            "published_version__content",
        )
        .order_by("code")
    )
    for item in qs.iterator(chunk_size=CHUNK):
        yield {
            "code": item.code,
            "basic_code": item.basic_item.code,
            "body_credit_code": item.body.credit_code,
            "local_code": item.local_code,
            "local_basic_code": item.local_basic_code,
            "popularity": item.popularity,
            "guide": item.published_version.content,  # type: ignore[union-attr]
        }


def _basic_items(*, actor: Any, region: Region | None) -> list[dict[str, Any]]:
    """Without a filter: every active basic item and any an exported item refers to. With one:
    only those the exported items and bundles need (and their main items)."""
    used = _published_items(actor=actor, region=region).values("basic_item_id")
    if actor is None and region is None:
        qs = BasicItem.objects.filter(Q(is_active=True) | Q(pk__in=used))
    else:
        members = _bundles(region=region).values("members__basic_item_id")
        needed = Q(pk__in=used) | Q(pk__in=members)
        qs = BasicItem.objects.filter(
            needed | Q(pk__in=BasicItem.objects.filter(needed).values("parent_id"))
        )
    return [
        {
            "code": b.code,
            "name": b.name,
            "item_type": b.item_type,
            "parent_code": b.parent.code if b.parent else "",
            "legal_basis": b.legal_basis,
            "competent_department": b.competent_department,
            "service_objects": list(b.service_objects),
            "exercise_levels": list(b.exercise_levels),
            "source": b.source,
        }
        for b in qs.select_related("parent").order_by("code").iterator(chunk_size=CHUNK)
    ]


def _bundles(*, region: Region | None) -> QuerySet[Bundle]:
    qs = Bundle.objects.filter(is_active=True)
    if region is not None:
        qs = qs.filter(Q(region__isnull=True) | Q(region__pk__startswith=region.prefix))
    return qs


def _bundle_rows(*, region: Region | None) -> list[dict[str, Any]]:
    return [
        {
            "code": b.code,
            "name": b.name,
            "audience": b.audience,
            "summary": b.summary,
            "is_national_key": b.is_national_key,
            "promised_days": b.promised_days,
            "region": b.region_id or "",
            "members": [
                {"basic_code": m.basic_item.code, "stage": m.stage, "note": m.note}
                for m in b.members.all()
            ],
            "definition": b.definition,
        }
        for b in _bundles(region=region).prefetch_related("members__basic_item").order_by("code")
    ]


def catalog_export_dataset(*, actor: Any = None, region: str | None = None) -> dict[str, Any]:
    """The published catalog (within `region`, and the actor's catalog scope when given)."""
    where = _region(region)
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "basic_items": _basic_items(actor=actor, region=where),
        "items": list(export_items(actor=actor, region=region)),
        "bundles": _bundle_rows(region=where),
    }


def catalog_export_json(out: IO[str], *, actor: Any = None, region: str | None = None) -> int:
    """Write the export as JSON to `out` item by item, never holding the catalog in memory.
    Returns the number of items written."""
    where = _region(region)
    basics = json.dumps(_basic_items(actor=actor, region=where), ensure_ascii=False)
    out.write(f'{{"format": {json.dumps(FORMAT)}, ')
    out.write(f'"exported_at": {json.dumps(timezone.now().isoformat())},\n')
    out.write(f' "basic_items": {basics},\n "items": [')
    count = 0
    for item in export_items(actor=actor, region=region):
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(item, ensure_ascii=False))
        count += 1
    bundles = json.dumps(_bundle_rows(region=where), ensure_ascii=False)
    out.write(f'\n ],\n "bundles": {bundles}\n}}\n')
    return count
