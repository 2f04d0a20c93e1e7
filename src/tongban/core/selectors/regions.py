"""Reads of administrative divisions. Divisions are public reference data: no scope applies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from tongban.core.errors import NotFound
from tongban.core.models import Region

_CODE = re.compile(r"^\d{2,12}$")


def _not_found(code: str) -> NotFound:
    return NotFound(_("未找到行政区划代码 %(code)s。") % {"code": code}, code="region_not_found")


def region_get(code: str) -> Region:
    """A current or historical division by its code."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise _not_found(code)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise _not_found(code)
    return region


def region_search(
    q: str = "",
    *,
    level: int | None = None,
    under: str | None = None,
    parent: str | None = None,
    include_historical: bool = False,
    limit: int | None = None,
) -> QuerySet[Region]:
    """Divisions whose name contains `q`, or whose code starts with `q` when it is all digits.
    Exact name matches come first, then higher levels, then code order. An unknown `under` or
    `parent` raises NotFound rather than returning an empty list."""
    qs = Region.objects.all()
    q = (q or "").replace("\x00", "").strip()
    if q.isdigit():
        qs = qs.filter(code__startswith=q)
    elif q:
        qs = qs.filter(Q(name__contains=q) | Q(full_name=q))
    if level is not None:
        qs = qs.filter(level=level)
    if under:
        ancestor = region_get(under)
        qs = qs.filter(code__startswith=ancestor.prefix).exclude(code=ancestor.code)
    if parent:
        qs = qs.filter(parent_id=region_get(parent).code)
    if not include_historical:
        qs = qs.filter(is_current=True)
    qs = qs.annotate(
        exact=Case(
            When(Q(name=q) | Q(full_name=q), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("exact", "level", "code")
    return qs[:limit] if limit is not None else qs


def region_children(code: str, *, include_historical: bool = False) -> QuerySet[Region]:
    region = region_get(code)
    qs = Region.objects.filter(parent_id=region.code)
    if not include_historical:
        qs = qs.filter(is_current=True)
    return qs.order_by("code")


def region_children_count(code: str, *, include_historical: bool = False) -> int:
    qs = Region.objects.filter(parent_id=code)
    if not include_historical:
        qs = qs.filter(is_current=True)
    return qs.count()


def region_subtree(
    code: str, *, include_self: bool = True, include_historical: bool = False
) -> QuerySet[Region]:
    """Everything under a division: one prefix match on the primary key, no recursion."""
    region = region_get(code)
    qs = Region.objects.filter(code__startswith=region.prefix)
    if not include_self:
        qs = qs.exclude(code=region.code)
    if not include_historical:
        qs = qs.filter(is_current=True)
    return qs.order_by("level", "code")


def region_path(code: str) -> list[Region]:
    """Ancestors from the province down to the division itself (one query)."""
    region = region_get(code)
    candidates = {region.code[:2] + "0000", region.code[:4] + "00", region.code[:6]}
    candidates.add(region.code[:9])
    by_code = {r.code: r for r in Region.objects.filter(code__in=candidates)}
    by_code[region.code] = region
    path = [region]
    current = region
    while current.parent_id and current.parent_id in by_code:
        current = by_code[current.parent_id]
        path.append(current)
    path.reverse()
    return path


def region_codes_under(code: str) -> str:
    """The prefix that selects a division's subtree (for filters in other apps)."""
    return region_get(code).prefix


@dataclass(frozen=True)
class IdNumberRegion:
    """Where an ID number's address code points, with the name it had when the number was
    issued. `region` is None when only stdnum's table knows the code (e.g. 市辖区 groupings)."""

    address_code: str
    name: str
    full_name: str
    is_current: bool
    valid_until: int | None
    note: str
    region: Region | None


def region_name_for_id_number(id_number: str) -> IdNumberRegion:
    """Resolve the address code (first six digits) of an ID number, historical codes included:
    110103… → 北京市崇文区（2010年撤销）."""
    number = re.sub(r"\s", "", id_number or "").upper()
    code = number[:6]
    if len(code) != 6 or not code.isdigit():
        raise _not_found(code)
    region = Region.objects.filter(code=code).first()
    stdnum_name = _stdnum_place(number)
    if region is not None and region.is_current:
        return IdNumberRegion(code, region.name, region.full_name, True, None, "", region)
    if region is not None:
        name = stdnum_name[1] if stdnum_name else region.name
        parent_full = region.full_name[: -len(region.name)] if region.name else ""
        return IdNumberRegion(
            code,
            name,
            parent_full + name,
            False,
            region.valid_until,
            _("%(year)d年撤销") % {"year": region.valid_until} if region.valid_until else "",
            region,
        )
    if stdnum_name:
        province, county = stdnum_name
        # Codes only stdnum knows (e.g. a city's 市辖区 grouping): name them under the nearest
        # division that exists, 成都市 rather than just 四川省.
        above = (
            Region.objects.filter(code__in=[code[:4] + "00", code[:2] + "0000"])
            .order_by("-level")
            .first()
        )
        prefix = above.full_name if above else province
        full = county if county.startswith(prefix) else prefix + county
        return IdNumberRegion(code, county, full, False, None, _("非现行区划代码"), None)
    raise _not_found(code)


def _stdnum_place(number: str) -> tuple[str, str] | None:
    """(province, county) as named in the birth year when the number is complete, else the
    last name stdnum knows for the code."""
    if len(number) == 18:
        try:
            place = ric.get_birth_place(number)
        except StdnumValidationError:
            place = None
        if place:
            return place.get("province", ""), place.get("county", "")
    info = {k: v for _part, props in numdb.get("cn/loc").info(number[:6]) for k, v in props.items()}
    if "county" not in info:
        return None
    names = [re.sub(r"^\[[\d-]*\]", "", part) for part in info["county"].split(",")]
    return info.get("province", ""), names[-1]
