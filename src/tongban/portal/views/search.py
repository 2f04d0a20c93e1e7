"""Service search (事项搜索): one box for everything registered with unified search, results grouped
by type, the county implementations of one matter collapsed into one result (the visitor's own
region first, the others one click away), "did you mean", suggestions as you type (an htmx
partial filling a <datalist>, so it works with the keyboard and screen readers), and click
counting for the catalog admins' low-click report. Reads go through tongban.search.selectors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tongban.core.codes import ExerciseLevel
from tongban.core.errors import NotFound
from tongban.portal.views.catalog import VisitorRegion, remember_region, visitor_region
from tongban.search import registry
from tongban.search.selectors import SearchFilters, document_get, group_members, suggest
from tongban.search.selectors import search as run_search
from tongban.search.services import click_record, query_record

QUERY_MAX_LENGTH = 100
GROUP_MAX_LENGTH = 64
OBJECTS = (("1", gettext_lazy("个人办事")), ("2", gettext_lazy("法人办事")))


def _clean(value: str, limit: int) -> str:
    return " ".join(value.replace("\x00", "").split())[:limit]


def _region(request: HttpRequest) -> VisitorRegion:
    """?region=, else the signed-in user's home region (常住地), else the visitor's cookie or
    the deployment's home region."""
    if not request.GET.get("region"):
        user = request.user
        home = getattr(user, "region_id", None) if user.is_authenticated else None
        if home and not request.COOKIES.get("tb_region"):
            return VisitorRegion(code=home, name=getattr(user.region, "name", ""))
    return visitor_region(request)


def _link(params: dict[str, str], **changes: str) -> str:
    values = {**params, **changes}
    return "?" + urlencode({k: v for k, v in values.items() if v})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = _clean(request.GET.get("q", ""), QUERY_MAX_LENGTH)
    group = _clean(request.GET.get("group", ""), GROUP_MAX_LENGTH)
    region = _region(request)
    if group:
        return _group_page(request, query, group, region)
    sections = registry.sections()
    section_keys = {s.key for s in sections}
    wanted_type = request.GET.get("type", "")
    wanted_type = wanted_type if wanted_type in section_keys else ""
    level = request.GET.get("level", "")
    level = level if level in ExerciseLevel.values else ""
    service_object = request.GET.get("object", "")
    service_object = service_object if service_object in dict(OBJECTS) else ""
    online = request.GET.get("online") == "1"
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    params = {
        "q": query,
        "type": wanted_type,
        "level": level,
        "object": service_object,
        "online": "1" if online else "",
    }
    page = None
    if query:
        page = run_search(
            q=query,
            region=region.code,
            types=[wanted_type] if wanted_type else [],
            filters=SearchFilters(level=level, object=service_object, online=online),
            page=page_number,
        )
        if page_number == 1:
            query_record(query=page.plan.normalized, total=page.total)
    tabs = [{"label": _("全部"), "url": _link(params, type=""), "current": not wanted_type}]
    tabs += [
        {"label": s.label, "url": _link(params, type=s.key), "current": wanted_type == s.key}
        for s in sections
    ]
    context: dict[str, Any] = {
        "query": query,
        "query_max_length": QUERY_MAX_LENGTH,
        "page": page,
        "region": region,
        "tabs": tabs,
        "params": params,
        "levels": [(c.value, c.label) for c in ExerciseLevel if c.value != "1"],
        "objects": OBJECTS,
        "results": _rows(page, params) if page else [],
        "previous_url": _link(params, page=str(page.page - 1)) if page and page.page > 1 else "",
        "next_url": _link(params, page=str(page.page + 1))
        if page and page.page < page.pages
        else "",
        "corrected_url": _link(params, q=page.plan.corrected) if page and page.corrected else "",
        "suggestion_url": _link(params, q=page.suggestion) if page and page.suggestion else "",
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "search-results" and not htmx.history_restore_request:
        return render(request, "portal/search.html#results", context)
    return remember_region(render(request, "portal/search.html", context), region)


def _rows(page: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    """Hits grouped by section, in the registry's order."""
    out = []
    for section in page.sections():
        rows = []
        for hit in section.hits:
            go = reverse("portal:search-go", args=[hit.doc.pk])
            rows.append(
                {
                    "hit": hit,
                    "url": go + "?" + urlencode({"q": page.plan.normalized}),
                    "others_url": _link(params, group=hit.doc.group_key, page="")
                    if hit.others
                    else "",
                }
            )
        out.append({"key": section.key, "label": section.label, "rows": rows})
    return out


def _group_page(
    request: HttpRequest, query: str, group: str, region: VisitorRegion
) -> HttpResponse:
    head, members = group_members(group_key=group, region=region.code)
    if head is None and not members:
        raise Http404
    context = {
        "query": query,
        "query_max_length": QUERY_MAX_LENGTH,
        "head": head,
        "members": members,
        "region": region,
        "back_url": _link({"q": query}) if query else "",
    }
    return render(request, "portal/search/group.html", context)


@require_GET
def search_go(request: HttpRequest, doc_id: int) -> HttpResponse:
    """Count a click on a result, then go to it. Only a document's own site path is followed."""
    try:
        doc = document_get(doc_id)
    except NotFound as exc:
        raise Http404 from exc
    if not doc.url.startswith("/") or doc.url.startswith(("//", "/\\")):
        raise Http404
    query = _clean(request.GET.get("q", ""), QUERY_MAX_LENGTH)
    if query:
        click_record(query=query)
    return HttpResponseRedirect(doc.url)


@require_GET
def search_suggest(request: HttpRequest) -> HttpResponse:
    """<option>s for the search box's datalist (htmx, as the visitor types)."""
    query = _clean(request.GET.get("q", ""), 50)
    items = suggest(query) if query else []
    return render(request, "portal/search/_suggest.html", {"suggestions": items})
