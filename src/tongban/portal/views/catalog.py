"""Public catalog pages (办事服务): browse the services of the visitor's region by theme,
department, service object and level; the service guide (办事指南) of one implementation item;
bundles (一件事). Every read goes through `tongban.catalog.selectors`; each page runs a small,
fixed number of queries whatever the size of the catalog."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.catalog.coding import LEVEL_FOR_REGION
from tongban.catalog.cpsv import public_service_jsonld
from tongban.catalog.guide_schema import (
    CHANNELS,
    CROSS_REGION_MODES,
    CROSS_REGION_SCOPES,
    MATERIAL_SOURCES,
    GuideContent,
    Material,
    is_web_url,
)
from tongban.catalog.selectors import (
    ORDER_NEAREST,
    ItemFilters,
    bundle_get,
    bundle_list,
    bundle_members_for_region,
    department_counts,
    item_get_public,
    item_guide,
    item_list_public,
    theme_counts,
)
from tongban.core.codes import (
    CaseKind,
    ExerciseLevel,
    HandlingForm,
    ItemType,
    LegalPersonTheme,
    NaturalPersonTheme,
    OnlineDepth,
    ServiceObject,
    ThemeAudience,
)
from tongban.core.errors import NotFound
from tongban.core.models import RegionLevel
from tongban.core.selectors.regions import region_get, region_path, region_search

# The visitor's region is a display preference like the elderly-friendly mode: a cookie, so it
# works before sign-in and on shared kiosk browsers.
REGION_COOKIE = "tb_region"
REGION_COOKIE_MAX_AGE = 365 * 24 * 3600
PAGE_SIZE = 20
QUERY_MAX_LENGTH = 100
# The picker goes down to counties; townships are too many for one list.
PICKER_DEEPEST_LEVEL = RegionLevel.COUNTY

TAB_THEME = "theme"
TAB_DEPARTMENT = "department"
TAB_OBJECT = "object"
TAB_LEVEL = "level"
TABS = (
    (TAB_THEME, gettext_lazy("按主题")),
    (TAB_DEPARTMENT, gettext_lazy("按部门")),
    (TAB_OBJECT, gettext_lazy("按服务对象")),
    (TAB_LEVEL, gettext_lazy("按层级")),
)
# Query parameters of the browse page, in the order they appear in generated links.
BROWSE_PARAMS = ("region", "by", "theme_p", "theme_c", "dept", "object", "level", "online", "q")
PERSONAL_OBJECTS = (ServiceObject.NATURAL_PERSON,)
# An implementation code is letters and digits (31 of them); anything else is not looked up.
ITEM_CODE = re.compile(r"[0-9A-Za-z]{1,40}")
BUNDLE_CODE_MAX_LENGTH = 32


# --- The visitor's region --------------------------------------------------------------------


@dataclass(frozen=True)
class VisitorRegion:
    code: str
    name: str = ""
    full_name: str = ""
    level: int | None = None
    parent_code: str = ""
    chosen: bool = False  # picked in this request (?region=): remember it in the cookie
    rejected: str = ""  # a ?region= value that named no current division


def _current_region(code: str) -> Any:
    try:
        region = region_get(code)
    except NotFound:
        return None
    return region if region.is_current else None


def visitor_region(request: HttpRequest) -> VisitorRegion:
    """The region whose services the visitor sees: ?region=, else the cookie, else the
    deployment's home region (shown by code alone when the divisions are not loaded)."""
    requested = request.GET.get("region", "").strip()[:12]
    rejected = ""
    for code, chosen in ((requested, True), (request.COOKIES.get(REGION_COOKIE, "")[:12], False)):
        if not code:
            continue
        region = _current_region(code)
        if region is not None:
            return VisitorRegion(
                code=region.code,
                name=region.name,
                full_name=region.full_name,
                level=region.level,
                parent_code=region.parent_id or "",
                chosen=chosen,
            )
        if chosen:
            rejected = code
    home = settings.TONGBAN_HOME_REGION
    region = _current_region(home)
    if region is None:
        return VisitorRegion(code=home, rejected=rejected)
    return VisitorRegion(
        code=region.code,
        name=region.name,
        full_name=region.full_name,
        level=region.level,
        parent_code=region.parent_id or "",
        rejected=rejected,
    )


