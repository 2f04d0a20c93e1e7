"""/api/v1/feedback: ratings (好差评) and the rates of ratings and hotline tickets.

The rules are in the feedback app's services; the rate definitions in its selectors."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from tongban.api.schemas.feedback import (
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
from tongban.feedback.permissions import can_see_stats
from tongban.feedback.selectors import (
    RateFilters,
    Rates,
    feedback_rates,
    invitation_by_token,
    rates_total,
)
from tongban.feedback.services.ratings import rating_submit_safe

router = Router(tags=["feedback"])

DIGITS = {"province": 2, "city": 4, "county": 6}


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
