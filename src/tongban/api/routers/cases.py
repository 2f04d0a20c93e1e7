"""/api/v1/cases: the whole case lifecycle for applicants and staff (bearer token or session).

Applicants: drafts, form, materials (upload / e-license / shared data), submit, withdraw,
corrections, my cases, notifications, appointments. Staff: queues, detail, every transition as
its own operation, supervision counts. Every staff transition carries `version` (optimistic
locking): a stale version answers 409 `stale_version` and changes nothing. Progress queries by
number and verification code need no sign-in. Rules live in tongban.cases.services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from tongban.api.schemas.cases import (
    AcceptIn,
    AppointmentOut,
    ApproveIn,
    AssignIn,
    AuthorizeIn,
    BookIn,
    CaseDetailOut,
    CasePageOut,
    CorrectionIn,
    DeliverIn,
    DenyIn,
    DraftIn,
    ExtensionDecideIn,
    ExtensionIn,
    FormIn,
    HallOut,
    MaterialChoiceOut,
    MineFilter,
    NotAcceptIn,
    NotificationOut,
    OpinionIn,
    Page,
    ProgressOut,
    QueueFilter,
    ReasonIn,
    ResumeIn,
    SlotOut,
    SubmitIn,
    SubmitOut,
    SupervisionRowOut,
    SuspendIn,
    VersionIn,
)
from tongban.api.schemas.catalog import ProblemOut
from tongban.cases import selectors
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.permissions import (
    access_case_by_number,
    access_case_for_applicant,
    access_case_for_staff,
    enterprise_for_actor,
)
from tongban.cases.services import apply, appointments, lifecycle, notifications
from tongban.cases.services.clock import ClockInfo, clock_state

router = Router(tags=["cases"])

ERRORS = {
    400: ProblemOut,
    401: ProblemOut,
    403: ProblemOut,
    404: ProblemOut,
    409: ProblemOut,
    422: ProblemOut,
}
MAX_UPLOAD_READ = 50 * 1024 * 1024


# --- shaping -------------------------------------------------------------------------------------


def _clock(info: ClockInfo) -> dict[str, Any]:
    return {
        "state": info.state,
        "label": info.label,
        "promised_due": info.promised_due,
        "legal_due": info.legal_due,
        "days_left": info.days_left,
        "paused_days": info.paused_days,
        "extension_days": info.extension_days,
    }


def _summary(case: Case, info: ClockInfo | None = None) -> dict[str, Any]:
    return {
        "number": case.number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "kind": case.kind,
        "status": case.status,
        "status_label": case.get_status_display(),
        "applicant_name": case.applicant_name,
        "current_step": case.current_step,
        "current_step_name": case.current_step_name,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "promised_due_date": case.promised_due_date,
        "version": case.version,
        "clock": _clock(info or clock_state(case)),
    }


def _material(m: CaseMaterial) -> dict[str, Any]:
    return {
        "code": m.code,
        "name": m.name,
        "required": m.required,
        "is_key": m.is_key,
        "status": m.status,
        "satisfied_by": m.satisfied_by,
        "file_name": m.file_name,
        "content_type": m.content_type,
        "size": m.size,
        "sm3": m.sm3,
        "scan_status": m.scan_status,
        "evidence_label": m.evidence.get("label", ""),
        "evidence_issuer": m.evidence.get("issuer", ""),
        "tolerated_due_date": m.tolerated_due_date,
    }


def _detail(d: selectors.CaseDetail) -> dict[str, Any]:
    case = d.case
    out = _summary(case, d.clock)
    out.update(
        form_data=case.form_data,
        channel=case.channel,
        handling_region=case.handling_region_id,
        accepting_region=case.accepting_region_id,
        cross_region_mode=case.cross_region_mode,
        tolerated=case.tolerated,
        tolerated_due_date=case.tolerated_due_date,
        commitment=case.commitment,
        instant=case.instant,
        assignee=case.assignee.username if case.assignee_id else "",
        actions=d.actions,
        materials=[_material(m) for m in d.materials],
        events=[
            {
                "sequence": e.sequence,
                "action": e.action,
                "label": e.action_label,
                "stage": e.stage,
                "business_action": e.business_action,
                "occurred_at": e.occurred_at,
                "actor_name": e.actor_name,
                "unit": e.actor_unit_name,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "step_name": e.step_name,
                "opinion": e.opinion,
                "legal_basis": e.legal_basis,
                "document_number": e.document_number,
            }
            for e in d.events
        ],
        corrections=[
            {
                "items": c.items,
                "note": c.note,
                "due_date": c.due_date,
                "notified_at": c.notified_at,
                "resolved_at": c.resolved_at,
            }
            for c in d.corrections
        ],
        decision=None
        if d.decision is None
        else {
            "outcome": d.decision.outcome,
            "document_number": d.decision.document_number,
            "text": d.decision.text,
            "reason": d.decision.reason,
            "legal_basis": d.decision.legal_basis,
            "remedy_notice": d.decision.remedy_notice,
            "decided_at": d.decision.decided_at,
            "automatic": d.decision.automatic,
            "result_name": d.decision.result_name,
            "result_reference": d.decision.result_reference,
        },
        deliveries=[
            {
                "method": x.method,
                "status": x.status,
                "carrier": x.carrier,
                "tracking_number": x.tracking_number,
                "license_reference": x.license_reference,
                "sent_at": x.sent_at,
                "delivered_at": x.delivered_at,
            }
            for x in d.deliveries
        ],
        members=[m.number for m in d.members],
        parent=d.parent.number if d.parent else None,
    )
    return out


def _detail_for(request: HttpRequest, number: str) -> dict[str, Any]:
    case = access_case_by_number(request.user, number)
    if case.applicant_id == request.user.pk or getattr(request.user, "kind", "") != "staff":
        return _detail(selectors.case_detail_for_applicant(request.user, number))
    return _detail(selectors.case_detail_for_staff(request.user, number))


def _staff_case(request: HttpRequest, number: str, version: int | None) -> Case:
    case = access_case_for_staff(request.user, number)
    if version is not None:
        case.version = version  # the version the caller saw: a stale one is refused (409)
    return case


def _applicant_case(request: HttpRequest, number: str) -> Case:
    return access_case_by_number(request.user, number)


COUNT_CAP = 1_000


def _count(qs: Any) -> int:
    """Exact up to COUNT_CAP, then COUNT_CAP ("1000+"): counting a whole backlog on every page
    would read every row of it."""
    return qs[:COUNT_CAP].count()


# --- applicant side --------------------------------------------------------------------------------


@router.get(
    "/progress", response={200: ProgressOut, **ERRORS}, auth=None, operation_id="cases_progress"
)
def progress(request: HttpRequest, number: str, code: str) -> Any:
    """办件进度查询：办件编号 + 查询码，无需登录。"""
    view = selectors.case_progress_lookup(number=number, code=code)
    return view.__dict__


@router.get("/mine", response={200: CasePageOut, **ERRORS}, operation_id="cases_mine")
def mine(request: HttpRequest, filters: Query[MineFilter]) -> Any:
    """我的办件（含所代理企业的办件），最新在前。"""
    qs = selectors.case_list_for_applicant(request.user, status=filters.status)
    rows = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": _count(qs), "items": [_summary(c, i) for c, i in selectors.with_clock(rows)]}


@router.post("/drafts", response={201: CaseDetailOut, **ERRORS}, operation_id="cases_draft_create")
def draft_create(request: HttpRequest, body: DraftIn) -> Any:
    """开始申请（暂存）。代企业申办时填写企业统一社会信用代码。"""
    company = (
        enterprise_for_actor(request.user, body.enterprise_credit_code)
        if body.enterprise_credit_code
        else None
    )
    case = apply.case_draft_create(
        actor=request.user,
        item_code=body.item_code,
        legal_person=company,
        channel="api",
        form_data=body.form_data,
    )
    return Status(201, _detail_for(request, case.number))


@router.patch(
    "/{number}/form", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_form_save"
)
def form_save(request: HttpRequest, number: str, body: FormIn) -> Any:
    """保存申请表（边填边存）。"""
    case = _applicant_case(request, number)
    apply.case_draft_save(
        actor=request.user,
        case=case,
        form_data=body.form_data,
        delivery_preference=body.delivery_preference,
    )
    return _detail_for(request, number)


@router.get(
    "/{number}/materials",
    response={200: list[MaterialChoiceOut], **ERRORS},
    operation_id="cases_materials",
)
def materials(request: HttpRequest, number: str) -> Any:
    """每项材料及可用的电子证照/共享数据（免提交）。"""
    case = _applicant_case(request, number)
    return [
        {
            "material": _material(c.material),
            "offers": [o.__dict__ for o in c.offers],
            "no_need_to_bring": c.no_need_to_bring,
            "reason": c.reason,
        }
        for c in selectors.material_choices(request.user, case)
    ]


@router.post(
    "/{number}/materials/{code}/file",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_material_upload",
)
def material_upload(
    request: HttpRequest,
    number: str,
    code: str,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way of declaring a file part
) -> Any:
    """上传材料（PDF、JPG、PNG、OFD）。"""
    case = _applicant_case(request, number)
    content = file.read(MAX_UPLOAD_READ + 1)
    apply.case_material_upload(
        actor=request.user,
        case=case,
        code=code,
        file_name=file.name or "file",
        content=content,
        content_type=file.content_type or "",
    )
    return _detail_for(request, number)


@router.post(
    "/{number}/materials/{code}/authorize",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_material_authorize",
)
def material_authorize(request: HttpRequest, number: str, code: str, body: AuthorizeIn) -> Any:
    """授权使用电子证照或共享数据代替该材料。"""
    case = _applicant_case(request, number)
    apply.case_material_authorize(
        actor=request.user, case=case, code=code, source=body.source, reference=body.reference
    )
    return _detail_for(request, number)


@router.post("/{number}/submit", response={200: SubmitOut, **ERRORS}, operation_id="cases_submit")
def submit(request: HttpRequest, number: str, body: SubmitIn) -> Any:
    case = _applicant_case(request, number)
    result = apply.case_submit(
        actor=request.user,
        case=case,
        request_tolerance=body.request_tolerance,
        commitment=body.commitment,
        commitment_text=body.commitment_text,
    )
    return {"case": _detail_for(request, number), "verification_code": result.verification_code}


@router.post(
    "/{number}/withdraw", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_withdraw"
)
def withdraw(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    case = access_case_for_applicant(request.user, number)
    apply.case_withdraw(actor=request.user, case=case, reason=body.reason)
    return _detail_for(request, number)


@router.post(
    "/{number}/correction",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_correction_submit",
)
def correction_submit(request: HttpRequest, number: str, body: ReasonIn) -> Any:
    """提交补正。"""
    case = _applicant_case(request, number)
    apply.case_correction_submit(actor=request.user, case=case, note=body.reason)
    return _detail_for(request, number)


# --- staff ------------------------------------------------------------------------------------------


@router.get("/staff/queue", response={200: CasePageOut, **ERRORS}, operation_id="cases_queue")
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    """工作台队列：按承诺期限排序。"""
    qs = selectors.case_queue(request.user, queue=filters.queue, clock=filters.clock, q=filters.q)
    rows = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": _count(qs), "items": [_summary(c, i) for c, i in selectors.with_clock(rows)]}


@router.get(
    "/staff/supervision",
    response={200: list[SupervisionRowOut], **ERRORS},
    operation_id="cases_supervision",
)
def supervision(request: HttpRequest, by: str = "department") -> Any:
    """效能监察：各部门（或区划）在办、黄灯、红灯数量。"""
    return [row.__dict__ for row in selectors.supervision_counts(request.user, by=by)]


def _act(request: HttpRequest, number: str) -> Any:
    return _detail(selectors.case_detail_for_staff(request.user, number))


@router.post("/{number}/claim", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_claim")
def claim(request: HttpRequest, number: str, body: VersionIn) -> Any:
    lifecycle.case_claim(actor=request.user, case=_staff_case(request, number, body.version))
    return _act(request, number)


@router.post(
    "/{number}/assign", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_assign"
)
def assign(request: HttpRequest, number: str, body: AssignIn) -> Any:
    case = _staff_case(request, number, body.version)
    assignee = selectors.assignee_get(request.user, case, body.assignee)
    lifecycle.case_assign(actor=request.user, case=case, assignee=assignee)
    return _act(request, number)


@router.post(
    "/{number}/accept", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_accept"
)
def accept(request: HttpRequest, number: str, body: AcceptIn) -> Any:
    """受理（可容缺受理非核心材料）。"""
    lifecycle.case_accept(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        opinion=body.opinion,
        tolerated=body.tolerated,
        tolerated_days=body.tolerated_days,
    )
    return _act(request, number)


@router.post(
    "/{number}/not-accept", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_not_accept"
)
def not_accept(request: HttpRequest, number: str, body: NotAcceptIn) -> Any:
    lifecycle.case_not_accept(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        reason=body.reason,
        legal_basis=body.legal_basis,
    )
    return _act(request, number)


@router.post(
    "/{number}/request-correction",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_request_correction",
)
def request_correction(request: HttpRequest, number: str, body: CorrectionIn) -> Any:
    """补正告知：一次性列明全部需补正内容。"""
    lifecycle.case_request_correction(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        items=[{"code": i.code, "reason": i.reason} for i in body.items],
        note=body.note,
        legal_basis=body.legal_basis,
        due_days=body.due_days,
    )
    return _act(request, number)


@router.post(
    "/{number}/forward", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_forward"
)
def forward(request: HttpRequest, number: str, body: OpinionIn) -> Any:
    lifecycle.case_forward(
        actor=request.user, case=_staff_case(request, number, body.version), opinion=body.opinion
    )
    return _act(request, number)


@router.post(
    "/{number}/return", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_return"
)
def return_step(request: HttpRequest, number: str, body: OpinionIn) -> Any:
    lifecycle.case_return(
        actor=request.user, case=_staff_case(request, number, body.version), opinion=body.opinion
    )
    return _act(request, number)


@router.post(
    "/{number}/approve", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_approve"
)
def approve(request: HttpRequest, number: str, body: ApproveIn) -> Any:
    lifecycle.case_approve(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        opinion=body.opinion,
        decision_text=body.decision_text,
        document_number=body.document_number,
        legal_basis=body.legal_basis,
    )
    return _act(request, number)


@router.post("/{number}/deny", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_deny")
def deny(request: HttpRequest, number: str, body: DenyIn) -> Any:
    lifecycle.case_deny(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        reason=body.reason,
        legal_basis=body.legal_basis,
        opinion=body.opinion,
    )
    return _act(request, number)


@router.post(
    "/{number}/complete", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_complete"
)
def complete(request: HttpRequest, number: str, body: OpinionIn) -> Any:
    """办结（结果为证照的自动签发电子证照）。"""
    lifecycle.case_complete(
        actor=request.user, case=_staff_case(request, number, body.version), opinion=body.opinion
    )
    return _act(request, number)


@router.post(
    "/{number}/deliver", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_deliver"
)
def deliver(request: HttpRequest, number: str, body: DeliverIn) -> Any:
    lifecycle.case_deliver(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        method=body.method,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        address=body.address,
    )
    return _act(request, number)


@router.post(
    "/{number}/suspend", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_suspend"
)
def suspend(request: HttpRequest, number: str, body: SuspendIn) -> Any:
    """启动特别程序（暂停计时）。"""
    lifecycle.case_suspend(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        reason_kind=body.reason_kind,
        reason=body.reason,
    )
    return _act(request, number)


@router.post(
    "/{number}/resume", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_resume"
)
def resume(request: HttpRequest, number: str, body: ResumeIn) -> Any:
    lifecycle.case_resume(
        actor=request.user, case=_staff_case(request, number, body.version), result=body.result
    )
    return _act(request, number)


@router.post(
    "/{number}/extension",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_extension_request",
)
def extension_request(request: HttpRequest, number: str, body: ExtensionIn) -> Any:
    lifecycle.case_extension_request(
        actor=request.user,
        case=_staff_case(request, number, body.version),
        reason=body.reason,
        days=body.days,
    )
    return _act(request, number)


@router.post(
    "/{number}/extension/decide",
    response={200: CaseDetailOut, **ERRORS},
    operation_id="cases_extension_decide",
)
def extension_decide(request: HttpRequest, number: str, body: ExtensionDecideIn) -> Any:
    lifecycle.case_extension_decide(
        actor=request.user,
        case=_staff_case(request, number, None),
        extension_id=body.extension_id,
        approve=body.approve,
        note=body.note,
    )
    return _act(request, number)


# --- notifications and appointments -----------------------------------------------------------------


@router.get(
    "/me/notifications",
    response={200: list[NotificationOut], **ERRORS},
    operation_id="cases_notifications",
)
def notifications_list(request: HttpRequest, page: Query[Page], unread: bool = False) -> Any:
    rows = selectors.notifications_for(request.user, unread_only=unread)[
        page.offset : page.offset + page.limit
    ]
    return [
        {
            "id": n.pk,
            "case_number": n.case.number if n.case_id else None,
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }
        for n in rows
    ]


@router.post(
    "/me/notifications/{notification_id}/read",
    response={204: None, **ERRORS},
    operation_id="cases_notification_read",
)
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    notifications.notification_mark_read(actor=request.user, notification_id=notification_id)
    return Status(204, None)


@router.get(
    "/halls", response={200: list[HallOut], **ERRORS}, auth=None, operation_id="cases_halls"
)
def halls(request: HttpRequest, region: str = "") -> Any:
    return [
        {
            "id": str(h.public_id),
            "name": h.name,
            "region": h.region_id,
            "address": h.address,
            "hours": h.hours,
        }
        for h in selectors.halls_list(region_code=region)
    ]


@router.get(
    "/halls/{hall_id}/slots",
    response={200: list[SlotOut], **ERRORS},
    auth=None,
    operation_id="cases_slots",
)
def slots(request: HttpRequest, hall_id: str, item_code: str = "") -> Any:
    hall = selectors.hall_get(hall_id)
    item = selectors.item_for_apply(item_code) if item_code else None
    return [
        {
            "id": str(s.public_id),
            "date": s.date,
            "start": s.start.strftime("%H:%M"),
            "end": s.end.strftime("%H:%M"),
            "capacity": s.capacity,
            "remaining": s.remaining,
        }
        for s in selectors.slots_available(hall, item=item)
    ]


def _appointment(a: Any) -> dict[str, Any]:
    return {
        "id": str(a.public_id),
        "code": a.code,
        "status": a.status,
        "hall": a.slot.hall.name,
        "date": a.slot.date,
        "start": a.slot.start.strftime("%H:%M"),
        "item_name": a.item.name,
    }


@router.get(
    "/me/appointments",
    response={200: list[AppointmentOut], **ERRORS},
    operation_id="cases_appointments",
)
def my_appointments(request: HttpRequest) -> Any:
    return [_appointment(a) for a in selectors.appointments_for(request.user)]


@router.post(
    "/me/appointments",
    response={201: AppointmentOut, **ERRORS},
    operation_id="cases_appointment_book",
)
def book(request: HttpRequest, body: BookIn) -> Any:
    """预约窗口时段（每人每时段限一次，约满即止）。"""
    slot = selectors.slot_get(body.slot_id)
    item = selectors.item_for_apply(body.item_code)
    return Status(
        201, _appointment(appointments.appointment_book(actor=request.user, slot=slot, item=item))
    )


@router.post(
    "/me/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, **ERRORS},
    operation_id="cases_appointment_cancel",
)
def cancel(request: HttpRequest, appointment_id: str) -> Any:
    appointment = selectors.appointment_get_for_user(request.user, appointment_id)
    return _appointment(
        appointments.appointment_cancel(actor=request.user, appointment=appointment)
    )


# Last: "/{number}" would otherwise shadow the literal paths above (/halls, /mine …).
@router.get("/{number}", response={200: CaseDetailOut, **ERRORS}, operation_id="cases_get")
def get_case(request: HttpRequest, number: str) -> Any:
    return _detail_for(request, number)
