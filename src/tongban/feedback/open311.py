"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2/), in the spec's
JSON and XML formats, so that existing Open311 clients and apps work unchanged:

- GET  services.{fmt}                 the request types (the six 12345 types)
- GET  services/{service_code}.{fmt}  their attributes (region, urgency, category, matter)
- POST requests.{fmt}                 create a request (api_key issued with `open311 key create`)
- GET  requests.{fmt}                 search: service_request_id, service_code, start_date,
                                      end_date (≤ 90 days, default the last 90), status
- GET  requests/{id}.{fmt}            one request
- GET  discovery.{fmt}                the service discovery document
                                      (http://wiki.open311.org/Service_Discovery/)
- jurisdiction_id is accepted everywhere: empty, the configured id, or a region code (it then
  narrows searches to that region and is the default location of new requests).

Errors follow the spec: `[{"code": 400, "description": "…"}]` / `<errors><error>…`, with the
same HTTP status. What is public: a request's type, status, the department's reply, dates and
the region; never the caller. A description is shown only for requests submitted through
Open311 (submitters are told so in the service description), and reports (举报) are never listed.
Requests are tickets of the 12345 desk (channel "open311"): the desk dispatches them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tongban.catalog.selectors import item_get_public
from tongban.core.errors import DomainError, NotFound
from tongban.core.models import Region
from tongban.core.workdays import CHINA_TZ
from tongban.feedback.conf import rules
from tongban.feedback.models import Ticket, TicketChannel, TicketStatus, TicketType, Urgency
from tongban.feedback.services import CATEGORIES, open311_key_authenticate, ticket_create

FORMATS = ("json", "xml")
MIME_TYPES = ("text/xml", "application/json")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Sortable; clients refresh their cached service list and definitions when it changes, so bump
# it with any change to SERVICE_TEXT, _attributes(), CATEGORIES or the urgency levels.
SERVICES_CHANGESET = "2026-11-22 00:00"
MAX_RANGE = timedelta(days=90)
MAX_RESULTS = 1000

SERVICE_TEXT: dict[str, tuple[str, str, list[str]]] = {
    TicketType.CONSULT: (
        "咨询",
        "政策、办事流程等咨询。提交的描述会在 Open311 接口中公开，请勿填写个人信息。",
        ["咨询", "政策", "办事"],
    ),
    TicketType.HELP: (
        "求助",
        "生活中遇到困难需要政府部门帮助。提交的描述会公开，请勿填写个人信息。",
        ["求助", "困难"],
    ),
    TicketType.COMPLAINT: (
        "投诉",
        "对政府部门、公共服务或市场主体的投诉。提交的描述会公开，请勿填写个人信息。",
        ["投诉", "噪音", "环境"],
    ),
    TicketType.REPORT: (
        "举报",
        "违法违规行为举报。举报内容和举报人信息不公开。",
        ["举报", "违法"],
    ),
    TicketType.SUGGESTION: (
        "建议",
        "对政府工作和公共服务的意见建议。提交的描述会公开，请勿填写个人信息。",
        ["建议", "意见"],
    ),
    TicketType.PRAISE: (
        "表扬",
        "对工作人员或部门的表扬。提交的描述会公开，请勿填写个人信息。",
        ["表扬", "感谢"],
    ),
}


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


# --- Rendering ----------------------------------------------------------------------------------


def _w3c(value: datetime | None) -> str | None:
    return value.astimezone(CHINA_TZ).isoformat(timespec="seconds") if value else None


def _xml_value(parent: ET.Element, name: str, value: Any, item_names: dict[str, str]) -> None:
    element = ET.SubElement(parent, name)
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner, item_names)
    elif isinstance(value, list):
        child = item_names.get(name)
        if child is None:  # a list of words (keywords): comma separated, as the spec shows
            element.text = ",".join(str(v) for v in value)
        else:
            for inner in value:
                _xml_value(element, child, inner, item_names)
    else:
        element.text = str(value)


