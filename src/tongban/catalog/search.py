"""How catalog objects become search documents (found by the search app's registry, which sits
above the catalog: nothing here imports it; see tongban/search/registry.py for the interface).

Three document types:
- `item`: a published implementation item (实施清单事项) with its guide, for the residents of its
  region and the regions below;
- `basic`: a basic-catalog matter (基本目录事项), available everywhere; every implementation of it
  shares its group, so the hundreds of county implementations collapse into one result and
  the matter itself stands in where the visitor's region has no implementation;
- `bundle`: a bundle (一件事).

Documents read the denormalised item columns, facet rows and the published guide's JSON directly
(no guide validation per item: a rebuild reads every published guide)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models import (
    BasicItem,
    Bundle,
    BundleMember,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.core.codes import ThemeAudience

CHUNK = 2000
SNIPPET_CHARS = 160
# Facet kinds the search filters use, by the search registry's names.
FACET_NAMES = {
    ItemFacet.Kind.SERVICE_OBJECT: "object",
    ItemFacet.Kind.PERSON_THEME: "theme_p",
    ItemFacet.Kind.CORPORATE_THEME: "theme_c",
    ItemFacet.Kind.ONLINE_DEPTH: "depth",
    ItemFacet.Kind.CHANNEL: "channel",
}


def matter_group(basic_code: str) -> str:
    return f"basic:{basic_code}"


def _texts(values: Iterable[Any]) -> list[str]:
    return [str(v).strip().rstrip("。；;") for v in values if v and str(v).strip().rstrip("。；;")]


def guide_text(content: dict[str, Any]) -> tuple[list[str], str]:
    """(aliases, body) of a guide: the result's name (营业执照 for 企业设立登记) names the matter
    as people know it; conditions, materials and FAQ questions are what they describe."""
    aliases = []
    result = content.get("result") or {}
    if result.get("name"):
        aliases.append(result["name"])
    body = [content.get("exercise_content", "")]
    body += content.get("acceptance_conditions") or []
    body += [m.get("name", "") for m in content.get("materials") or []]
    body += [f.get("question", "") for f in content.get("faq") or []]
    return aliases, "。".join(_texts(body))


def _snippet(*parts: str) -> str:
    text = " · ".join(_texts(parts))
    return text[:SNIPPET_CHARS]


def _days(item: ImplementationItem) -> str:
    if item.case_kind == "1" or item.promised_days == 0:
        return str(_("即办"))
    if item.promised_days is None:
        return ""
    return str(_("承诺%(n)s个工作日办结")) % {"n": item.promised_days}


def _dictionary(aliases: list[str], content: dict[str, Any]) -> list[str]:
    """Domain words: licence and material names short enough to be one word to people."""
    words = [a for a in aliases if 2 < len(a) <= 10]
    for material in content.get("materials") or []:
        name = material.get("name", "")
        if 2 < len(name) <= 8:
            words.append(name)
    return words


class ItemDocuments:
    doc_type = "item"
    label = _("办事事项")
    order = 10
    section = "item"

    def count(self) -> int:
        return ImplementationItem.objects.filter(status=ItemStatus.ACTIVE).count()

    def documents(self, keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        qs = ImplementationItem.objects.filter(status=ItemStatus.ACTIVE).select_related(
            "region", "department", "body", "basic_item", "published_version"
        )
        if keys is not None:
            qs = qs.filter(code__in=list(keys))
        last = 0
        while True:
            chunk = list(qs.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not chunk:
                return
            last = chunk[-1].pk
            facets: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            for item_id, kind, code in ItemFacet.objects.filter(
                item_id__in=[i.pk for i in chunk], kind__in=list(FACET_NAMES)
            ).values_list("item_id", "kind", "code"):
                facets[item_id][FACET_NAMES[kind]].append(code)
            for item in chunk:
                yield self._document(item, facets.get(item.pk, {}))

    def _document(self, item: ImplementationItem, facets: dict[str, list[str]]) -> dict[str, Any]:
        content = item.published_version.content if item.published_version else {}
        aliases, body = guide_text(content)
        if item.basic_item.name != item.name:
            aliases.append(item.basic_item.name)
        return {
            "doc_type": self.doc_type,
            "key": item.code,
            "group_key": matter_group(item.basic_item.code),
            "code": item.code,
            "name": item.name,
            "url": reverse("portal:service-guide", args=[item.code]),
            "aliases": aliases,
            "body": f"{body}。{item.department.name}",
            "snippet": _snippet(item.body.name, _days(item), body),
            "region": item.region_id,
            "region_name": item.region.name,
            "level": item.exercise_level,
            "department": item.department.name,
            "department_id": str(item.department.public_id),
            "popularity": item.popularity,
            "online": item.fully_online,
            "facets": dict(facets),
            "extra": {"basic_code": item.basic_item.code, "body": item.body.name},
            "dictionary": _dictionary(aliases, content),
        }


class BasicItemDocuments:
    doc_type = "basic"
    label = _("办事事项")
    order = 10
    section = "item"  # a matter and its implementations are one kind of result

    def count(self) -> int:
        return BasicItem.objects.filter(is_active=True).count()

    def documents(self, keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        qs = BasicItem.objects.filter(is_active=True)
        if keys is not None:
            qs = qs.filter(code__in=list(keys))
        last = 0
        while True:
            chunk = list(qs.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not chunk:
                return
            last = chunk[-1].pk
            ids = [b.pk for b in chunk]
            stats = {
                row["basic_item_id"]: row
                for row in ImplementationItem.objects.filter(
                    basic_item_id__in=ids, status=ItemStatus.ACTIVE
                )
                .values("basic_item_id")
                .annotate(n=Count("id"), pop=Sum("popularity"))
            }
            # One implementation's guide speaks for the matter: the most popular one.
            best_ids: dict[int, int] = {}
            for basic_id, item_id in (
                ImplementationItem.objects.filter(basic_item_id__in=ids, status=ItemStatus.ACTIVE)
                .order_by("basic_item_id", "-popularity", "pk")
                .values_list("basic_item_id", "pk")
            ):
                best_ids.setdefault(basic_id, item_id)
            best = {
                item.basic_item_id: item
                for item in ImplementationItem.objects.filter(
                    pk__in=list(best_ids.values())
                ).select_related("published_version")
            }
            for basic in chunk:
                yield self._document(basic, stats.get(basic.pk, {}), best.get(basic.pk))

    def _document(
        self, basic: BasicItem, stats: dict[str, Any], sample: ImplementationItem | None
    ) -> dict[str, Any]:
        content = sample.published_version.content if sample and sample.published_version else {}
        aliases, body = guide_text(content)
        facets: dict[str, list[str]] = {"object": list(basic.service_objects)}
        for name, field in (
            ("theme_p", "person_themes"),
            ("theme_c", "corporate_themes"),
            ("depth", "online_depth"),
            ("channel", "channels"),
        ):
            facets[name] = list(content.get(field) or [])
        implementations = stats.get("n", 0)
        return {
            "doc_type": self.doc_type,
            "key": basic.code,
            "group_key": matter_group(basic.code),
            "code": basic.code,
            "name": basic.name,
            "url": reverse("portal:search") + f"?group={matter_group(basic.code)}",
            "aliases": aliases,
            "body": f"{body}。{basic.competent_department}",
            "snippet": _snippet(basic.competent_department, body),
            "region": "",
            "level": "",
            "department": basic.competent_department,
            "popularity": stats.get("pop") or 0,
            "online": bool(content.get("channels") and "online" in content["channels"]),
            "facets": facets,
            "group_size": implementations,
            "extra": {"implementations": implementations},
            "dictionary": _dictionary(aliases, content),
        }


class BundleDocuments:
    doc_type = "bundle"
    label = _("一件事")
    order = 20
    section = "bundle"

    def count(self) -> int:
        return Bundle.objects.filter(is_active=True).count()

    def documents(self, keys: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        qs = Bundle.objects.filter(is_active=True)
        if keys is not None:
            qs = qs.filter(code__in=list(keys))
        bundles = list(qs.order_by("code"))
        members: dict[int, list[str]] = defaultdict(list)
        for bundle_id, name in BundleMember.objects.filter(
            bundle_id__in=[b.pk for b in bundles]
        ).values_list("bundle_id", "basic_item__name"):
            members[bundle_id].append(name)
        for bundle in bundles:
            names = members.get(bundle.pk, [])
            yield {
                "doc_type": self.doc_type,
                "key": bundle.code,
                "group_key": f"bundle:{bundle.code}",
                "code": bundle.code,
                "name": bundle.name,
                "url": reverse("portal:bundle", args=[bundle.code]),
                "aliases": [],
                "body": "。".join([bundle.summary, *names]),
                "snippet": _snippet(bundle.summary, "、".join(names)),
                "region": bundle.region_id or "",
                "popularity": 0,
                "facets": {"object": ["1"] if bundle.audience == ThemeAudience.PERSONAL else ["2"]},
                "extra": {"members": len(names), "national_key": bundle.is_national_key},
            }


PROVIDERS = [ItemDocuments(), BasicItemDocuments(), BundleDocuments()]
