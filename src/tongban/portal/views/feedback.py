"""Public pages of the feedback app: rate a service (好差评), complaints and suggestions (投诉建议),
and "my feedback" (what was done about it: the department's reply, the bad-review handling,
adding information, reopening once).

The rating page opens from a link with the invitation's token (SMS after a case, QR code at a
window, the user centre): it works without signing in where the rules allow an anonymous rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.errors import DomainError, NotFound
from tongban.core.models import Department, Region
from tongban.core.selectors.regions import region_get
from tongban.feedback.cases_adapter import invite_for_case_number, invite_recent_cases_for
from tongban.feedback.conf import rules
from tongban.feedback.models import (
    BAD_LEVELS,
    PUBLIC_EVENT_LABELS,
    RatingChannel,
    RatingLevel,
    TicketChannel,
    TicketType,
)
from tongban.feedback.permissions import access_ticket_for_caller
from tongban.feedback.selectors import (
    department_in_region,
    departments_for_region,
    invitation_by_token,
    invitations_pending_for,
    rating_for_invitation,
    ratings_of,
    ticket_caller_actions,
    ticket_events,
    tickets_of_caller,
)
from tongban.feedback.services import (
    CATEGORIES,
    REASON_TAGS,
    rating_update,
    ticket_create,
    ticket_reopen,
    ticket_supplement,
)
from tongban.feedback.services.ratings import rating_submit_safe

# The picker lists at most this many departments; beyond that it asks for more words.
DEPARTMENT_PICKER_LIMIT = 20
CHANNELS_FROM_LINK = {
    "sms": RatingChannel.SMS,
    "qr": RatingChannel.QRCODE,
    "kiosk": RatingChannel.HALL_TERMINAL,
}


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=gettext_lazy("您对这次服务满意吗？"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择一个满意度等级。")},
    )
    reasons = forms.MultipleChoiceField(
        label=gettext_lazy("主要原因（可多选；选择“不满意”时请至少选一项）"),
        choices=[(k, v) for k, v in REASON_TAGS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    comment = forms.CharField(
        label=gettext_lazy("想说的话（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("匿名评价（部门看不到您的姓名）"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("level") in BAD_LEVELS and not data.get("reasons"):
            self.add_error("reasons", _("请选择不满意的主要原因，便于部门有针对性地整改。"))
        return data


class ComplaintForm(forms.Form):
    ticket_type = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=[
            (TicketType.COMPLAINT, TicketType.COMPLAINT.label),
            (TicketType.SUGGESTION, TicketType.SUGGESTION.label),
            (TicketType.CONSULT, TicketType.CONSULT.label),
            (TicketType.PRAISE, TicketType.PRAISE.label),
        ],
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=gettext_lazy("分类"), choices=[(c, c) for c in CATEGORIES])
    region = forms.CharField(
        label=gettext_lazy("发生地（行政区划代码）"),
        max_length=12,
        help_text=gettext_lazy("如 510104（成都市锦江区）。不清楚时填所在区县代码。"),
    )
    dept_q = forms.CharField(
        label=gettext_lazy("查找涉及部门（选填）"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "输入部门名称中的字词（如“市场”“住建”），点“查找部门”后在下面的列表中选择；"
            "只列出负责发生地的部门。"
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    department = forms.CharField(
        label=gettext_lazy("涉及部门（选填）"),
        required=False,
        help_text=gettext_lazy("选择后直接转交该部门办理；不清楚时不选，由12345分派。"),
        widget=forms.Select,
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    content = forms.CharField(
        label=gettext_lazy("具体内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("请写明时间、地点、经过和您希望如何处理。"),
    )
    reference = forms.CharField(widget=forms.HiddenInput, required=False)
    kind = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        departments: Sequence[Department] = (),
        picker_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only the departments found for the region and the words typed are offered; the view
        # checks the one chosen against the region again, so a stale list cannot misroute.
        self.fields["department"].widget.choices = [("", _("不清楚，由12345分派"))] + [
            (str(d.public_id), d.name) for d in departments
        ]
        if picker_url:
            # With htmx the list narrows as one types or changes the region; without it the
            # "查找部门" button does the same by posting the form back.
            htmx = {
                "hx-get": picker_url,
                "hx-target": "#dept-picker",
                "hx-include": "#id_region, #id_dept_q, #id_department",
                "hx-vals": '{"picker": "1"}',
            }
            self.fields["dept_q"].widget.attrs.update(
                htmx, **{"hx-trigger": "input changed delay:300ms, search"}
            )
            self.fields["region"].widget.attrs.update(htmx, **{"hx-trigger": "change"})


def _channel(request: HttpRequest) -> str:
    linked = CHANNELS_FROM_LINK.get(request.GET.get("ch", ""))
    if linked:
        return linked
    agent = request.headers.get("User-Agent", "")
    return RatingChannel.MOBILE if "Mobile" in agent or "Android" in agent else RatingChannel.PC


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_by_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    existing = rating_for_invitation(invitation)
    user = request.user if request.user.is_authenticated else None
    mine = existing is not None and user is not None and existing.rater_id == user.pk
    editable = mine and existing is not None and timezone.now() < existing.editable_until
    anonymous_allowed = invitation.kind in rules().anonymous_kinds
    form = RatingForm(
        request.POST or None,
        initial={"level": existing.level, "reasons": existing.reasons, "comment": existing.comment}
        if mine and existing
        else None,
    )
    if not anonymous_allowed:
        del form.fields["anonymous"]
    if request.method == "POST" and form.is_valid() and (existing is None or editable):
        data = form.cleaned_data
        try:
            if existing is None:
                rating = rating_submit_safe(
                    invitation=invitation,
                    level=data["level"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                    channel=request.POST.get("channel") or _channel(request),
                    anonymous=bool(data.get("anonymous")),
                    actor=user,
                )
            else:
                rating = rating_update(
                    rating=existing,
                    actor=user,
                    level=data["level"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                )
        except DomainError as exc:
            messages.error(request, exc.message)
            for problem in exc.fields:
                if problem.field in form.fields:
                    form.add_error(problem.field, problem.message)
        else:
            messages.success(
                request,
                _("感谢您的评价！部门会认真核实整改，并在规定时间内答复您。")
                if rating.is_bad
                else _("感谢您的评价！"),
            )
            return redirect("portal:feedback-rate", token=token)
    return render(
        request,
        "portal/feedback/rate.html",
        {
            "invitation": invitation,
            "existing": existing,
            "mine": mine,
            "editable": editable,
            "form": form,
            "anonymous_allowed": anonymous_allowed,
            "channel": _channel(request),
            "needs_login": user is None and not anonymous_allowed and invitation.invitee_id is None,
            "closed": existing is not None and not editable,
            "expired": existing is None and invitation.expires_at <= timezone.now(),
        },
    )


@login_required
@require_GET
def rate_case(request: HttpRequest, number: str, stage: str) -> HttpResponse:
    """The "rate this case" link on a case page: by case number and stage."""
    try:
        invitation = invite_for_case_number(request.user, number, stage)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:feedback-mine")
    return redirect("portal:feedback-rate", token=invitation.token)


def _department_picker(region_code: str, q: str) -> tuple[Region | None, list[Department], int]:
    try:
        region = region_get(region_code) if region_code else None
    except NotFound:
        region = None
    if region is None:
        return None, [], 0
    departments, total = departments_for_region(region, q, limit=DEPARTMENT_PICKER_LIMIT)
    return region, departments, total


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    region_code = (params.get("region") or getattr(request.user, "region_id", "") or "").strip()[
        :12
    ]
    dept_q = params.get("dept_q", "").strip()[:60]
    region, departments, total = _department_picker(region_code, dept_q)
    chosen = params.get("department", "")
    if region is not None and chosen and chosen not in {str(d.public_id) for d in departments}:
        # Keep the department already chosen in the list while the user searches on.
        kept = department_in_region(region, chosen)
        if kept is not None:
            departments = [kept, *departments]
    picker = {
        "region": region,
        "region_code": region_code,
        "dept_q": dept_q,
        "total": total,
        "shown": len(departments),
        "limit": DEPARTMENT_PICKER_LIMIT,
    }
    htmx = getattr(request, "htmx", None)
    if request.method == "GET" and htmx and request.GET.get("picker"):
        form = ComplaintForm(initial={"department": chosen}, departments=departments)
        return render(
            request,
            "portal/feedback/_department_picker.html",
            {"form": form, "picker": picker},
        )
    initial = {
        "ticket_type": request.GET.get("type") or TicketType.COMPLAINT,
        "region": region_code,
        "reference": request.GET.get("ref", "")[:64],
        "kind": request.GET.get("kind", "")[:16],
    }
    picker_url = request.path
    if request.method == "POST" and "find_department" in request.POST:
        # The no-JS search: show the narrowed list with what was typed so far, unvalidated.
        values = {k: request.POST.get(k, "") for k in ComplaintForm.base_fields}
        form = ComplaintForm(
            initial={**initial, **values}, departments=departments, picker_url=picker_url
        )
        return render(
            request, "portal/feedback/complaint_new.html", {"form": form, "picker": picker}
        )
    form = ComplaintForm(
        request.POST or None, initial=initial, departments=departments, picker_url=picker_url
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department = None
        if region is None:
            form.add_error("region", _("区划代码不存在，请填写6位区县代码，如 510104。"))
        elif data["department"]:
            department = department_in_region(region, data["department"])
            if department is None:
                form.add_error(
                    "department",
                    _("所选部门不负责该发生地的事务。请重新查找选择，或选“不清楚”由12345分派。"),
                )
        if not form.errors:
            try:
                ticket = ticket_create(
                    actor=request.user,
                    caller=request.user,
                    caller_name=request.user.real_name,
                    caller_phone=request.user.phone,
                    ticket_type=data["ticket_type"],
                    channel=TicketChannel.RATING if data["reference"] else TicketChannel.PORTAL,
                    title=data["title"],
                    content=data["content"],
                    category=data["category"],
                    region=region,
                    department=department,
                    target_kind=data["kind"]
                    if data["kind"] in ("case", "window", "hotline")
                    else "",
                    target_reference=data["reference"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                for problem in exc.fields:
                    if problem.field in form.fields:
                        form.add_error(problem.field, problem.message)
            else:
                messages.success(
                    request,
                    _("已提交，编号 %(n)s。办理进度和答复可在“我的评价与诉求”中查看。")
                    % {"n": ticket.number},
                )
                return redirect("portal:feedback-ticket", number=ticket.number)
    return render(request, "portal/feedback/complaint_new.html", {"form": form, "picker": picker})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    # Cases accepted or completed lately get their invitations here if no hook created them.
    invite_recent_cases_for(request.user)
    return render(
        request,
        "portal/feedback/mine.html",
        {
            "pending": invitations_pending_for(request.user),
            "ratings": ratings_of(request.user),
            "tickets": list(tickets_of_caller(request.user).order_by("-created_at")[:50]),
            "reasons": REASON_TAGS,
        },
    )


@login_required
@require_GET
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    try:
        obj = access_ticket_for_caller(request.user, number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    can_supplement, can_reopen = ticket_caller_actions(obj)
    events = [
        (e, PUBLIC_EVENT_LABELS.get(e.action, e.action))
        for e in ticket_events(obj, public_only=True)
    ]
    return render(
        request,
        "portal/feedback/ticket.html",
        {
            "ticket": obj,
            "events": events,
            "can_supplement": can_supplement,
            "can_reopen": can_reopen,
        },
    )


@login_required
@require_POST
def ticket_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    try:
        if action == "supplement":
            ticket_supplement(actor=request.user, number=number, text=request.POST.get("text", ""))
            messages.success(request, _("已补充，承办单位会一并办理。"))
        elif action == "reopen":
            ticket_reopen(actor=request.user, number=number, reason=request.POST.get("reason", ""))
            messages.success(request, _("已申请重新办理，承办单位将在新的时限内再次答复。"))
        else:
            raise Http404()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        for problem in exc.fields:
            messages.error(request, problem.message)
    return redirect("portal:feedback-ticket", number=number)