# Names of the repeated child of each XML list element, as in the spec's examples.
XML_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _render(fmt: str, root: str, payload: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(payload, list):
            element = ET.Element(root)
            for item in payload:
                _xml_value(element, XML_ITEMS[root], item, XML_ITEMS)
        else:
            element = ET.Element(root)
            for key, value in payload.items():
                _xml_value(element, key, value, XML_ITEMS)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": code, "description": description}], status=code)


def open311_view(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """Format check, jurisdiction, and errors in the spec's format."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _error("json", 404, "format must be json or xml")
        try:
            jurisdiction = _jurisdiction(request)
            return view(request, *args, fmt=fmt, jurisdiction=jurisdiction, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.code, exc.description)
        except NotFound as exc:
            return _error(fmt, 404, exc.message)
        except DomainError as exc:
            detail = "; ".join(f"{p.field}: {p.message}" for p in exc.fields)
            return _error(fmt, 400, f"{exc.message} {detail}".strip())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _param(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


def _jurisdiction(request: HttpRequest) -> Region | None:
    value = _param(request, "jurisdiction_id")
    if not value or value == rules().open311_jurisdiction:
        return None
    region = Region.objects.filter(code=value).first() if value.isdigit() else None
    if region is None:
        raise Open311Error(404, f"jurisdiction_id not found: {value}")
    return region


# --- Services -----------------------------------------------------------------------------------


def _service(code: str) -> dict[str, Any]:
    name, description, keywords = SERVICE_TEXT[code]
    return {
        "service_code": code,
        "service_name": name,
        "description": description,
        "metadata": True,
        "type": "batch",
        "keywords": keywords,
        "group": "12345",
    }


def _attributes() -> list[dict[str, Any]]:
    return [
        {
            "variable": True,
            "code": "region_code",
            "datatype": "string",
            "required": False,
            "datatype_description": "诉求发生地的行政区划代码（6、9或12位），未填时取 address_id 或 jurisdiction_id",
            "order": 1,
            "description": "行政区划代码",
        },
        {
            "variable": True,
            "code": "urgency",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "默认一般",
            "order": 2,
            "description": "紧急程度",
            "values": [{"key": v, "name": str(label)} for v, label in Urgency.choices],
        },
        {
            "variable": True,
            "code": "category",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": 3,
            "description": "诉求分类",
            "values": [{"key": c, "name": c} for c in CATEGORIES],
        },
        {
            "variable": True,
            "code": "item_code",
            "datatype": "string",
            "required": False,
            "datatype_description": "所涉政务服务事项的实施编码（可在办事指南页面查到）",
            "order": 4,
            "description": "涉及事项",
        },
    ]


@require_GET
@open311_view
def service_list(request: HttpRequest, *, fmt: str, jurisdiction: Region | None) -> HttpResponse:
    return _render(fmt, "services", [_service(code) for code in TicketType.values])


@require_GET
@open311_view
def service_definition(
    request: HttpRequest, code: str, *, fmt: str, jurisdiction: Region | None
) -> HttpResponse:
    if code not in TicketType.values:
        raise Open311Error(404, f"service_code not found: {code}")
    return _render(fmt, "service_definition", {"service_code": code, "attributes": _attributes()})


# --- Requests -----------------------------------------------------------------------------------


def _open311_status(ticket: Ticket) -> str:
    return "closed" if ticket.status in (TicketStatus.REPLIED, TicketStatus.CLOSED) else "open"


def _request_out(ticket: Ticket) -> dict[str, Any]:
    public_description = (
        ticket.channel == TicketChannel.OPEN311 and ticket.type != TicketType.REPORT
    )
    return {
        "service_request_id": ticket.number,
        "status": _open311_status(ticket),
        "status_notes": ticket.reply or None,
        "service_name": SERVICE_TEXT[ticket.type][0],
        "service_code": ticket.type,
        "description": ticket.content if public_description else None,
        "agency_responsible": ticket.department.name if ticket.department else None,
        "service_notice": None,
        "requested_datetime": _w3c(ticket.created_at),
        "updated_datetime": _w3c(ticket.updated_at),
        "expected_datetime": _w3c(ticket.due_at),
        "address": ticket.region.full_name or ticket.region.name,
        "address_id": ticket.region_id,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _parse_date(name: str, value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(
            400, f"{name} must be a w3c datetime, e.g. 2026-01-01T00:00:00Z"
        ) from exc
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed


def _public_tickets() -> Any:
    return Ticket.objects.exclude(type=TicketType.REPORT).select_related("region", "department")


def _search(request: HttpRequest, jurisdiction: Region | None) -> list[Ticket]:
    qs = _public_tickets()
    if jurisdiction is not None:
        qs = qs.filter(region__pk__startswith=jurisdiction.prefix)
    ids = [v.strip() for v in _param(request, "service_request_id").split(",") if v.strip()]
    if ids:
        # The spec: service_request_id overrides every other parameter.
        return list(qs.filter(number__in=ids[:MAX_RESULTS]).order_by("-created_at"))
    codes = [v.strip() for v in _param(request, "service_code").split(",") if v.strip()]
    unknown = [c for c in codes if c not in TicketType.values or c == TicketType.REPORT]
    if unknown:
        raise Open311Error(400, f"service_code not found: {','.join(unknown)}")
    start = _parse_date("start_date", _param(request, "start_date"))
    end = _parse_date("end_date", _param(request, "end_date"))
    if start and end and end - start > MAX_RANGE:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - MAX_RANGE
    elif start is None:
        start = end - MAX_RANGE
    elif end is None:
        end = start + MAX_RANGE
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    if codes:
        qs = qs.filter(type__in=codes)
    statuses = {v.strip() for v in _param(request, "status").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=(TicketStatus.REPLIED, TicketStatus.CLOSED))
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=(TicketStatus.REPLIED, TicketStatus.CLOSED))
    return list(qs.order_by("-created_at")[:MAX_RESULTS])


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311_view
def requests_view(request: HttpRequest, *, fmt: str, jurisdiction: Region | None) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt=fmt, jurisdiction=jurisdiction)
    return _render(
        fmt, "service_requests", [_request_out(t) for t in _search(request, jurisdiction)]
    )


@require_GET
@open311_view
def request_detail(
    request: HttpRequest, number: str, *, fmt: str, jurisdiction: Region | None
) -> HttpResponse:
    qs = _public_tickets().filter(number=number)
    if jurisdiction is not None:
        qs = qs.filter(region__pk__startswith=jurisdiction.prefix)
    ticket = qs.first()
    if ticket is None:
        raise Open311Error(404, f"service_request_id not found: {number}")
    return _render(fmt, "service_requests", [_request_out(ticket)])


def _attribute(request: HttpRequest, code: str) -> str:
    return (request.POST.get(f"attribute[{code}]") or "").strip()


def _create(request: HttpRequest, *, fmt: str, jurisdiction: Region | None) -> HttpResponse:
    key = open311_key_authenticate(_param(request, "api_key"))
    if key is None:
        raise Open311Error(403, "api_key is missing or invalid")
    code = _param(request, "service_code")
    if code not in TicketType.values:
        raise Open311Error(400, "service_code is missing or not found")
    description = _param(request, "description")
    if not description:
        raise Open311Error(400, "description is required: 请写明诉求的具体内容")
    region_code = _attribute(request, "region_code") or _param(request, "address_id")
    if region_code:
        region = Region.objects.filter(code=region_code, is_current=True).first()
        if region is None:
            raise Open311Error(
                400, f"region_code / address_id is not a current region code: {region_code}"
            )
    elif jurisdiction is not None:
        region = jurisdiction
    else:
        raise Open311Error(
            400,
            "a location is required: attribute[region_code] or address_id (行政区划代码), "
            "or a region code as jurisdiction_id",
        )
    urgency = _attribute(request, "urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise Open311Error(400, "attribute[urgency] must be normal, urgent or critical")
    category = _attribute(request, "category")
    if category and category not in CATEGORIES:
        raise Open311Error(400, "attribute[category] is not one of the listed values")
    item_code = _attribute(request, "item_code")
    if item_code:
        try:
            item_get_public(item_code)
        except NotFound as exc:
            raise Open311Error(400, f"attribute[item_code] not found: {item_code}") from exc
    name = (_param(request, "last_name") + _param(request, "first_name")).strip()
    address = _param(request, "address_string")
    title = description.splitlines()[0][:40]
    ticket = ticket_create(
        actor=None,
        ticket_type=code,
        channel=TicketChannel.OPEN311,
        title=title,
        content=description,
        region=region,
        caller_name=name,
        caller_phone=_param(request, "phone"),
        urgency=urgency,
        category=category,
        address=address,
        item_code=item_code.upper(),
        open311_key=key,
    )
    notice = "已受理，12345热线将在办理时限内派单处理并答复。"
    return _render(
        fmt,
        "service_requests",
        [{"service_request_id": ticket.number, "service_notice": notice, "account_id": None}],
    )


@require_GET
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """The service discovery document: read-only, the same for every jurisdiction."""
    if fmt not in FORMATS:
        return _error("json", 404, "format must be json or xml")
    config = rules()
    services_url = reverse("open311-services", kwargs={"fmt": "json"})
    contact = config.open311_contact or (
        f"{settings.TONGBAN_PLATFORM_NAME}：政务服务便民热线 12345（7×24小时）。"
        "接口问题请联系平台管理员。"
    )
    key_service = config.open311_key_service or (
        "提交诉求（POST requests）需要 api_key：由平台管理员为每个应用签发，"
        "请向平台管理员申请；查询服务和诉求无需 api_key。"
    )
    payload = {
        "changeset": SERVICES_CHANGESET,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(services_url).rsplit("/", 1)[0],
                "changeset": SERVICES_CHANGESET,
                "type": config.open311_endpoint_type,
                "formats": list(MIME_TYPES),
            }
        ],
    }
    return _render(fmt, "discovery", payload)


FMT = r"(?P<fmt>[a-z]+)"

urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", discovery, name="open311-discovery"),
    re_path(rf"^services\.{FMT}$", service_list, name="open311-services"),
    re_path(rf"^services/(?P<code>[\w-]+)\.{FMT}$", service_definition, name="open311-service"),
    re_path(rf"^requests\.{FMT}$", requests_view, name="open311-requests"),
    re_path(rf"^requests/(?P<number>[\w-]+)\.{FMT}$", request_detail, name="open311-request"),
]