def remember_region(response: HttpResponse, region: VisitorRegion) -> HttpResponse:
    if region.chosen:
        response.set_cookie(
            REGION_COOKIE,
            region.code,
            max_age=REGION_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


def region_level_of_code(code: str) -> int:
    """The level of a division from the shape of its code (codes nest: see selectors)."""
    if len(code) == 12:
        return RegionLevel.VILLAGE
    if len(code) == 9:
        return RegionLevel.TOWNSHIP
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def region_picker(region: VisitorRegion) -> dict[str, Any]:
    """Choices for the region picker: the visitor's path, the divisions one level down (or the
    siblings of a county), and every province."""
    if region.level is None:
        path: list[Any] = []
        below: list[Any] = []
    else:
        path = region_path(region.code)
        base = region.code if region.level < PICKER_DEEPEST_LEVEL else region.parent_code
        below = list(region_search(parent=base)) if base else []
        below = [r for r in below if r.level <= PICKER_DEEPEST_LEVEL]
    base_name = ""
    if below:
        base_name = next((r.name for r in path if r.code == below[0].parent_id), "")
    on_path = {r.code for r in path}
    return {
        "path": path,
        "below": [r for r in below if r.code not in on_path],
        "below_label": _("%(name)s下辖") % {"name": base_name} if base_name else _("下级区划"),
        "provinces": [
            r for r in region_search(level=RegionLevel.PROVINCE) if r.code not in on_path
        ],
    }


# --- Small presentation helpers --------------------------------------------------------------


def visits_label(visits: int | None) -> str:
    if visits is None:
        return ""
    if visits == 0:
        return _("零跑动")
    if visits == 1:
        return _("最多跑一次")
    return _("跑动%(n)s次") % {"n": visits}


def days_label(case_kind: str, days: int | None) -> str:
    if case_kind == CaseKind.IMMEDIATE or days == 0:
        return _("即办（当场办结）")
    if days is None:
        return ""
    return _("%(n)s个工作日") % {"n": days}


def _label(table: Any, code: str) -> str:
    return str(table(code).label) if code in table.values else code


def _safe_url(url: str) -> str:
    """Only web links are rendered as links (guide text comes from many editors)."""
    return url if is_web_url(url) else ""


def service_url(code: str) -> str:
    return reverse("portal:service-guide", args=[code])


@dataclass(frozen=True)
class ResultRow:
    """One line of a result list."""

    url: str
    name: str
    body: str
    region: str
    level: str
    days: str
    visits: str
    fully_online: bool


def result_rows(items: Any) -> list[ResultRow]:
    return [
        ResultRow(
            url=service_url(item.code),
            name=item.name,
            body=item.body.name,
            region=item.region.name,
            level=RegionLevel(region_level_of_code(item.region_id)).label,
            days=days_label(item.case_kind, item.promised_days),
            visits=visits_label(item.visits),
            fully_online=item.fully_online,
        )
        for item in items
    ]


def paginate(qs: Any, request: HttpRequest, params: QueryDict) -> tuple[Page, dict[str, Any]]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))

    def url(number: int) -> str:
        query = params.copy()
        if number > 1:
            query["page"] = str(number)
        return "?" + query.urlencode() if query else "?"

    numbers = sorted(
        {1, page.paginator.num_pages}
        | set(range(max(1, page.number - 2), min(page.paginator.num_pages, page.number + 2) + 1))
    )
    links: list[dict[str, Any]] = []
    previous = 0
    for n in numbers:
        if previous and n > previous + 1:
            links.append({"gap": True})
        links.append({"number": n, "url": url(n), "current": n == page.number})
        previous = n
    return page, {
        "links": links,
        "previous_url": url(page.number - 1) if page.has_previous() else "",
        "next_url": url(page.number + 1) if page.has_next() else "",
        "show": page.paginator.num_pages > 1,
    }


