"""窗口受理 (一窗受理 / 跨省通办): a window clerk finds the applicant by ID number, picks any
published item (also one implemented in another city or province), enters the form, records
the paper materials received, submits and — usually — accepts on the spot.

The whole entry runs in one transaction: if any step is refused (a missing required field, a
material not received) nothing is kept and the clerk fixes the form; no half-entered draft is
left behind (drafts are invisible to staff queues)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tongban.cases.models import CaseStatus
from tongban.cases.services.apply import (
    case_create_at_window,
    case_material_receive_paper,
    case_submit,
    material_needs,
)
from tongban.cases.services.lifecycle import case_accept
from tongban.cases.services.routing import window_of
from tongban.catalog.selectors import ItemFilters, item_get_public, item_guide, item_list_public
from tongban.core.errors import Conflict, DomainError, NotFound
from tongban.core.identifiers import mask_name
from tongban.identity.selectors import user_find_by_id_number, user_get_active
from tongban.workbench.forms.cases import WindowCaseForm, WindowFindForm
from tongban.workbench.views.cases.common import (
    cases_staff_required,
    error_status,
    form_errors_message,
    show_error,
)

ITEMS_SHOWN = 20


def _find(request: HttpRequest, counter: Any) -> HttpResponse:
    find = WindowFindForm(request.POST)
    applicant = _find_applicant(find.cleaned_data["id_number"]) if find.is_valid() else None
    if applicant is None:
        request.session.pop(SESSION_KEY, None)
        if find.is_valid():
            messages.error(
                request,
                _("没有找到该身份证号码的实名账号。请核对号码，或请申请人先注册并完成实名认证。"),
            )
        context = {"find": find, "counter": counter}
        status = 404 if find.is_valid() else 422
        return render(request, "workbench/cases/window.html", context, status=status)
    request.session[SESSION_KEY] = applicant.pk
    return redirect(_window_url(q=find.cleaned_data["q"]))


def _find_applicant(id_number: str) -> Any:
    for kind in ("citizen", "enterprise"):
        try:
            found = user_find_by_id_number(id_number=id_number, kind=kind)
        except Conflict:
            found = None
        if found is not None:
            return found
    return None


SESSION_KEY = "cases.window.applicant"


def _window_url(**params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("workbench:cases_window") + (f"?{query}" if query else "")


@cases_staff_required
@require_http_methods(["GET", "POST"])
def window(request: HttpRequest) -> HttpResponse:
    """The applicant found by ID number is kept in the clerk's session (never in a URL, so the
    number stays out of logs and browser history); the item travels as `?item=`."""
    user: Any = request.user
    counter = window_of(user)
    if counter is None:
        raise HttpForbidden(
            _(
                "窗口受理仅供窗口人员使用。如需在窗口代为录入申请，请联系管理员为您分配窗口人员岗位。"
            )
        )
    if request.method == "POST" and "find" in request.POST:
        return _find(request, counter)
    if request.method == "POST" and "clear" in request.POST:
        request.session.pop(SESSION_KEY, None)
        return redirect(_window_url())
    applicant = user_get_active(request.session.get(SESSION_KEY))
    context: dict[str, Any] = {
        "find": WindowFindForm(initial={"q": request.GET.get("q", "")}),
        "counter": counter,
        "applicant": applicant,
        "applicant_name": mask_name(applicant.display_name) if applicant else "",
    }
    if applicant is None:
        if request.method == "POST":
            messages.error(request, _("请先查找申请人。"))
            return render(request, "workbench/cases/window.html", context, status=400)
        return render(request, "workbench/cases/window.html", context)
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("item", "").strip()
    if not code:
        q = request.GET.get("q", "").strip()[:100]
        context["items"] = list(item_list_public(ItemFilters(q=q))[:ITEMS_SHOWN]) if q else []
        context["q"] = q
        return render(request, "workbench/cases/window.html", context)
    item = item_get_public(code)
    guide = item_guide(item)
    materials = material_needs(guide)
    entry = WindowCaseForm(
        request.POST if request.method == "POST" else None,
        guide=guide,
        materials=materials,
        initial={"next_step": "accept"},
    )
    context.update(
        {
            "item": item,
            "entry": entry,
            "cross_region": not item.region_id.startswith(counter.region.code[:4]),
        }
    )
    if request.method == "GET":
        return render(request, "workbench/cases/window.html", context)
    if not entry.is_valid():
        form_errors_message(request)
        return render(request, "workbench/cases/window.html", context, status=422)
    try:
        with transaction.atomic():
            case = case_create_at_window(
                actor=user, item_code=item.code, applicant=applicant, form_data=entry.form_data()
            )
            for material_code, copies in entry.papers():
                case_material_receive_paper(
                    actor=user, case=case, code=material_code, copies=copies
                )
            case.refresh_from_db()
            result = case_submit(
                actor=user,
                case=case,
                request_tolerance=entry.cleaned_data["request_tolerance"],
            )
            case = result.case
            if entry.cleaned_data["next_step"] == "accept" and case.status == CaseStatus.SUBMITTED:
                case = case_accept(actor=user, case=case, opinion=_("窗口当场受理"))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        show_error(request, exc, entry)
        return render(request, "workbench/cases/window.html", context, status=error_status(exc))
    request.session.pop(SESSION_KEY, None)  # the next person at the counter starts afresh
    messages.success(
        request,
        _("已录入办件 %(number)s（%(status)s）。请告知申请人查询码：%(code)s（仅显示一次）。")
        % {
            "number": case.number,
            "status": CaseStatus(case.status).label,
            "code": result.verification_code,
        },
    )
    return redirect(reverse("workbench:case_detail", args=[case.number]))
