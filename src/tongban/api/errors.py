"""One mapping from errors to the API's error body (STYLE.md rule 14).

Every error leaves as `application/problem+json`:
`{"status": 422, "code": "validation_failed", "message": "中文说明", "fields": [{"field": "...", "message": "..."}]}`
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from tongban.core.errors import DomainError
from tongban.core.services.alerts import record_calendar_unavailable
from tongban.core.workdays import CalendarUnavailable

logger = logging.getLogger("tongban.api")
PROBLEM_JSON = "application/problem+json"


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": message,
        "fields": fields or [],
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


def _loc_to_field(loc: list[Any]) -> str:
    # ninja locations start with where the value came from ("query", "body", "path").
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header", "payload")]
    return ".".join(parts) or "__all__"


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("此项为必填项。")
    if kind.startswith("int_") or kind == "int_parsing":
        return _("请输入整数。")
    if kind.startswith("date"):
        return _("请输入有效日期，格式为 YYYY-MM-DD。")
    if kind.startswith("string_too_long"):
        return _("内容过长。")
    if kind.startswith(("greater_than", "less_than")):
        return _("数值超出允许范围。")
    return _("格式不正确：%(detail)s") % {"detail": error.get("msg", "")}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        if isinstance(exc, CalendarUnavailable):
            record_calendar_unavailable(exc)  # the view's transaction has already rolled back
        return problem(
            api,
            request,
            status=exc.status,
            code=exc.code,
            message=str(exc.message),
            fields=[{"field": f.field, "message": str(f.message)} for f in exc.fields],
        )

    @api.exception_handler(NinjaValidationError)
    def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = [
            {"field": _loc_to_field(list(e.get("loc", []))), "message": _validation_message(e)}
            for e in exc.errors
        ]
        return problem(
            api,
            request,
            status=422,
            code="validation_failed",
            message=_("提交的内容有误，请按提示修改。"),
            fields=fields,
        )

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            api,
            request,
            status=401,
            code="unauthenticated",
            message=_("请先登录，或提供有效的访问令牌。"),
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            api, request, status=404, code="not_found", message=_("未找到该对象，或您无权查看。")
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, status=exc.status_code, code="http_error", message=str(exc))

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("api.unhandled_error", extra={"path": request.path}, exc_info=exc)
        return problem(
            api,
            request,
            status=500,
            code="server_error",
            message=_("服务器内部错误，请稍后再试；如持续出现请联系运维人员。"),
        )
