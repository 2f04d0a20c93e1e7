"""The 12345 desk and the handling of requests and bad reviews in the workbench.

- 12345 desk (hotline operators): the queue, taking a call or web message into a ticket, the
  knowledge base (search, direct answers, new entries), dispatch and re-dispatch, supervision of
  overdue tickets, callbacks.
- Departments (their staff): tickets dispatched to them (reply or return with a reason), bad
  reviews of their services (verify → rectify or explain → reply → revisit).
- Supervisors: escalated bad reviews of their region. Everyone with a stats role: the rates page.

Views parse forms and call the feedback app's services and selectors; scope is checked there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.context_processors import is_staff_user
from tongban.core.errors import DomainError, NotFound, PermissionDenied
from tongban.core.scopes import staff_scope
from tongban.core.selectors.regions import region_get
from tongban.core.workdays import CHINA_TZ
from tongban.feedback.models import (
    BadReviewOutcome,
    RatingLevel,
    TicketChannel,
    TicketStatus,
    TicketType,
    Urgency,
)
from tongban.feedback.permissions import (
    DESK_ROLES,
    access_bad_review_by_id,
    access_ticket_for_staff,
    caller_visible_to,
    can_see_stats,
    is_department_staff,
    is_desk,
)
from tongban.feedback.selectors import (
    RateFilters,
    bad_reviews_for,
    department_queue,
    departments_for_dispatch,
    desk_queue,
    escalated_for_supervisor,
    feedback_rates,
    knowledge_get,
    knowledge_search,
    rates_total,
    ticket_duplicates,
    ticket_events,
    window_departments,
)
from tongban.feedback.services import (
    CATEGORIES,
    REASON_TAGS,
    bad_review_reply,
    bad_review_revisit,
    bad_review_verify,
    knowledge_save,
    ticket_answer,
    ticket_callback,
    ticket_create,
    ticket_dispatch,
    ticket_reply,
    ticket_return,
    ticket_supervise,
    window_visit_invite,
)
from tongban.feedback.services.ratings import due_state

PAGE_SIZE = 20
View = Callable[..., HttpResponse]

EVENT_LABELS = {
    "created": gettext_lazy("受理"),
    "duplicate": gettext_lazy("重复提示"),
    "dispatched": gettext_lazy("派单"),
    "answered": gettext_lazy("直接答复"),
    "returned": gettext_lazy("退单"),
    "replied": gettext_lazy("部门答复"),
    "supervised": gettext_lazy("督办"),
    "callback": gettext_lazy("回访"),
    "supplemented": gettext_lazy("诉求人补充"),
    "reopened": gettext_lazy("重新办理"),
}


def feedback_staff_required(view: View) -> View:
    """Signed-in staff with some feedback role; domain errors become the 404/403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not is_staff_user(user) or not (
            is_desk(user) or is_department_staff(user) or can_see_stats(user)
        ):
            raise HttpForbidden(
                _(
                    "诉求与评价功能仅供12345话务员、部门工作人员和管理人员使用。请联系本单位管理员分配岗位。"
                )
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def _desk_only(request: HttpRequest) -> None:
    if not is_desk(request.user):
        raise HttpForbidden(_("这项操作仅供12345话务员使用。"))


def _problems(request: HttpRequest, exc: DomainError, form: forms.Form | None = None) -> None:
    messages.error(request, exc.message)
    for problem in exc.fields:
        if form is not None and problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            messages.error(request, problem.message)


# --- Forms -------------------------------------------------------------------------------------


class TicketForm(forms.Form):
    ticket_type = forms.ChoiceField(label=gettext_lazy("诉求类型"), choices=TicketType.choices)
    channel = forms.ChoiceField(
        label=gettext_lazy("来源"),
        choices=[
            (TicketChannel.PHONE, TicketChannel.PHONE.label),
            (TicketChannel.WEB, TicketChannel.WEB.label),
        ],
    )
    caller_name = forms.CharField(label=gettext_lazy("诉求人姓名"), max_length=50, required=False)
    caller_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("用于回访和重复诉求提示；举报人信息不会告知被举报单位。"),
    )
    region = forms.CharField(
        label=gettext_lazy("诉求发生地（行政区划代码）"),
        max_length=12,
        help_text=gettext_lazy("6位县级或9位乡镇（街道）代码，如 510104 锦江区。"),
    )
    address = forms.CharField(label=gettext_lazy("详细地址"), max_length=300, required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("诉求分类"),
        choices=[("", gettext_lazy("（请选择）")), *[(c, c) for c in CATEGORIES]],
        required=False,
    )
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    content = forms.CharField(
        label=gettext_lazy("诉求内容"), widget=forms.Textarea(attrs={"rows": 6})
    )


