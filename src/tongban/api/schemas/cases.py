"""Input and output schemas of /api/v1/cases (api/routers/cases.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

MAX_LIMIT = 100
MAX_OFFSET = 10_000


class Page(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class QueueFilter(Page):
    queue: Literal["todo", "accept", "mine", "unclaimed", "all", "closed", "drafts"] = "todo"
    clock: Literal["", "overdue", "warning", "on_time", "paused"] = ""
    q: str = Field("", max_length=50, description="办件编号前缀、事项名称或申请人名称")


class MineFilter(Page):
    status: str = Field("", max_length=16)


class ClockOut(Schema):
    state: str
    label: str
    promised_due: date | None
    legal_due: date | None
    days_left: int | None
    paused_days: int
    extension_days: int


class CaseSummaryOut(Schema):
    number: str
    item_code: str
    item_name: str
    kind: str
    status: str
    status_label: str
    applicant_name: str
    current_step: str
    current_step_name: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    promised_due_date: date | None
    version: int
    clock: ClockOut


class CasePageOut(Schema):
    count: int = Field(description="总数（超过1000时为1000，表示“1000+”）")
    items: list[CaseSummaryOut]


class MaterialOut(Schema):
    code: str
    name: str
    required: bool
    is_key: bool
    status: str
    satisfied_by: str
    file_name: str
    content_type: str
    size: int
    sm3: str
    scan_status: str
    evidence_label: str
    evidence_issuer: str
    tolerated_due_date: date | None


class EventOut(Schema):
    sequence: int
    action: str
    label: str
    stage: str
    business_action: str
    occurred_at: datetime
    actor_name: str
    unit: str
    from_status: str
    to_status: str
    step_name: str
    opinion: str
    legal_basis: str
    document_number: str


class DecisionOut(Schema):
    outcome: str
    document_number: str
    text: str
    reason: str
    legal_basis: str
    remedy_notice: str
    decided_at: datetime
    automatic: bool
    result_name: str
    result_reference: str


class DeliveryOut(Schema):
    method: str
    status: str
    carrier: str
    tracking_number: str
    license_reference: str
    sent_at: datetime | None
    delivered_at: datetime | None


class CorrectionOut(Schema):
    items: list[dict[str, Any]]
    note: str
    due_date: date
    notified_at: datetime
    resolved_at: datetime | None


class CaseDetailOut(CaseSummaryOut):
    form_data: dict[str, Any]
    channel: str
    handling_region: str
    accepting_region: str | None
    cross_region_mode: str
    tolerated: bool
    tolerated_due_date: date | None
    commitment: bool
    instant: bool
    assignee: str
    actions: list[str]
    materials: list[MaterialOut]
    events: list[EventOut]
    corrections: list[CorrectionOut]
    decision: DecisionOut | None
    deliveries: list[DeliveryOut]
    members: list[str]
    parent: str | None


class DraftIn(Schema):
    item_code: str = Field(max_length=31)
    enterprise_credit_code: str = Field(
        "", max_length=18, description="代企业申办时的统一社会信用代码"
    )
    form_data: dict[str, Any] = {}


class FormIn(Schema):
    form_data: dict[str, Any] = {}
    delivery_preference: Literal["", "online", "mail", "window"] | None = None


class AuthorizeIn(Schema):
    source: str = Field(max_length=20, description="license（电子证照）或 sharing（共享数据）")
    reference: str = Field(max_length=200)


class OfferOut(Schema):
    source: str
    reference: str
    label: str
    issuer: str


class MaterialChoiceOut(Schema):
    material: MaterialOut
    offers: list[OfferOut]
    no_need_to_bring: bool
    reason: str


class SubmitIn(Schema):
    request_tolerance: bool = False
    commitment: bool = False
    commitment_text: str = Field("", max_length=4000)


class SubmitOut(Schema):
    case: CaseDetailOut
    verification_code: str = Field(description="进度查询码，仅返回一次")


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


class ProgressOut(Schema):
    number: str
    item_name: str
    status: str
    status_label: str
    applicant: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    promised_due_date: date | None
    completed_at: datetime | None
    current_step_name: str
    events: list[dict[str, Any]]
    members: list[dict[str, Any]]


# --- staff actions: every one carries the version the caller saw ---------------------------------


class VersionIn(Schema):
    version: int = Field(ge=1, description="乐观锁：调用方看到的办件版本号")


class OpinionIn(VersionIn):
    opinion: str = Field("", max_length=2000)


class AcceptIn(OpinionIn):
    tolerated: list[str] = Field([], description="容缺受理的非核心材料编码")
    tolerated_days: int | None = Field(None, ge=1, le=60)


class NotAcceptIn(VersionIn):
    reason: str = Field(max_length=2000)
    legal_basis: str = Field(max_length=2000)


class CorrectionItemIn(Schema):
    code: str = Field(max_length=200, description="材料编码，或 form.<字段>")
    reason: str = Field(max_length=500)


class CorrectionIn(VersionIn):
    items: list[CorrectionItemIn]
    note: str = Field("", max_length=2000)
    legal_basis: str = Field("", max_length=2000)
    due_days: int | None = Field(None, ge=1, le=60)


class ApproveIn(OpinionIn):
    decision_text: str = Field("", max_length=4000)
    document_number: str = Field("", max_length=60)
    legal_basis: str = Field("", max_length=2000)


class DenyIn(VersionIn):
    reason: str = Field(max_length=2000)
    legal_basis: str = Field(max_length=2000)
    opinion: str = Field("", max_length=2000)


class DeliverIn(VersionIn):
    method: Literal["online", "mail", "window"]
    carrier: str = Field("", max_length=50)
    tracking_number: str = Field("", max_length=50)
    address: str = Field("", max_length=300)


class SuspendIn(VersionIn):
    reason_kind: str = Field(max_length=16)
    reason: str = Field(max_length=2000)


class ResumeIn(VersionIn):
    result: str = Field(max_length=2000)


class ExtensionIn(VersionIn):
    reason: str = Field(max_length=2000)
    days: int | None = Field(None, ge=1, le=15)


class ExtensionDecideIn(Schema):
    extension_id: int
    approve: bool
    note: str = Field("", max_length=500)


class AssignIn(VersionIn):
    assignee: str = Field(max_length=150, description="被分派人员的用户名")


class SupervisionRowOut(Schema):
    key: Any
    name: str
    open: int
    on_time: int
    warning: int
    overdue: int
    paused: int


class NotificationOut(Schema):
    id: int
    case_number: str | None
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class HallOut(Schema):
    id: str
    name: str
    region: str
    address: str
    hours: str


class SlotOut(Schema):
    id: str
    date: date
    start: str
    end: str
    capacity: int
    remaining: int


class BookIn(Schema):
    slot_id: str
    item_code: str = Field(max_length=31)


class AppointmentOut(Schema):
    id: str
    code: str
    status: str
    hall: str
    date: date
    start: str
    item_name: str