# --- /services/: browse ----------------------------------------------------------------------


@dataclass
class BrowseParams:
    tab: str = TAB_THEME
    theme_p: str = ""
    theme_c: str = ""
    dept: str = ""
    object: str = ""
    level: str = ""
    online: bool = False
    q: str = ""


def _browse_params(data: QueryDict) -> BrowseParams:
    """Filter values from the query string; unknown codes are ignored rather than failing."""

    def one_of(name: str, allowed: list[str]) -> str:
        value = data.get(name, "").strip()
        return value if value in allowed else ""

    dept = data.get("dept", "").strip()
    try:
        dept = str(uuid.UUID(dept)) if dept else ""
    except ValueError:
        dept = ""
    tab = data.get("by", "")
    return BrowseParams(
        tab=tab if tab in dict(TABS) else TAB_THEME,
        theme_p=one_of("theme_p", NaturalPersonTheme.values),
        theme_c=one_of("theme_c", LegalPersonTheme.values),
        dept=dept,
        object=one_of("object", ServiceObject.values),
        level=one_of("level", ExerciseLevel.values),
        online=data.get("online") == "1",
        q=" ".join(data.get("q", "").replace("\x00", "").split())[:QUERY_MAX_LENGTH],
    )


def _query(region: VisitorRegion, params: BrowseParams, **changes: str) -> QueryDict:
    values = {
        "region": region.code,
        "by": params.tab,
        "theme_p": params.theme_p,
        "theme_c": params.theme_c,
        "dept": params.dept,
        "object": params.object,
        "level": params.level,
        "online": "1" if params.online else "",
        "q": params.q,
    }
    values.update(changes)
    query = QueryDict(mutable=True)
    for name in BROWSE_PARAMS:
        if values.get(name):
            query[name] = values[name]
    return query


def _link(region: VisitorRegion, params: BrowseParams, **changes: str) -> str:
    return "?" + _query(region, params, **changes).urlencode()


def _department_groups(
    rows: list[dict[str, Any]], region: VisitorRegion, params: BrowseParams
) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = row["region_id"]
        group = groups.setdefault(
            code,
            {
                "region": row["region__name"],
                "level": RegionLevel(region_level_of_code(code)).label,
                "departments": [],
            },
        )
        public_id = str(row["department__public_id"])
        group["departments"].append(
            {
                "name": row["department__name"],
                "count": row["n"],
                "url": _link(region, params, dept=public_id),
                "current": public_id == params.dept,
            }
        )
    # The visitor's own division first, then the city, then the province.
    return [groups[code] for code in sorted(groups, reverse=True)]


def _level_tiles(
    rows: list[dict[str, Any]], region: VisitorRegion, params: BrowseParams
) -> list[dict[str, Any]]:
    by_region: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = by_region.setdefault(row["region_id"], {"name": row["region__name"], "count": 0})
        entry["count"] += row["n"]
    tiles = []
    for code in sorted(by_region, reverse=True):
        level = str(LEVEL_FOR_REGION[RegionLevel(region_level_of_code(code))])
        tiles.append(
            {
                "name": by_region[code]["name"],
                "level": ExerciseLevel(level).label,
                "count": by_region[code]["count"],
                "url": _link(region, params, level=level),
                "current": params.level == level,
            }
        )
    return tiles


def _theme_tiles(
    counts: dict[str, int], table: Any, name: str, region: VisitorRegion, params: BrowseParams
) -> list[dict[str, Any]]:
    current = getattr(params, name)
    return [
        {
            "name": choice.label,
            "count": counts.get(choice.value, 0),
            "url": _link(region, params, **{name: choice.value}),
            "current": current == choice.value,
        }
        for choice in table
        if counts.get(choice.value) or current == choice.value
    ]


