"""The consumer-facing exchange API, /exchange/v1/ (a NinjaAPI of its own: other systems, not
our front ends, call it, with their own credentials and error contract).

Authentication: OAuth 2.0 client credentials (RFC 6749 §4.4). POST /exchange/v1/token with
`grant_type=client_credentials` and the app's `client_id`/`client_secret` (HTTP Basic or form
fields) returns a bearer token valid for 10 minutes; send it as `Authorization: Bearer …`.

Every answer that is not a success is `application/problem+json`
`{"status", "code", "message", "fields"}`; a refusal never says whether a subject exists or what
another app may read (stable codes: invalid_client, unauthenticated, no_grant, rate_limited,
quota_exceeded, not_lookup, not_verification, validation_failed, source_unavailable).
"""

from __future__ import annotations

import base64
import binascii
import logging
import urllib.parse
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from tongban.core.errors import DomainError, NotFound
from tongban.sharing import selectors, services
from tongban.sharing.bulk import inbox_path
from tongban.sharing.models import BulkJob, BulkStatus, ConsumerApp

logger = logging.getLogger("tongban.sharing.exchange")
PROBLEM_JSON = "application/problem+json"


class AppBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ConsumerApp | None:
        app = services.app_for_token(token)
        if app is not None:
            request.sharing_app = app  # type: ignore[attr-defined]
        return app


exchange_api = NinjaAPI(
    title="Tongban 数据共享交换接口",
    version="1",
    description=(
        "供政务部门应用系统调用：OAuth 2.0 客户端凭证获取令牌，按授权查询数据、调用核验服务、"
        "下载批量交换文件。每次调用均记录日志并告知数据主体。"
    ),
    urls_namespace="exchange-v1",
    auth=AppBearer(),
)


