"""/api/v1/feedback: ratings (好差评), the person's own complaints and suggestions (投诉建议:
create, list, add information, reopen once) and the rates of ratings and hotline tickets.

The rules are in the feedback app's services; the rate definitions in its selectors."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tongban.api.schemas.catalog import ProblemOut
from tongban.api.schemas.feedback import (
    ComplaintEventOut,
    ComplaintFilter,
    ComplaintIn,
    ComplaintInformationIn,
    ComplaintOut,
    ComplaintPageOut,
    ComplaintReopenIn,
    ComplaintSummaryOut,
    CountsOut,
    RatesOut,
    RatingIn,
    RatingOut,
    StatsFilter,
    StatsOut,
    StatsRowOut,
)
from tongban.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from tongban.core.selectors.regions import region_get
from tongban.core.workdays import CHINA_TZ
from tongban.feedback.models import PUBLIC_EVENT_LABELS, Ticket, TicketChannel, TicketStatus
from tongban.feedback.permissions import access_ticket_for_caller, can_see_stats
from tongban.feedback.selectors import (
    RateFilters,
    Rates,
    department_in_region,
    feedback_rates,
    invitation_by_token,
    rates_total,
    ticket_caller_actions,
    ticket_events,
    tickets_of_caller,
)
from tongban.feedback.services import (
    CATEGORIES,
    ticket_create,
    ticket_reopen,
    ticket_supplement,
)
from tongban.feedback.services.ratings import rating_submit_safe

router = Router(tags=["feedback"])

DIGITS = {"province": 2, "city": 4, "county": 6}
ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


def _row(r: Rates) -> StatsRowOut:
    counts = {k: v for k, v in asdict(r).items() if k in CountsOut.model_fields}
    return StatsRowOut(
        key=r.key, label=r.label, counts=CountsOut(**counts), rates=RatesOut(**r.rates)
    )


@router.get(
    "/stats",
    response=StatsOut,
    operation_id="feedback_stats",
    summary="好差评与12345热线统计（本人数据范围）",
    description=(
        "按部门、区划或合计统计评价覆盖率、满意率、差评整改率和按期整改率、实名差评回访率、"
        "热线直接答复率、按时办结率、回访满意率等。仅12345话务员、部门管理员、平台管理员和审计员可用；"
        "范围为本人的数据范围。各比率的定义见字段说明；分母为0时为 null。"
    ),
)
def feedback_stats(request: HttpRequest, filters: Query[StatsFilter]) -> StatsOut:
    actor = request.auth
    if not can_see_stats(actor):
        raise PermissionDenied(_("统计数据仅供12345话务员、部门管理员、平台管理员和审计员查看。"))
    prefix = ""
    if filters.region:
        try:
            prefix = region_get(filters.region).prefix
        except NotFound:
            raise ValidationFailed(
                _("区划代码不存在。"),
                fields=[FieldProblem("region", _("请填写现行的行政区划代码（如 510104）。"))],
            ) from None
    for name, value in (("start", filters.start), ("end", filters.end)):
        if value is not None and not 2000 <= value.year <= 2100:
            raise ValidationFailed(
                _("统计期间不正确。"),
                fields=[FieldProblem(name, _("请填写2000年至2100年之间的日期。"))],
            )
    if filters.start and filters.end and filters.end < filters.start:
        raise ValidationFailed(
            _("统计期间不正确。"), fields=[FieldProblem("end", _("截止日期不能早于起始日期。"))]
        )
    start = datetime.combine(filters.start, time.min, tzinfo=CHINA_TZ) if filters.start else None
    end = (
        datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=CHINA_TZ)
        if filters.end
        else None
    )
    rows = feedback_rates(
        actor,
        RateFilters(
            start=start,
            end=end,
            region=prefix,
            group=filters.group,
            region_digits=DIGITS[filters.region_level],
        ),
    )
    return StatsOut(
        group=filters.group,
        start=filters.start,
        end=filters.end,
        total=_row(rates_total(rows)),
        rows=[_row(r) for r in rows],
    )


@router.post(
    "/ratings",
    auth=None,
    response={201: RatingOut},
    operation_id="feedback_ratings_create",
    summary="提交评价（好差评）",
    description=(
        "凭评价邀请令牌（办结短信链接、窗口二维码）评价一项服务的一个环节：五级满意度、评价标签、"
        "文字评价。每项服务每个环节只能评价一次；提交后在规定时间内可修改。办件评价须登录本人账号。"
    ),
)
def feedback_ratings_create(request: HttpRequest, payload: RatingIn) -> Status:
    invitation = invitation_by_token(payload.token)
    user = getattr(request, "user", None)
    rating = rating_submit_safe(
        invitation=invitation,
        level=payload.level,
        reasons=payload.reasons,
        comment=payload.comment,
        channel=payload.channel,
        anonymous=payload.anonymous,
        actor=user if getattr(user, "is_authenticated", False) else None,
    )
    return Status(
        201,
        RatingOut(
            id=str(rating.public_id),
            level=rating.level,
            level_name=str(rating.get_level_display()),
            is_bad=rating.is_bad,
            editable_until=rating.editable_until.isoformat(),
        ),
    )


# --- complaints and suggestions (投诉建议) of the signed-in person -------------------------------


def _complaint(ticket: Ticket) -> ComplaintOut:
    can_add, can_reopen = ticket_caller_actions(ticket)
    return ComplaintOut(
        number=ticket.number,
        type=ticket.type,
        type_name=str(ticket.get_type_display()),
        category=ticket.category,
        status=ticket.status,
        status_name=str(ticket.get_status_display()),
        title=ticket.title,
        content=ticket.content,
        region=ticket.region_id,
        region_name=ticket.region.name,
        department=ticket.department.name if ticket.department else None,
        created_at=ticket.created_at,
        due_at=ticket.due_at,
        reply=ticket.reply,
        replied_at=ticket.replied_at,
        reopened_at=ticket.reopened_at,
        can_add_information=can_add,
        can_reopen=can_reopen,
        supplements=[{"at": s["at"], "text": s["text"]} for s in ticket.supplements],
        events=[
            ComplaintEventOut(
                at=e.at,
                action=e.action,
                label=str(PUBLIC_EVENT_LABELS.get(e.action, e.action)),
                department=e.department.name if e.department else None,
            )
            for e in ticket_events(ticket, public_only=True)
        ],
    )


def _mine(request: HttpRequest, number: str) -> ComplaintOut:
    return _complaint(access_ticket_for_caller(request.auth, number))


@router.post(
    "/complaints",
    response={201: ComplaintOut, **ERRORS},
    operation_id="feedback_complaints_create",
    summary="提交投诉建议",
    description=(
        "以本人名义提交投诉、建议、咨询或表扬。选择了负责发生地的部门时直接转交该部门办理，"
        "否则由12345分派。答复时限按诉求类型计算。"
    ),
)
def complaints_create(request: HttpRequest, payload: ComplaintIn) -> Status:
    user = request.auth
    problems = []
    if payload.category and payload.category not in CATEGORIES:
        problems.append(FieldProblem("category", _("请从分类列表中选择，或不填。")))
    try:
        region = region_get(payload.region)
    except NotFound:
        region = None
        problems.append(FieldProblem("region", _("区划代码不存在，请填写6位区县代码，如 510104。")))
    department = None
    if region is not None and payload.department:
        department = department_in_region(region, payload.department)
        if department is None:
            problems.append(
                FieldProblem(
                    "department",
                    _("所选部门不负责该发生地的事务。请重新选择，或不填由12345分派。"),
                )
            )
    if problems:
        raise ValidationFailed(_("诉求信息不完整，请按提示修改。"), fields=problems)
    ticket = ticket_create(
        actor=user,
        caller=user,
        caller_name=user.real_name,
        caller_phone=user.phone,
        ticket_type=payload.type,
        channel=TicketChannel.RATING if payload.target_reference else TicketChannel.PORTAL,
        title=payload.title,
        content=payload.content,
        category=payload.category,
        region=region,
        department=department,
        target_kind=payload.target_kind,
        target_reference=payload.target_reference,
    )
    return Status(201, _mine(request, ticket.number))


@router.get(
    "/complaints",
    response={200: ComplaintPageOut, **ERRORS},
    operation_id="feedback_complaints_mine",
    summary="我的投诉建议",
    description="本人提交的投诉建议和12345诉求（登记了本人账号的），最新在前。",
)
def complaints_mine(request: HttpRequest, filters: Query[ComplaintFilter]) -> ComplaintPageOut:
    qs = tickets_of_caller(request.auth).order_by("-created_at", "-pk")
    if filters.status:
        if filters.status not in TicketStatus.values:
            raise ValidationFailed(
                _("状态不正确。"),
                fields=[
                    FieldProblem(
                        "status", _("可选：%(s)s。") % {"s": "、".join(TicketStatus.values)}
                    )
                ],
            )
        qs = qs.filter(status=filters.status)
    rows = qs[filters.offset : filters.offset + filters.limit]
    return ComplaintPageOut(
        count=qs.count(),
        items=[
            ComplaintSummaryOut(
                number=t.number,
                type=t.type,
                type_name=str(t.get_type_display()),
                status=t.status,
                status_name=str(t.get_status_display()),
                title=t.title,
                created_at=t.created_at,
                due_at=t.due_at,
                replied_at=t.replied_at,
            )
            for t in rows
        ],
    )


@router.get(
    "/complaints/{number}",
    response={200: ComplaintOut, **ERRORS},
    operation_id="feedback_complaints_get",
    summary="投诉建议详情",
    description="本人的一项诉求：内容、补充、办理过程和答复。他人的诉求返回 404。",
)
def complaints_get(request: HttpRequest, number: str) -> ComplaintOut:
    return _mine(request, number)


@router.post(
    "/complaints/{number}/information",
    response={200: ComplaintOut, **ERRORS},
    operation_id="feedback_complaints_add_information",
    summary="补充情况",
    description="办结前可随时补充情况，承办单位一并办理。已办结的返回 409。",
)
def complaints_add_information(
    request: HttpRequest, number: str, payload: ComplaintInformationIn
) -> ComplaintOut:
    ticket_supplement(actor=request.auth, number=number, text=payload.text)
    return _mine(request, number)


@router.post(
    "/complaints/{number}/reopen",
    response={200: ComplaintOut, **ERRORS},
    operation_id="feedback_complaints_reopen",
    summary="不满意，申请重新办理",
    description=(
        "答复后对结果不满意的，可申请重新办理一次，承办单位在新的时限内再次答复。"
        "已申请过、尚未答复或答复已过期限的返回 409。"
    ),
)
def complaints_reopen(
    request: HttpRequest, number: str, payload: ComplaintReopenIn
) -> ComplaintOut:
    ticket_reopen(actor=request.auth, number=number, reason=payload.reason)
    return _mine(request, number)
