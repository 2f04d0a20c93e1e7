"""我的办件 (/my/cases/) and site messages (/my/messages/).

The detail page is where the applicant acts after submitting: answer a 补正 notice (one complete
list: upload what it names, then hand it in), supply a 容缺 material, withdraw, get a new
verification code, and see the decision and how the result was delivered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tongban.cases.models import CaseStatus, MaterialStatus
from tongban.cases.selectors import (
    case_detail_for_applicant,
    case_list_for_applicant,
    notifications_for,
    notifications_unread_count,
    with_clock,
)
from tongban.cases.services.apply import (
    DEFAULT_MAX_UPLOAD,
    case_correction_submit,
    case_verification_code_reset,
    case_withdraw,
)
from tongban.cases.services.bundles import bundle_overview
from tongban.cases.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
)
from tongban.core.errors import DomainError, NotFound
from tongban.identity.models import AgentScope
from tongban.identity.selectors import enterprises_for
from tongban.portal.forms.cases import CorrectionForm, UploadForm, VersionForm, WithdrawForm
from tongban.portal.views.cases.common import (
    APPLY_LEVEL,
    CASE_NUMBER,
    assurance_required,
    case_for_applicant,
    current_user,
    is_bundle,
    material_views,
    remember_code,
)

PAGE_SIZE = 20
FILTERS = [
    ("", gettext_lazy("全部")),
    (CaseStatus.DRAFT, CaseStatus.DRAFT.label),
    (CaseStatus.SUBMITTED, CaseStatus.SUBMITTED.label),
    (CaseStatus.CORRECTION, CaseStatus.CORRECTION.label),
    (CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS.label),
    (CaseStatus.SUSPENDED, CaseStatus.SUSPENDED.label),
    (CaseStatus.COMPLETED, CaseStatus.COMPLETED.label),
    (CaseStatus.DELIVERED, CaseStatus.DELIVERED.label),
    (CaseStatus.NOT_ACCEPTED, CaseStatus.NOT_ACCEPTED.label),
    (CaseStatus.WITHDRAWN, CaseStatus.WITHDRAWN.label),
]
# Colour of the status chip: needs the applicant (attention), finished well (ok), refused (bad).
ATTENTION = {CaseStatus.DRAFT, CaseStatus.CORRECTION}
OK = {CaseStatus.APPROVED, CaseStatus.COMPLETED, CaseStatus.DELIVERED}
BAD = {CaseStatus.NOT_ACCEPTED, CaseStatus.DENIED}


def status_tone(status: str) -> str:
    if status in ATTENTION:
        return "attention"
    if status in OK:
        return "ok"
    if status in BAD:
        return "bad"
    return ""


def _case_enterprises(user: Any) -> list[Any]:
    wanted = {AgentScope.APPLY, AgentScope.CASES}
    return [r.legal_person for r in enterprises_for(user) if wanted & set(r.scopes)]


@never_cache
@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    enterprises = _case_enterprises(user)
    company = request.GET.get("company", "")
    chosen = next((lp for lp in enterprises if str(lp.public_id) == company), None)
    qs = case_list_for_applicant(
        user, status=status, legal_person_id=chosen.pk if chosen is not None else None
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"case": case, "clock": clock, "tone": status_tone(case.status)}
        for case, clock in with_clock(list(page.object_list))
    ]
    query = {"status": status, "company": company if chosen else ""}
    context = {
        "rows": rows,
        "page": page,
        "filters": [
            {"value": value, "label": label, "current": value == status} for value, label in FILTERS
        ],
        "status": status,
        "enterprises": enterprises,
        "company": company if chosen else "",
        "query": "&".join(f"{k}={v}" for k, v in query.items() if v),
        "unread": notifications_unread_count(user),
    }
    return render(request, "portal/cases/mine.html", context)


def _open_correction(corrections: list[Any]) -> Any:
    return next((c for c in corrections if c.resolved_at is None), None)


@never_cache
@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    if not CASE_NUMBER.fullmatch(number):
        raise Http404(_("没有找到这个办件。"))
    user = current_user(request)
    try:
        found = case_detail_for_applicant(user, number)
    except NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc
    case = found.case
    bundle = is_bundle(case)
    correction = _open_correction(found.corrections)
    rows = [] if bundle else material_views(user, case)
    correction_codes = {i.get("code") for i in (correction.items if correction else [])}
    context = {
        "case": case,
        "detail": found,
        "clock": found.clock,
        "tone": status_tone(case.status),
        "events": found.events,
        "materials": rows,
        "tolerated": [m for m in rows if m.status == MaterialStatus.TOLERATED],
        "correction": correction,
        "correction_rows": [m for m in rows if m.key in correction_codes],
        "correction_form_fields": sorted(
            c.removeprefix("form.") for c in correction_codes if str(c).startswith("form.")
        ),
        "actions": found.actions,
        "decision": found.decision,
        "deliveries": found.deliveries,
        "suspensions": found.suspensions,
        "overview": bundle_overview(case) if bundle else None,
        "parent": found.parent,
        "bundle": bundle,
        "withdraw_form": WithdrawForm(initial={"version": case.version}),
        "correction_form": CorrectionForm(initial={"version": case.version}),
        "upload_form": UploadForm(),
        "max_mb": int(getattr(settings, "TONGBAN_CASES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))
        // (1024 * 1024),
        "editable": case.status in (CaseStatus.DRAFT, CaseStatus.CORRECTION),
        "is_draft": case.status == CaseStatus.DRAFT,
    }
    return render(request, "portal/cases/detail.html", context)


def _stale_safe(request: HttpRequest, form: VersionForm, number: str) -> Any:
    """The case as the page showed it: the posted version goes with it, so a change made in
    between (by a clerk) is refused rather than overwritten."""
    case = case_for_applicant(request, number)
    case.version = form.cleaned_data["version"]
    return case


@never_cache
@assurance_required(APPLY_LEVEL)
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    form = WithdrawForm(request.POST)
    case = case_for_applicant(request, number)
    if not form.is_valid():
        messages.error(request, _("页面已过期，请刷新后重试。"))
        return redirect("portal:case-detail", number=case.number)
    case = _stale_safe(request, form, number)
    try:
        case_withdraw(actor=current_user(request), case=case, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("办件%(number)s已撤回。") % {"number": case.number})
    return redirect("portal:case-detail", number=case.number)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_POST
def correction_submit(request: HttpRequest, number: str) -> HttpResponse:
    form = CorrectionForm(request.POST)
    case = case_for_applicant(request, number)
    if not form.is_valid():
        messages.error(request, _("页面已过期，请刷新后重试。"))
        return redirect("portal:case-detail", number=case.number)
    case = _stale_safe(request, form, number)
    try:
        case_correction_submit(
            actor=current_user(request), case=case, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        detail = "；".join(p.message for p in exc.fields)
        messages.error(request, f"{exc.message}{('（' + detail + '）') if detail else ''}")
    else:
        messages.success(request, _("补正材料已提交，请等待工作人员审核。"))
    return redirect("portal:case-detail", number=case.number)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_POST
def code_reset(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for_applicant(request, number)
    try:
        code = case_verification_code_reset(actor=current_user(request), case=case)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:case-detail", number=case.number)
    remember_code(request, case.number, code)
    return redirect("portal:case-submitted", number=case.number)


# --- 站内信 ----------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notifications_for(user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": notifications_unread_count(user),
    }
    return render(request, "portal/cases/notifications.html", context)


@never_cache
@login_required
@require_POST
def notification_read(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = current_user(request)
    note = notifications_for(user).filter(public_id=public_id).first()
    if note is None:
        raise Http404(_("没有这条消息。"))
    notification_mark_read(actor=user, notification_id=note.pk)
    if note.case_id and request.POST.get("open") == "1":
        return redirect("portal:case-detail", number=note.case.number)
    return redirect("portal:case-notifications")


@never_cache
@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(actor=current_user(request))
    messages.success(request, _("已将%(n)s条消息标为已读。") % {"n": count})
    return redirect("portal:case-notifications")
