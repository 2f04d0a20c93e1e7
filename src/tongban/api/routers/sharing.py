"""/api/v1/sharing: the resource catalog (政务信息资源目录), sharing requests and answers, and
provider usage statistics. The consumer-facing exchange itself (tokens, look-ups, verification,
bulk files) is a separate API at /exchange/v1/ (tongban.sharing.exchange_api).

The catalog is metadata: staff see every published resource; anyone else sees the open ones.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from tongban.api.auth import BearerTokenAuth, SessionAuthOptional
from tongban.core.context_processors import is_staff_user
from tongban.core.errors import NotFound, PermissionDenied
from tongban.core.models import Department
from tongban.sharing import permissions, selectors, services
from tongban.sharing.models import DataResource, OpenType, SharingRequest

router = Router(tags=["sharing"])


def _anyone(request: HttpRequest) -> str:
    return "anonymous"


# The catalog is readable without signing in (open resources only); a token or a session shows more.
CATALOG_AUTH = [BearerTokenAuth(), SessionAuthOptional(), _anyone]


class ProblemOut(Schema):
    status: int
    code: str
    message: str
    fields: list[dict[str, str]]


ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


class FieldOut(Schema):
    name: str
    label: str
    data_type: str
    sensitivity: str


class ResourceOut(Schema):
    code: str
    name: str
    summary: str
    provider: str
    provider_code: str
    category: str
    base_registry: str
    share_type: str
    share_condition: str
    open_type: str
    update_frequency: str
    format: str
    legal_basis: str
    key_kind: str
    verifier: str
    published_on: date | None
    fields: list[FieldOut]


def _resource_out(r: DataResource) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "summary": r.summary,
        "provider": r.provider.name,
        "provider_code": r.provider.credit_code,
        "category": r.category,
        "base_registry": r.base_registry,
        "share_type": r.share_type,
        "share_condition": r.share_condition,
        "open_type": r.open_type,
        "update_frequency": r.update_frequency,
        "format": r.format,
        "legal_basis": r.legal_basis,
        "key_kind": r.key_kind,
        "verifier": r.verifier,
        "published_on": r.published_on,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "data_type": f.data_type,
                "sensitivity": f.sensitivity,
            }
            for f in r.fields.all()
        ],
    }


class ResourceFilter(Schema):
    q: str = ""
    share_type: str = ""
    base_registry: str = ""
    limit: int = 100
    offset: int = 0


@router.get("/resources", response={200: list[ResourceOut], **ERRORS}, auth=CATALOG_AUTH)
def resource_list(request: HttpRequest, filters: Query[ResourceFilter]) -> list[dict[str, Any]]:
    qs = selectors.resource_catalog(
        q=filters.q, share_type=filters.share_type, base_registry=filters.base_registry
    )
    if not is_staff_user(request.user):
        qs = qs.filter(open_type=OpenType.OPEN)
    limit = max(1, min(filters.limit, 500))
    offset = max(0, filters.offset)
    return [_resource_out(r) for r in qs[offset : offset + limit]]


@router.get("/resources/{code}", response={200: ResourceOut, **ERRORS}, auth=CATALOG_AUTH)
def resource_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    resource = selectors.resource_get(code)
    if resource is None or (
        not is_staff_user(request.user) and resource.open_type != OpenType.OPEN
    ):
        raise NotFound()
    return _resource_out(resource)


class RequestIn(Schema):
    resource: str
    consumer_department: int
    system_name: str
    purpose: str
    legal_basis: str
    fields: list[str]
    valid_from: date
    valid_until: date


class RequestOut(Schema):
    id: UUID
    resource: str
    resource_name: str
    provider: str
    consumer: str
    system_name: str
    purpose: str
    legal_basis: str
    fields: list[str]
    approved_fields: list[str]
    valid_from: date
    valid_until: date
    status: str
    reply: str
    client_id: str


def _request_out(req: SharingRequest) -> dict[str, Any]:
    return {
        "id": req.public_id,
        "resource": req.resource.code,
        "resource_name": req.resource.name,
        "provider": req.resource.provider.name,
        "consumer": req.consumer.name,
        "system_name": req.system_name,
        "purpose": req.purpose,
        "legal_basis": req.legal_basis,
        "fields": req.fields,
        "approved_fields": req.approved_fields,
        "valid_from": req.valid_from,
        "valid_until": req.valid_until,
        "status": req.status,
        "reply": req.reply,
        "client_id": req.app.client_id if req.app_id else "",
    }


def _staff(request: HttpRequest) -> Any:
    user = request.auth if getattr(request, "auth", None) is not None else request.user
    if not is_staff_user(user) or not permissions.may_use_sharing(user):
        raise PermissionDenied()
    return user


@router.get("/requests", response={200: list[RequestOut], **ERRORS})
def request_list(request: HttpRequest, side: str = "provider", status: str = "") -> list[dict]:
    user = _staff(request)
    qs = (
        selectors.requests_to_answer(user, status=status)
        if side == "provider"
        else selectors.requests_made(user, status=status)
    )
    return [_request_out(r) for r in qs.select_related("app")[:200]]


@router.post("/requests", response={201: RequestOut, **ERRORS})
def request_create(request: HttpRequest, payload: RequestIn) -> Status:
    user = _staff(request)
    resource = selectors.resource_get(payload.resource)
    consumer = Department.objects.filter(pk=payload.consumer_department).first()
    if resource is None or consumer is None:
        raise NotFound()
    req = services.request_submit(
        actor=user,
        resource=resource,
        consumer=consumer,
        system_name=payload.system_name,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        fields=payload.fields,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, _request_out(req))


class DecisionIn(Schema):
    decision: str  # approve | refuse | ask
    fields: list[str] | None = None
    reply: str = ""


@router.post("/requests/{request_id}/decision", response={200: RequestOut, **ERRORS})
def request_decision(request: HttpRequest, request_id: str, payload: DecisionIn) -> dict:
    user = _staff(request)
    req = permissions.access_request_by_id(user, request_id)
    req = services.request_decide(
        actor=user,
        request=req,
        decision=payload.decision,
        fields=payload.fields,
        reply=payload.reply,
    )
    return _request_out(req)


class UsageOut(Schema):
    resource: str
    name: str
    calls: int
    refused: int
    records: int
    bytes: int
    consumers: int
    downloads: int


@router.get("/usage", response={200: list[UsageOut], **ERRORS})
def usage(request: HttpRequest) -> list[dict[str, Any]]:
    """Calls, records and bytes exchanged per resource of the caller's departments (30 days)."""
    user = _staff(request)
    return [
        {
            "resource": u.resource_code,
            "name": u.resource_name,
            "calls": u.calls,
            "refused": u.refused,
            "records": u.records,
            "bytes": u.bytes,
            "consumers": u.consumers,
            "downloads": u.downloads,
        }
        for u in selectors.usage_for_provider(user)
    ]
