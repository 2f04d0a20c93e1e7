"""Input and output schemas of the feedback endpoints (api/routers/feedback.py)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field


class StatsFilter(Schema):
    group: Literal["department", "region", "none"] = Field(
        "department", description="分组：department 按部门，region 按区划，none 合计"
    )
    region_level: Literal["province", "city", "county"] = Field(
        "county", description="按区划分组时的层级"
    )
    start: date | None = Field(None, description="统计起始日期（含）")
    end: date | None = Field(None, description="统计截止日期（含）")
    region: str = Field("", max_length=12, description="只统计该区划（含下级）")


class RatesOut(Schema):
    coverage: float | None = Field(description="评价覆盖率 = 评价数 / 评价邀请数")
    satisfaction: float | None = Field(description="满意率 = 1–3级评价 / 评价数")
    bad: float | None = Field(description="差评率 = 4–5级评价 / 评价数")
    average_level: float | None = Field(description="平均满意度代码（1最好，5最差）")
    rectification: float | None = Field(description="差评整改率 = 已整改或已解释答复 / 有效差评")
    rectification_on_time: float | None = Field(description="按期整改率 = 按期答复 / 已答复")
    revisit: float | None = Field(description="实名差评回访率 = 已回访 / 已答复的实名差评")
    direct_answer: float | None = Field(description="直接答复率 = 直接答复 / 咨询工单")
    on_time_completion: float | None = Field(description="按时办结率 = 按时答复 / 派单后已答复")
    callback_satisfaction: float | None = Field(description="回访满意率 = 1–3级回访 / 回访数")
    duplicate: float | None = Field(description="重复诉求率")
    return_rate: float | None = Field(description="退单率 = 退单次数 / 工单数")


class CountsOut(Schema):
    invitations: int
    ratings: int
    satisfied: int
    bad: int
    bad_reviews: int
    bad_valid: int
    bad_answered: int
    bad_on_time: int
    bad_real_name_answered: int
    bad_revisited: int
    bad_overdue_open: int
    tickets: int
    consults: int
    direct_answers: int
    replied: int
    replied_on_time: int
    callbacks: int
    callback_satisfied: int
    duplicates: int
    returns: int


class StatsRowOut(Schema):
    key: str
    label: str
    counts: CountsOut
    rates: RatesOut


class StatsOut(Schema):
    group: str
    start: date | None
    end: date | None
    total: StatsRowOut
    rows: list[StatsRowOut]


class RatingIn(Schema):
    token: str = Field(max_length=64, description="评价邀请令牌（短信链接、二维码中携带）")
    level: int = Field(ge=1, le=5, description="满意度代码：1非常满意 … 5非常不满意")
    reasons: list[str] = Field(default_factory=list, max_length=10)
    comment: str = Field("", max_length=500)
    channel: str = Field("mobile", description="评价渠道（GB/T 39046 表9）")
    anonymous: bool = False


class RatingOut(Schema):
    id: str
    level: int
    level_name: str
    is_bad: bool
    editable_until: str