def _object_groups(
    counts: dict[str, int], region: VisitorRegion, params: BrowseParams
) -> list[dict[str, Any]]:
    def tiles(codes: list[str]) -> list[dict[str, Any]]:
        return [
            {
                "name": ServiceObject(code).label,
                "count": counts.get(code, 0),
                "url": _link(region, params, object=code),
                "current": params.object == code,
            }
            for code in codes
        ]

    corporate = [c for c in ServiceObject.values if c not in PERSONAL_OBJECTS]
    return [
        {"title": _("个人"), "tiles": tiles(list(PERSONAL_OBJECTS))},
        {"title": _("法人"), "tiles": tiles(corporate)},
    ]


def _active_filters(
    params: BrowseParams, region: VisitorRegion, departments: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """The filters in force, each with a link that removes it."""
    active: list[dict[str, str]] = []

    def add(label: str, value: str, name: str) -> None:
        active.append(
            {"label": label, "value": value, "remove_url": _link(region, params, **{name: ""})}
        )

    if params.theme_p:
        add(_("个人主题"), _label(NaturalPersonTheme, params.theme_p), "theme_p")
    if params.theme_c:
        add(_("法人主题"), _label(LegalPersonTheme, params.theme_c), "theme_c")
    if params.dept:
        name = next(
            (
                row["department__name"]
                for row in departments
                if str(row["department__public_id"]) == params.dept
            ),
            _("所选部门"),
        )
        add(_("部门"), name, "dept")
    if params.object:
        add(_("服务对象"), _label(ServiceObject, params.object), "object")
    if params.level:
        add(_("层级"), _label(ExerciseLevel, params.level), "level")
    if params.online:
        add(_("办理方式"), _("全程网办"), "online")
    if params.q:
        add(_("关键词"), params.q, "q")
    return active


def services(request: HttpRequest) -> HttpResponse:
    """办事服务: the visitor's region first, browse tabs, a filtered and paginated list."""
    region = visitor_region(request)
    params = _browse_params(request.GET)
    filters = ItemFilters(
        region=region.code,
        level=params.level,
        department=params.dept,
        person_theme=params.theme_p,
        corporate_theme=params.theme_c,
        service_object=params.object,
        channel="online" if params.online else "",
        q=params.q,
    )
    page, pagination = paginate(
        item_list_public(filters, order=ORDER_NEAREST), request, _query(region, params)
    )
    departments = department_counts(region=region.code)
    context: dict[str, Any] = {
        "region": region,
        "params": params,
        "page": page,
        "results": result_rows(page.object_list),
        "pagination": pagination,
        "active_filters": _active_filters(params, region, departments),
        "clear_url": _link(region, BrowseParams(tab=params.tab)),
        "hidden_params": [
            (k, v) for k, v in _query(region, params, q="").items() if k not in {"q", "online"}
        ],
        "query_max_length": QUERY_MAX_LENGTH,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "results" and not htmx.history_restore_request:
        return render(request, "portal/catalog/services.html#results", context)

    tab = params.tab
    context.update(
        {
            "tabs": [
                {
                    "key": key,
                    "label": label,
                    "url": _link(region, params, by=key),
                    "current": key == tab,
                }
                for key, label in TABS
            ],
            "picker": region_picker(region),
            "total_in_region": sum(row["n"] for row in departments),
        }
    )
    if tab == TAB_THEME:
        context["personal_themes"] = _theme_tiles(
            theme_counts(kind="theme_p", region=region.code),
            NaturalPersonTheme,
            "theme_p",
            region,
            params,
        )
        context["corporate_themes"] = _theme_tiles(
            theme_counts(kind="theme_c", region=region.code),
            LegalPersonTheme,
            "theme_c",
            region,
            params,
        )
    elif tab == TAB_DEPARTMENT:
        context["department_groups"] = _department_groups(departments, region, params)
    elif tab == TAB_OBJECT:
        context["object_groups"] = _object_groups(
            theme_counts(kind="object", region=region.code), region, params
        )
    else:
        context["level_tiles"] = _level_tiles(departments, region, params)
    return remember_region(render(request, "portal/catalog/services.html", context), region)


def theme_items(
    request: HttpRequest, audience: str, code: str
) -> tuple[VisitorRegion, list[ResultRow], int, str]:
    """The first page of a theme's services for the theme page, and the link to all of them."""
    region = visitor_region(request)
    personal = audience == ThemeAudience.PERSONAL
    filters = ItemFilters(
        region=region.code,
        person_theme=code if personal else "",
        corporate_theme="" if personal else code,
    )
    qs = item_list_public(filters, order=ORDER_NEAREST)
    page = Paginator(qs, PAGE_SIZE).get_page(1)
    params = BrowseParams(tab=TAB_THEME)
    more = reverse("portal:services") + _link(
        region, params, **({"theme_p": code} if personal else {"theme_c": code})
    )
    return region, result_rows(page.object_list), page.paginator.count, more


# --- /services/<code>/: the guide -------------------------------------------------------------


def _forms_text(material: Material) -> str:
    parts = []
    for form in material.forms:
        if form == "original":
            parts.append(
                _("原件%(n)s份") % {"n": material.original_copies}
                if material.original_copies
                else _("原件")
            )
        elif form == "copy":
            parts.append(_("复印件%(n)s份") % {"n": material.copy_copies})
        else:
            parts.append(_("电子材料"))
    return "、".join(parts)


def _material_rows(content: GuideContent) -> list[dict[str, Any]]:
    rows = []
    for index, material in enumerate(content.materials, start=1):
        rows.append(
            {
                "index": index,
                "name": material.name,
                "required": material.required,
                "condition": material.condition,
                "forms": _forms_text(material),
                "source": MATERIAL_SOURCES.get(material.source, material.source),
                "issuer": material.issuer,
                "specification": material.specification,
                "notes": material.notes,
                "legal_basis": material.legal_basis,
                "license_type_code": material.license_type_code,
                "data_resource_code": material.data_resource_code,
                "replaceable": material.replaceable,
                "is_key": material.is_key,
                "blank_form_url": _safe_url(material.blank_form_url),
                "sample_url": _safe_url(material.sample_url),
            }
        )
    return rows


def script_json(value: Any) -> SafeString:
    """JSON for use inside a <script> element, escaped like Django's json_script so no
    "</script>" in catalog text can end the element early."""
    text = (
        json.dumps(value, ensure_ascii=False)
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
    )
    return mark_safe(text)  # noqa: S308


def _jsonld(request: HttpRequest, item: Any, content: GuideContent) -> SafeString:
    version = item.published_version
    doc = public_service_jsonld(
        item=item,
        content=content,
        service_url=request.build_absolute_uri(service_url(item.code)),
        version=version.number,
        published_at=version.published_at,
    )
    return format_html('<script type="application/ld+json">{}</script>', script_json(doc))


def guide(request: HttpRequest, code: str) -> HttpResponse:
    """办事指南: everything needed to get it right the first time, printable."""
    try:
        if not ITEM_CODE.fullmatch(code):
            raise NotFound()
        item = item_get_public(code)
        content = item_guide(item)
    except NotFound:
        return render(request, "portal/catalog/guide_not_found.html", {"code": code}, status=404)
    materials = _material_rows(content)
    cross = content.cross_region
    context = {
        "item": item,
        "guide": content,
        "version": item.published_version,
        "item_type": _label(ItemType, content.item_type),
        "case_kind": _label(CaseKind, content.case_kind),
        "exercise_level": _label(ExerciseLevel, content.exercise_level),
        "legal_days": days_label(CaseKind.PROMISED, content.legal_days),
        "promised_days": days_label(content.case_kind, content.promised_days),
        "visits": visits_label(content.visits),
        "online_depth": [_label(OnlineDepth, c) for c in content.online_depth],
        "channels": [CHANNELS.get(c, c) for c in content.channels],
        "handling_forms": [_label(HandlingForm, c) for c in content.handling_forms],
        "service_objects": [_label(ServiceObject, c) for c in content.service_objects],
        "cross_region": {
            "scope": CROSS_REGION_SCOPES.get(cross.scope, cross.scope),
            "modes": [CROSS_REGION_MODES.get(m, m) for m in cross.modes],
        }
        if cross
        else None,
        "materials_required": [m for m in materials if m["required"]],
        "materials_conditional": [m for m in materials if not m["required"]],
        "materials_count": len(materials),
        "replaceable_count": sum(1 for m in materials if m["replaceable"]),
        "result_kind": {"license": _("证照"), "approval_document": _("批准文件")}.get(
            content.result.kind, _("其他")
        )
        if content.result
        else "",
        "jsonld": _jsonld(request, item, content),
        "progress_template": script_json(_("已准备 %(done)s / %(total)s 项材料")),
    }
    return render(request, "portal/catalog/guide.html", context)


# --- /bundles/: 一件事 --------------------------------------------------------------------------


def _stages(bundle: Any, resolved: dict[str, Any]) -> list[dict[str, Any]]:
    stages: dict[int, list[dict[str, Any]]] = {}
    for member in bundle.members.all():
        basic = member.basic_item
        item = resolved.get(basic.code)
        stages.setdefault(member.stage, []).append(
            {
                "name": basic.name,
                "note": member.note,
                "item": {
                    "url": service_url(item.code),
                    "name": item.name,
                    "region": item.region.name,
                    "days": days_label(item.case_kind, item.promised_days),
                    "visits": visits_label(item.visits),
                    "fully_online": item.fully_online,
                }
                if item is not None
                else None,
            }
        )
    return [
        {"number": i, "members": members, "parallel": len(members) > 1}
        for i, (_stage, members) in enumerate(sorted(stages.items()), start=1)
    ]


def bundles(request: HttpRequest) -> HttpResponse:
    audience = request.GET.get("audience", "")
    if audience not in ThemeAudience.values:
        audience = ""
    rows = []
    for bundle in bundle_list(audience=audience):
        members = list(bundle.members.all())
        rows.append(
            {
                "code": bundle.code,
                "name": bundle.name,
                "summary": bundle.summary,
                "audience": bundle.get_audience_display(),
                "is_national_key": bundle.is_national_key,
                "promised_days": bundle.promised_days,
                "member_count": len(members),
                "stage_count": len({m.stage for m in members}),
            }
        )
    audiences = [{"key": "", "label": _("全部"), "current": audience == ""}] + [
        {"key": choice.value, "label": choice.label, "current": audience == choice.value}
        for choice in ThemeAudience
    ]
    context = {"bundles": rows, "audience": audience, "audiences": audiences}
    return render(request, "portal/catalog/bundles.html", context)


def bundle(request: HttpRequest, code: str) -> HttpResponse:
    try:
        if len(code) > BUNDLE_CODE_MAX_LENGTH or "\x00" in code:
            raise NotFound()
        found = bundle_get(code)
    except NotFound as exc:
        raise Http404(_("没有这个“一件事”。")) from exc
    region = visitor_region(request)
    resolved = bundle_members_for_region(found, region.code)
    stages = _stages(found, resolved)
    members = [m for stage in stages for m in stage["members"]]
    definition = found.definition if isinstance(found.definition, dict) else {}
    offered = [m["item"] for m in members if m["item"]]
    context = {
        "bundle": found,
        "region": region,
        "stages": stages,
        "member_count": len(members),
        "missing_count": len(members) - len(offered),
        "shared_fields": [f for f in definition.get("shared_fields") or [] if isinstance(f, dict)],
        "shared_materials": [
            m for m in definition.get("shared_materials") or [] if isinstance(m, dict)
        ],
    }
    return remember_region(render(request, "portal/catalog/bundle.html", context), region)
