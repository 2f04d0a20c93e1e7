"""What every case page shares: the staff-only guard that turns domain errors into the
workbench's 404/403 pages, and the way service errors are shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tongban.core.context_processors import is_staff_user
from tongban.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tongban.core.scopes import staff_scope

View = Callable[..., HttpResponse]


def cases_staff_required(view: View) -> View:
    """Signed in, staff with at least one post; NotFound → 404, PermissionDenied → 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not is_staff_user(user) or staff_scope(user).is_empty:
            raise HttpForbidden(
                _(
                    "办件工作台仅供政务服务工作人员使用。如需办理办件，请联系本单位管理员为您"
                    "分配窗口人员、审查人员或部门管理员岗位。"
                )
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def error_status(exc: DomainError) -> int:
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ValidationFailed):
        return 422
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 400


def show_error(request: HttpRequest, exc: DomainError, form: Any = None) -> None:
    """The service's message, then each field problem: next to its field when the form has it,
    otherwise in the message list."""
    messages.error(request, exc.message)
    problems = list(exc.fields)
    if form is not None and hasattr(form, "add_problems"):
        problems = form.add_problems(problems)
    for problem in problems[:10]:
        messages.error(request, problem.message)


def form_errors_message(request: HttpRequest) -> None:
    messages.error(request, _("提交的内容有误，请按提示修改后再提交。"))