def _problem(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body = {"status": status, "code": code, "message": message, "fields": fields or []}
    body.update(extra or {})
    response = exchange_api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_JSON
    response["Cache-Control"] = "no-store"
    return response


@exchange_api.exception_handler(DomainError)
def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _problem(
        request,
        status=exc.status,
        code=exc.code,
        message=str(exc.message),
        fields=[{"field": f.field, "message": str(f.message)} for f in exc.fields],
        # OAuth clients read `error` from the token endpoint (RFC 6749 §5.2).
        extra={"error": exc.code} if exc.code == "invalid_client" else None,
    )
    if exc.status == 429:
        response["Retry-After"] = "60"
    if exc.code == "invalid_client":
        response["WWW-Authenticate"] = 'Basic realm="tongban-exchange"'
    return response


@exchange_api.exception_handler(AuthenticationError)
def _on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _problem(
        request,
        status=401,
        code="unauthenticated",
        message=_("缺少或无效的访问令牌：请先用客户端凭证换取令牌，令牌有效期 10 分钟。"),
    )
    response["WWW-Authenticate"] = 'Bearer realm="tongban-exchange", error="invalid_token"'
    return response


@exchange_api.exception_handler(NinjaValidationError)
def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = []
    for error in exc.errors:
        loc = [
            str(p) for p in error.get("loc", []) if p not in ("body", "query", "path", "payload")
        ]
        fields.append({"field": ".".join(loc) or "__all__", "message": _("格式不正确或缺少此项。")})
    return _problem(
        request,
        status=422,
        code="validation_failed",
        message=_("提交的内容有误，请按提示修改。"),
        fields=fields,
    )


@exchange_api.exception_handler(Exception)
def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("exchange.unhandled_error", extra={"path": request.path}, exc_info=exc)
    return _problem(
        request, status=500, code="server_error", message=_("服务暂时不可用，请稍后重试。")
    )


# --- token ---------------------------------------------------------------------------------------


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _sep, secret = decoded.partition(":")
        return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@exchange_api.post("/token", auth=None, response=TokenOut, summary="客户端凭证换取访问令牌")
def token(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    response["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response["Pragma"] = "no-cache"
    if request.POST.get("grant_type") != "client_credentials":
        raise DomainError(
            message=_("grant_type 必须是 client_credentials。"),
            code="unsupported_grant_type",
            status=400,
        )
    client_id, secret = _client_credentials(request)
    if not client_id or not secret:
        raise services.InvalidClient()
    raw, expires_in = services.token_issue(client_id=client_id, client_secret=secret)
    return {"access_token": raw, "token_type": "Bearer", "expires_in": expires_in}


# --- grants, look-up, verification --------------------------------------------------------------


class GrantOut(Schema):
    resource: str
    name: str
    provider: str
    fields: list[str]
    purpose: str
    valid_until: str


@exchange_api.get("/grants", response=list[GrantOut], summary="本系统当前有效的共享授权")
def grants(request: HttpRequest) -> list[dict[str, Any]]:
    app: ConsumerApp = request.auth  # type: ignore[attr-defined]
    return [
        {
            "resource": g.resource.code,
            "name": g.resource.name,
            "provider": g.resource.provider.name,
            "fields": g.fields,
            "purpose": g.purpose,
            "valid_until": g.valid_until.isoformat(),
        }
        for g in selectors.grants_for_app_active(app)
    ]


class LookupIn(Schema):
    resource: str
    key: str
    reason: str


class LookupOut(Schema):
    resource: str
    found: bool
    fields: dict[str, Any]
    provider: str
    log_id: str


@exchange_api.post("/lookup", response=LookupOut, summary="按标识查询（只返回授权的信息项）")
def lookup(request: HttpRequest, payload: LookupIn, response: HttpResponse) -> dict[str, Any]:
    response["Cache-Control"] = "no-store"  # personal data: no shared or browser caches
    return services.exchange_lookup(
        app=request.auth,  # type: ignore[attr-defined]
        resource_code=payload.resource,
        key=payload.key,
        reason=payload.reason,
    )


class VerifyIn(Schema):
    reason: str
    name: str = ""
    id_number: str = ""
    credit_code: str = ""


class VerifyOut(Schema):
    resource: str
    result: str  # "consistent" | "inconsistent"


@exchange_api.post("/verify/{code}", response=VerifyOut, summary="核验服务（只答一致或不一致）")
def verify(
    request: HttpRequest, code: str, payload: VerifyIn, response: HttpResponse
) -> dict[str, Any]:
    response["Cache-Control"] = "no-store"
    ok = services.exchange_verify(
        app=request.auth,  # type: ignore[attr-defined]
        resource_code=code,
        payload=payload.dict(exclude={"reason"}),
        reason=payload.reason,
    )
    return {"resource": code, "result": "consistent" if ok else "inconsistent"}


# --- bulk files ---------------------------------------------------------------------------------


def _job_for(app: ConsumerApp, job_id: str) -> BulkJob:
    job = (
        BulkJob.objects.select_related("resource")
        .filter(public_id=job_id, consumer=app.department)
        .first()
    )
    if job is None:
        raise NotFound()
    return job


class BulkManifestOut(Schema):
    job: str
    resource: str
    status: str
    format: str
    fields: list[str]
    rows: int
    total_rows: int
    sm3: str


@exchange_api.get("/bulk/{job_id}", response=BulkManifestOut, summary="批量交换任务清单")
def bulk_manifest(request: HttpRequest, job_id: str) -> dict[str, Any]:
    job = _job_for(request.auth, job_id)  # type: ignore[arg-type]
    return {
        "job": str(job.public_id),
        "resource": job.resource.code,
        "status": job.status,
        "format": job.format,
        "fields": job.fields,
        "rows": job.rows_done,
        "total_rows": job.total_rows,
        "sm3": job.checksum,
    }


@exchange_api.get("/bulk/{job_id}/file", summary="下载批量交换文件（附 SM3 与行数）")
def bulk_file(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job_for(request.auth, job_id)  # type: ignore[arg-type]
    path = inbox_path(job)
    if job.status != BulkStatus.VERIFIED or not path.exists():
        raise DomainError(
            message=_("文件尚未导出完成或未通过到达校验，请稍后再试。"),
            code="not_ready",
            status=409,
        )
    content_type = "text/csv" if job.format == "csv" else "application/jsonl"
    response = FileResponse(path.open("rb"), content_type=f"{content_type}; charset=utf-8")
    response["X-Content-SM3"] = job.checksum
    response["X-Row-Count"] = str(job.rows_done)
    response["Content-Disposition"] = f'attachment; filename="{job.resource.code}.{job.format}"'
    return response