class DispatchForm(forms.Form):
    department = forms.ChoiceField(label=gettext_lazy("承办单位"))
    urgency = forms.ChoiceField(label=gettext_lazy("紧急程度"), choices=Urgency.choices)
    note = forms.CharField(
        label=gettext_lazy("派单意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    knowledge = forms.CharField(required=False, widget=forms.HiddenInput)
    answer = forms.CharField(
        label=gettext_lazy("答复内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("选用知识库条目时可不填，按条目答复口径答复。"),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明"), widget=forms.Textarea(attrs={"rows": 3}))


class CallbackForm(forms.Form):
    level = forms.TypedChoiceField(
        label=gettext_lazy("诉求人满意度"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class KnowledgeForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("问题"), max_length=300)
    answer = forms.CharField(
        label=gettext_lazy("答复口径"), widget=forms.Textarea(attrs={"rows": 5})
    )
    keywords = forms.CharField(
        label=gettext_lazy("关键词（空格分隔）"), max_length=300, required=False
    )
    category = forms.ChoiceField(
        label=gettext_lazy("分类"),
        choices=[("", "—"), *[(c, c) for c in CATEGORIES]],
        required=False,
    )
    region = forms.CharField(label=gettext_lazy("适用区划代码"), max_length=12)
    source = forms.CharField(label=gettext_lazy("依据"), max_length=300, required=False)


class VerifyForm(forms.Form):
    verification = forms.CharField(
        label=gettext_lazy("核实情况"), widget=forms.Textarea(attrs={"rows": 3})
    )


class BadReplyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("处置方式"), choices=BadReviewOutcome.choices, widget=forms.RadioSelect
    )
    measures = forms.CharField(
        label=gettext_lazy("整改措施或解释依据"), widget=forms.Textarea(attrs={"rows": 3})
    )
    reply = forms.CharField(
        label=gettext_lazy("答复评价人"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RatesForm(forms.Form):
    group = forms.ChoiceField(
        label=gettext_lazy("分组"),
        choices=[
            ("department", gettext_lazy("按部门")),
            ("region", gettext_lazy("按区划")),
            ("none", gettext_lazy("合计")),
        ],
        required=False,
    )
    region_level = forms.ChoiceField(
        label=gettext_lazy("区划层级"),
        choices=[
            ("county", gettext_lazy("县级")),
            ("city", gettext_lazy("市级")),
            ("province", gettext_lazy("省级")),
        ],
        required=False,
    )
    start = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _region_or_error(form: forms.Form, field: str) -> Any:
    try:
        return region_get(form.cleaned_data[field])
    except NotFound:
        form.add_error(field, _("区划代码不存在，请填写现行的6位或9位行政区划代码。"))
        return None


# --- 12345 desk --------------------------------------------------------------------------------


@require_GET
@feedback_staff_required
def desk(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    status = request.GET.get("status", "open")
    q = request.GET.get("q", "").strip()[:50]
    overdue = request.GET.get("overdue") == "1"
    page = Paginator(
        desk_queue(request.user, status=status, q=q, overdue=overdue), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/feedback/desk.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "overdue": overdue,
            "statuses": TicketStatus.choices,
            "query": f"status={status}&q={q}&overdue={int(overdue)}",
        },
    )


@require_http_methods(["GET", "POST"])
@feedback_staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    form = TicketForm(request.POST or None, initial={"urgency": Urgency.NORMAL})
    kq = request.GET.get("kq", "").strip()[:50]
    if request.method == "POST" and form.is_valid():
        region = _region_or_error(form, "region")
        if region is not None:
            data = form.cleaned_data
            try:
                ticket = ticket_create(
                    actor=request.user,
                    ticket_type=data["ticket_type"],
                    channel=data["channel"],
                    title=data["title"],
                    content=data["content"],
                    region=region,
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    urgency=data["urgency"],
                    category=data["category"],
                    address=data["address"],
                )
            except DomainError as exc:
                _problems(request, exc, form)
            else:
                messages.success(request, _("已受理，工单编号 %(n)s。") % {"n": ticket.number})
                if ticket.duplicate_of_id:
                    messages.warning(
                        request,
                        _(
                            "疑似重复诉求：同一来电人近期已反映过类似问题（工单 %(n)s），请核对后并单或派单。"
                        )
                        % {"n": ticket.duplicate_of.number},
                    )
                return redirect("workbench:feedback_ticket", number=ticket.number)
    return render(
        request,
        "workbench/feedback/ticket_new.html",
        {
            "form": form,
            "kq": kq,
            "entries": knowledge_search(request.user, kq, limit=8) if kq else [],
        },
    )


@require_GET
@feedback_staff_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = access_ticket_for_staff(request.user, number)
    on_desk = staff_scope(request.user, roles=DESK_ROLES).covers_region(ticket.region_id)
    kq = request.GET.get("kq", "").strip()[:50]
    dispatch_form = None
    if on_desk and ticket.status in (TicketStatus.NEW, TicketStatus.RETURNED):
        dispatch_form = DispatchForm(initial={"urgency": ticket.urgency})
        dispatch_form.fields["department"].choices = [
            (str(d.public_id), f"{d.name}")
            for d in departments_for_dispatch(request.user, ticket.region_id)
        ]
    return render(
        request,
        "workbench/feedback/ticket.html",
        {
            "ticket": ticket,
            "on_desk": on_desk,
            "caller_visible": caller_visible_to(request.user, ticket),
            "events": [
                (e, EVENT_LABELS.get(e.action, e.action))
                for e in ticket_events(ticket, public_only=False)
            ],
            "duplicates": ticket_duplicates(ticket) if on_desk else [],
            "due": due_state(
                ticket.due_at.date() if ticket.due_at else None, done_at=ticket.replied_at
            ),
            "dispatch_form": dispatch_form,
            "answer_form": AnswerForm() if on_desk and ticket.status == TicketStatus.NEW else None,
            "kq": kq,
            "entries": knowledge_search(request.user, kq, limit=6)
            if on_desk and ticket.status == TicketStatus.NEW
            else [],
            "supervise_form": NoteForm()
            if on_desk and ticket.status == TicketStatus.DISPATCHED
            else None,
            "callback_form": CallbackForm()
            if on_desk and ticket.status == TicketStatus.REPLIED
            else None,
            "reply_form": NoteForm()
            if not on_desk and ticket.status == TicketStatus.DISPATCHED
            else None,
            "is_department_view": not on_desk,
        },
    )


def _after(request: HttpRequest, number: str) -> HttpResponse:
    return redirect("workbench:feedback_ticket", number=number)


@require_POST
@feedback_staff_required
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    user = request.user
    post = request.POST
    try:
        if action == "dispatch":
            ticket = access_ticket_for_staff(user, number)
            wanted = post.get("department", "")
            department = next(
                (
                    d
                    for d in departments_for_dispatch(user, ticket.region_id)
                    if str(d.public_id) == wanted
                ),
                None,
            )
            if department is None:
                messages.error(request, _("请选择承办单位。"))
                return _after(request, number)
            ticket_dispatch(
                actor=user,
                number=number,
                department=department,
                urgency=post.get("urgency"),
                note=post.get("note", ""),
            )
            messages.success(request, _("已派单至%(d)s。") % {"d": department.name})
        elif action == "answer":
            entry = knowledge_get(user, post["knowledge"]) if post.get("knowledge") else None
            ticket_answer(actor=user, number=number, answer=post.get("answer", ""), knowledge=entry)
            messages.success(request, _("已直接答复并办结。"))
        elif action == "supervise":
            ticket_supervise(actor=user, number=number, note=post.get("note", ""))
            messages.success(request, _("已督办。"))
        elif action == "callback":
            ticket_callback(
                actor=user, number=number, level=post.get("level", 0), note=post.get("note", "")
            )
            messages.success(request, _("已记录回访满意度，工单办结。"))
        elif action == "reply":
            ticket_reply(actor=user, number=number, reply=post.get("note", ""))
            messages.success(request, _("已答复，等待12345回访。"))
        elif action == "return":
            ticket_return(actor=user, number=number, reason=post.get("note", ""))
            messages.success(request, _("已退单，12345将改派。"))
            return redirect("workbench:feedback_department")
        else:
            raise Http404()
    except DomainError as exc:
        if isinstance(exc, (NotFound, PermissionDenied)):
            raise
        _problems(request, exc)
    return _after(request, number)


# --- Knowledge base ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@feedback_staff_required
def knowledge(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    q = request.GET.get("q", "").strip()[:50]
    form = KnowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        region = _region_or_error(form, "region")
        if region is not None:
            data = form.cleaned_data
            try:
                knowledge_save(
                    actor=request.user,
                    question=data["question"],
                    answer=data["answer"],
                    keywords=data["keywords"],
                    category=data["category"],
                    region=region,
                    source=data["source"],
                )
            except DomainError as exc:
                _problems(request, exc, form)
            else:
                messages.success(request, _("已加入知识库。"))
                return redirect("workbench:feedback_knowledge")
    return render(
        request,
        "workbench/feedback/knowledge.html",
        {"q": q, "entries": knowledge_search(request.user, q, limit=50), "form": form},
    )


# --- Department --------------------------------------------------------------------------------


@require_GET
@feedback_staff_required
def department(request: HttpRequest) -> HttpResponse:
    tickets = list(department_queue(request.user)[:100])
    reviews = list(bad_reviews_for(request.user, status="open")[:100])
    escalated = list(escalated_for_supervisor(request.user)[:100])
    return render(
        request,
        "workbench/feedback/department.html",
        {
            "tickets": [(t, due_state(t.due_at.date() if t.due_at else None)) for t in tickets],
            "reviews": [(r, due_state(r.due_on, done_at=r.replied_at)) for r in reviews],
            "escalated": escalated,
        },
    )


@require_http_methods(["GET", "POST"])
@feedback_staff_required
def bad_review(request: HttpRequest, public_id: str) -> HttpResponse:
    review = access_bad_review_by_id(request.user, public_id)
    verify_form = VerifyForm(request.POST if request.POST.get("step") == "verify" else None)
    reply_form = BadReplyForm(request.POST if request.POST.get("step") == "reply" else None)
    revisit_form = CallbackForm(request.POST if request.POST.get("step") == "revisit" else None)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "verify" and verify_form.is_valid():
                bad_review_verify(
                    actor=request.user,
                    public_id=review.public_id,
                    verification=verify_form.cleaned_data["verification"],
                )
            elif step == "reply" and reply_form.is_valid():
                bad_review_reply(
                    actor=request.user, public_id=review.public_id, **reply_form.cleaned_data
                )
            elif step == "revisit" and revisit_form.is_valid():
                bad_review_revisit(
                    actor=request.user,
                    public_id=review.public_id,
                    level=revisit_form.cleaned_data["level"],
                    note=revisit_form.cleaned_data["note"],
                )
            else:
                messages.error(request, _("请按提示填写后再提交。"))
                raise _Invalid()
        except _Invalid:
            pass
        except DomainError as exc:
            if isinstance(exc, (NotFound, PermissionDenied)):
                raise
            _problems(request, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("workbench:feedback_bad_review", public_id=review.public_id)
    rating = review.rating
    return render(
        request,
        "workbench/feedback/bad_review.html",
        {
            "review": review,
            "rating": rating,
            "rater_name": (rating.rater.display_name if rating.rater else _("匿名"))
            if rating.is_real_name
            else _("匿名"),
            "reasons": [str(REASON_TAGS.get(r, r)) for r in rating.reasons],
            "due": due_state(review.due_on, done_at=review.replied_at),
            "verify_form": verify_form,
            "reply_form": reply_form,
            "revisit_form": revisit_form,
        },
    )


class _Invalid(Exception):
    pass


# --- Window visits --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@feedback_staff_required
def visit_invite(request: HttpRequest) -> HttpResponse:
    """现场服务“一次一评”: after serving someone at the window, the clerk opens an invitation and
    shows its link (QR code on the window's tablet or the 评价器); the person rates it there."""
    departments = window_departments(request.user)
    invitation = None
    if request.method == "POST":
        department = next(
            (d for d in departments if str(d.public_id) == request.POST.get("department")), None
        )
        title = request.POST.get("title", "").strip()[:200] or _("窗口服务")
        if department is None:
            messages.error(request, _("请选择您所在的窗口单位。"))
        else:
            try:
                invitation = window_visit_invite(
                    actor=request.user, department=department, title=title
                )
            except DomainError as exc:
                _problems(request, exc)
    link = (
        request.build_absolute_uri(reverse("portal:feedback-rate", args=[invitation.token]))
        + "?ch=qr"
        if invitation
        else ""
    )
    return render(
        request,
        "workbench/feedback/visit.html",
        {"departments": departments, "invitation": invitation, "link": link},
    )


# --- Rates -------------------------------------------------------------------------------------


RATE_COLUMNS = (
    ("coverage", gettext_lazy("评价覆盖率")),
    ("satisfaction", gettext_lazy("满意率")),
    ("rectification", gettext_lazy("差评整改率")),
    ("rectification_on_time", gettext_lazy("按期整改率")),
    ("revisit", gettext_lazy("实名差评回访率")),
    ("direct_answer", gettext_lazy("直接答复率")),
    ("on_time_completion", gettext_lazy("按时办结率")),
    ("callback_satisfaction", gettext_lazy("回访满意率")),
)


@require_GET
@feedback_staff_required
def rates(request: HttpRequest) -> HttpResponse:
    if not can_see_stats(request.user):
        raise HttpForbidden(_("统计数据仅供12345话务员、部门管理员、平台管理员和审计员查看。"))
    form = RatesForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = data.get("start"), data.get("end")
    if (start and not 2000 <= start.year <= 2100) or (end and not 2000 <= end.year <= 2100):
        messages.error(request, _("统计期间请填写2000年至2100年之间的日期。"))
        start = end = None
    digits = {"province": 2, "city": 4, "county": 6}[data.get("region_level") or "county"]
    rows = feedback_rates(
        request.user,
        RateFilters(
            start=datetime.combine(start, time.min, tzinfo=CHINA_TZ) if start else None,
            end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=CHINA_TZ)
            if end
            else None,
            group=data.get("group") or "department",
            region_digits=digits,
        ),
    )
    total = rates_total(rows)

    def cells(r: Any) -> list[str]:
        return [
            ("—" if r.rates[k] is None else f"{r.rates[k] * 100:.1f}%")
            for k, _label in RATE_COLUMNS
        ]

    return render(
        request,
        "workbench/feedback/rates.html",
        {
            "form": form,
            "columns": [label for _k, label in RATE_COLUMNS],
            "rows": [(r, cells(r)) for r in rows],
            "total": (total, cells(total)),
            "api_url": reverse("api-v1:feedback_stats"),
        },
    )
