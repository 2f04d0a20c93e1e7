"""Public pages of the sharing app.

- /my/data-access/            right to know (知情权): which department read which of my data,
                              why and when (the exchange log rows under my ID number's index)
- /my/enterprises/data-access/  the same for the enterprises I am the legal representative of
                              (rows under each credit code's index)
- /open-data/                 the open-data catalog (数据开放), searchable
- /open-data/<code>/          one open resource: metadata, fields, downloads
- /open-data/<code>/download.<csv|jsonl>   streamed download
- /open-data/catalog.jsonld   the whole catalog as DCAT-AP JSON-LD (a stable URL for harvesters)
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from tongban.sharing import selectors
from tongban.sharing.opendata import FORMATS, catalog_jsonld, logged_download

PAGE_SIZE = 20


def _log_rows(logs: list[Any]) -> list[dict[str, Any]]:
    labels_of: dict[int, dict[str, str]] = {}
    rows = []
    for log in logs:
        if log.resource_id and log.resource_id not in labels_of:
            labels_of[log.resource_id] = dict(log.resource.fields.values_list("name", "label"))
        labels = labels_of.get(log.resource_id, {})
        rows.append(
            {
                "log": log,
                "who": log.consumer.name if log.consumer else log.consumer_label,
                "system": log.consumer_label,
                "resource": log.resource.name if log.resource else "",
                "provider": log.resource.provider.name if log.resource else "",
                "fields": [labels.get(f, f) for f in log.fields],
            }
        )
    return rows


@never_cache
@login_required
@require_GET
def data_access(request: HttpRequest) -> HttpResponse:
    rows = _log_rows(selectors.logs_about_me(request.user))
    has_id = bool(getattr(request.user, "id_number", ""))
    return render(
        request,
        "portal/sharing/data_access.html",
        {"account_section": "data_access", "rows": rows, "has_id": has_id},
    )


@never_cache
@login_required
@require_GET
def enterprise_data_access(request: HttpRequest) -> HttpResponse:
    """Right to know for the enterprises the user is the legal representative of."""
    enterprises = [
        {
            "legal_person": lp,
            "rows": _log_rows(selectors.logs_about_enterprise(request.user, lp)),
        }
        for lp in selectors.enterprises_represented_by(request.user)
    ]
    return render(
        request,
        "portal/sharing/enterprise_data_access.html",
        {"account_section": "enterprise_data_access", "enterprises": enterprises},
    )


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    page = Paginator(selectors.open_resources(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/sharing/open_list.html", {"page": page, "q": q})


@require_GET
def open_detail(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.open_resource(code)
    if resource is None:
        raise Http404(_("没有找到该开放数据。"))
    downloads = [
        {
            "fmt": fmt,
            "label": label,
            "url": reverse("portal:sharing-open-download", args=[code, fmt]),
        }
        for fmt, (label, _media) in FORMATS.items()
    ]
    return render(
        request,
        "portal/sharing/open_detail.html",
        {"resource": resource, "fields": list(resource.fields.all()), "downloads": downloads},
    )


@require_GET
def open_download(request: HttpRequest, code: str, fmt: str) -> StreamingHttpResponse:
    resource = selectors.open_resource(code)
    if resource is None or fmt not in FORMATS:
        raise Http404(_("没有找到该开放数据。"))
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8"
    actor = request.user if request.user.is_authenticated else None
    response = StreamingHttpResponse(
        logged_download(resource, fmt, actor=actor), content_type=media
    )
    response["Content-Disposition"] = f'attachment; filename="{resource.code}.{fmt}"'
    return response


@cache_control(public=True, max_age=600)
@require_GET
def open_catalog_jsonld(request: HttpRequest) -> HttpResponse:
    def url(name: str, kwargs: dict[str, Any]) -> str:
        return request.build_absolute_uri(reverse(f"portal:{name}", kwargs=kwargs))

    document = catalog_jsonld(
        list(selectors.open_resources()),
        title=_("%(platform)s开放数据目录") % {"platform": settings.TONGBAN_PLATFORM_NAME},
        publisher=settings.TONGBAN_PLATFORM_NAME,
        catalog_url=request.build_absolute_uri(reverse("portal:sharing-open-catalog")),
        homepage=request.build_absolute_uri(reverse("portal:sharing-open-data")),
        url=url,
    )
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/ld+json; charset=utf-8",
    )
