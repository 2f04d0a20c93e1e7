"""Input and output schemas of the feedback endpoints (api/routers/feedback.py)."""

from __future__ import annotations

from datetime import date, datetime
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


class ComplaintIn(Schema):
    type: Literal["complaint", "suggestion", "consult", "praise"] = Field(
        "complaint", description="类型：complaint 投诉，suggestion 建议，consult 咨询，praise 表扬"
    )
    category: str = Field("", max_length=50, description="分类（见投诉建议页的分类列表），可空")
    region: str = Field(max_length=12, description="发生地行政区划代码，如 510104")
    department: str = Field(
        "", max_length=36, description="涉及部门的 id（须负责该发生地）；空则由12345分派"
    )
    title: str = Field(max_length=200, description="一句话概括")
    content: str = Field(max_length=5000, description="时间、地点、经过和希望如何处理")
    target_kind: Literal["", "case", "window", "hotline"] = Field(
        "", description="涉及的服务类别（从评价页提出时）"
    )
    target_reference: str = Field("", max_length=64, description="涉及的服务编号")


class ComplaintInformationIn(Schema):
    text: str = Field(max_length=2000, description="补充的情况")


class ComplaintReopenIn(Schema):
    reason: str = Field(max_length=2000, description="对答复不满意的原因")


class ComplaintFilter(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10000)
    status: str = Field("", max_length=16, description="只看该状态的诉求")


class ComplaintEventOut(Schema):
    at: datetime
    action: str
    label: str
    department: str | None


class ComplaintSupplementOut(Schema):
    at: str
    text: str


class ComplaintOut(Schema):
    number: str = Field(description="工单编号")
    type: str
    type_name: str
    category: str
    status: str
    status_name: str
    title: str
    content: str
    region: str
    region_name: str
    department: str | None = Field(description="承办单位名称；未派单时为 null")
    created_at: datetime
    due_at: datetime | None = Field(description="答复时限")
    reply: str
    replied_at: datetime | None
    reopened_at: datetime | None
    can_add_information: bool
    can_reopen: bool
    supplements: list[ComplaintSupplementOut]
    events: list[ComplaintEventOut]


class ComplaintSummaryOut(Schema):
    number: str
    type: str
    type_name: str
    status: str
    status_name: str
    title: str
    created_at: datetime
    due_at: datetime | None
    replied_at: datetime | None


class ComplaintPageOut(Schema):
    count: int
    items: list[ComplaintSummaryOut]
