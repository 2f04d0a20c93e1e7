"""Requests (诉求工单): the 12345 desk, portal complaints and suggestions, Open311.

受理 (`ticket_create`) → 直接答复 from the knowledge base (`ticket_answer`, closes it) or 派单
(`ticket_dispatch`, deadline by type × urgency from the province's settings) → the department
replies (`ticket_reply`) or returns it with a reason (`ticket_return`, back to the desk for
改派) → 督办 of overdue ones (`ticket_supervise`) → 回访 (`ticket_callback`, records the caller's
satisfaction as a hotline rating and closes it). The person may add information
(`ticket_supplement`) while it is open and reopen it once (`ticket_reopen`) if unsatisfied.
"""

from __future__ import annotations

import difflib
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import blind_index
from tongban.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import mask_phone
from tongban.core.models import Department, Region
from tongban.core.scopes import staff_scope
from tongban.core.workdays import CHINA_TZ, add_workdays, local_today
from tongban.feedback.conf import rules
from tongban.feedback.models import (
    OPEN_TICKET_STATUSES,
    KnowledgeEntry,
    RatingChannel,
    RatingStage,
    ServiceKind,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketStatus,
    TicketType,
    Urgency,
)
from tongban.feedback.permissions import (
    DEPARTMENT_ROLES,
    DESK_ROLES,
    access_ticket_for_caller,
    department_tickets,
    desk_tickets,
)
from tongban.feedback.services.ratings import rating_invite, rating_submit

PHONE_PURPOSE = "feedback.Ticket.caller_phone"

# Categories (诉求分类) offered on forms; GB/T 39666 codes are unconfirmed (standards.md §5.3),
# so these are labels, not codes.
CATEGORIES = (
    "政务服务",
    "市场监管",
    "社会保障",
    "城乡建设",
    "交通出行",
    "环境保护",
    "教育卫生",
    "公共安全",
    "其他",
)


def phone_index(phone: str) -> str:
    return blind_index(phone, purpose=PHONE_PURPOSE) if phone else ""


def _event(
    ticket: Ticket,
    action: str,
    *,
    actor: Any,
    note: str = "",
    department: Department | None = None,
    public: bool = True,
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        department=department,
        note=note,
        public=public,
    )


def due_at_for(*, ticket_type: str, urgency: str, start: datetime | None = None) -> datetime:
    unit, amount = rules().time_limit(urgency=urgency, ticket_type=ticket_type)
    start = start or timezone.now()
    if unit == "hours":
        return start + timedelta(hours=amount)
    day = add_workdays(start.astimezone(CHINA_TZ).date(), amount)
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA_TZ)


def _find_duplicate(
    *, caller: Any, phone_idx: str, region: Region, content: str, ticket_type: str
) -> Ticket | None:
    """Likely duplicate (重复诉求): the same caller (account or phone), the same region, similar
    content, within the configured number of days; the newest match wins."""
    who = Q()
    if phone_idx:
        who |= Q(caller_phone_index=phone_idx)
    if caller is not None and getattr(caller, "pk", None):
        who |= Q(caller_id=caller.pk)
    if not who:
        return None
    conf = rules()
    since = timezone.now() - timedelta(days=conf.duplicate_days)
    candidates = (
        Ticket.objects.filter(who, region=region, created_at__gte=since)
        .only("pk", "number", "content", "type", "duplicate_of_id")
        .order_by("-created_at")[:20]
    )
    for other in candidates:
        ratio = difflib.SequenceMatcher(None, other.content, content, autojunk=False).ratio()
        if ratio >= conf.duplicate_similarity:
            return other
    return None


def _validate_new(
    *, ticket_type: str, channel: str, urgency: str, title: str, content: str
) -> None:
    problems = []
    if ticket_type not in TicketType.values:
        problems.append(
            FieldProblem("type", _("请选择诉求类型：咨询、求助、投诉、举报、建议或表扬。"))
        )
    if channel not in TicketChannel.values:
        problems.append(FieldProblem("channel", _("来源渠道不正确。")))
    if urgency not in Urgency.values:
        problems.append(FieldProblem("urgency", _("请选择紧急程度：一般、紧急或特急。")))
    if not title.strip():
        problems.append(FieldProblem("title", _("请用一句话概括诉求。")))
    elif len(title) > 200:
        problems.append(FieldProblem("title", _("标题请控制在200字以内。")))
    if not content.strip():
        problems.append(
            FieldProblem("content", _("请写明诉求的具体内容：时间、地点、经过和希望如何处理。"))
        )
    elif len(content) > 5000:
        problems.append(FieldProblem("content", _("诉求内容请控制在5000字以内。")))
    if problems:
        raise ValidationFailed(_("诉求信息不完整，请按提示修改。"), fields=problems)


@transaction.atomic
def ticket_create(
    *,
    actor: Any,
    ticket_type: str,
    channel: str,
    title: str,
    content: str,
    region: Region,
    caller: Any = None,
    caller_name: str = "",
    caller_phone: str = "",
    urgency: str = Urgency.NORMAL,
    category: str = "",
    address: str = "",
    item_code: str = "",
    target_kind: str = "",
    target_reference: str = "",
    reported_department: Department | None = None,
    department: Department | None = None,
    open311_key: Any = None,
) -> Ticket:
    """受理: a call or a web message becomes a ticket. With `department` (a portal complaint
    naming the department concerned), it is dispatched at once."""
    _validate_new(
        ticket_type=ticket_type, channel=channel, urgency=urgency, title=title, content=content
    )
    if channel == TicketChannel.PHONE and not staff_scope(actor, roles=DESK_ROLES).covers_region(
        region.pk
    ):
        raise PermissionDenied(_("只有本区划的12345话务员可以受理来电。"))
    caller_phone = (caller_phone or "").strip()
    phone_idx = phone_index(caller_phone)
    duplicate = _find_duplicate(
        caller=caller, phone_idx=phone_idx, region=region, content=content, ticket_type=ticket_type
    )
    ticket = Ticket(
        number="pending-" + timezone.now().strftime("%H%M%S%f"),
        type=ticket_type,
        channel=channel,
        category=category[:50],
        urgency=urgency,
        title=title.strip(),
        content=content.strip(),
        region=region,
        address=address[:300],
        caller=caller if getattr(caller, "pk", None) else None,
        caller_name=caller_name.strip()[:50],
        caller_phone=caller_phone,
        item_code=item_code[:40],
        target_kind=target_kind,
        target_reference=target_reference[:64],
        reported_department=reported_department,
        operator=actor if channel == TicketChannel.PHONE else None,
        duplicate_of=(duplicate.duplicate_of or duplicate) if duplicate else None,
        open311_key=open311_key,
    )
    ticket.save()
    # The primary key makes the number unique without a counter table or a retry loop.
    ticket.number = f"RX{local_today():%Y%m%d}{ticket.pk:08d}"
    Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
    _event(ticket, "created", actor=actor, note=ticket.get_channel_display())
    if ticket.duplicate_of_id:
        _event(
            ticket,
            "duplicate",
            actor=None,
            note=_("疑似重复诉求，原工单：%(number)s") % {"number": ticket.duplicate_of.number},
            public=False,
        )
    audit_record(
        actor=actor,
        action="feedback.ticket.create",
        obj=ticket,
        summary={
            "number": ticket.number,
            "type": ticket_type,
            "channel": channel,
            "region": region.pk,
            "caller_phone": mask_phone(caller_phone) if caller_phone else "",
            "duplicate_of": ticket.duplicate_of.number if ticket.duplicate_of else None,
        },
    )
    if department is not None:
        _dispatch(ticket, department=department, actor=actor, note="")
    return ticket


def _dispatch(ticket: Ticket, *, department: Department, actor: Any, note: str) -> None:
    now = timezone.now()
    ticket.department = department
    ticket.status = TicketStatus.DISPATCHED
    ticket.dispatched_at = now
    ticket.due_at = due_at_for(ticket_type=ticket.type, urgency=ticket.urgency, start=now)
    ticket.dispatch_count += 1
    # Not the encrypted caller columns: re-encrypting them on every step costs SM4 for nothing.
    ticket.save(
        update_fields=[
            "department",
            "status",
            "dispatched_at",
            "due_at",
            "dispatch_count",
            "urgency",
            "reopened_at",
            "closed_at",
            "replied_at",
            "replied_on_time",
            "callback_at",
            "updated_at",
        ]
    )
    _event(ticket, "dispatched", actor=actor, department=department, note=note)
    audit_record(
        actor=actor,
        action="feedback.ticket.dispatch",
        obj=ticket,
        summary={
            "number": ticket.number,
            "department": department.pk,
            "due_at": ticket.due_at,
            "dispatch_count": ticket.dispatch_count,
        },
    )


def _locked(actor: Any, number: str, *, desk: bool) -> Ticket:
    """The ticket, row-locked, if the actor's scope (desk or department) reaches it: one query,
    NotFound whether missing or out of scope."""
    qs = Ticket.objects.select_for_update(of=("self",)).select_related("department").order_by()
    scoped = desk_tickets(actor, qs) if desk else department_tickets(actor, qs)
    ticket = scoped.filter(number=number).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _locked_for_desk(actor: Any, number: str) -> Ticket:
    return _locked(actor, number, desk=True)


def _locked_for_department(actor: Any, number: str) -> Ticket:
    return _locked(actor, number, desk=False)


@transaction.atomic
def ticket_dispatch(
    *, actor: Any, number: str, department: Department, urgency: str | None = None, note: str = ""
) -> Ticket:
    """派单 (or 改派 after a return) to the department concerned, with the deadline that the
    province's settings give for the ticket's type and urgency."""
    ticket = _locked_for_desk(actor, number)
    if ticket.status not in (TicketStatus.NEW, TicketStatus.RETURNED):
        raise Conflict(_("该工单已派出或已办结，不能再派单。"))
    if urgency is not None:
        if urgency not in Urgency.values:
            raise ValidationFailed(
                _("紧急程度不正确。"),
                fields=[FieldProblem("urgency", _("请选择一般、紧急或特急。"))],
            )
        ticket.urgency = urgency
    if not department.is_active:
        raise ValidationFailed(
            _("该部门已停用。"), fields=[FieldProblem("department", _("请选择在用的承办单位。"))]
        )
    _dispatch(ticket, department=department, actor=actor, note=note.strip())
    return ticket


@transaction.atomic
def ticket_answer(
    *, actor: Any, number: str, answer: str, knowledge: KnowledgeEntry | None
) -> Ticket:
    """直接答复: the operator answers on the spot (from the knowledge base when `knowledge` is
    given, which counts its use); the ticket is closed."""
    ticket = _locked_for_desk(actor, number)
    if ticket.status != TicketStatus.NEW:
        raise Conflict(_("只有待受理的工单可以直接答复。"))
    text = (answer or "").strip() or (knowledge.answer if knowledge else "")
    if not text:
        raise ValidationFailed(
            _("请填写答复内容。"),
            fields=[FieldProblem("answer", _("请填写答复内容或选择知识库条目。"))],
        )
    now = timezone.now()
    ticket.answered_directly = True
    ticket.knowledge = knowledge
    ticket.reply = text
    ticket.replied_at = now
    ticket.replied_on_time = True
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.operator = ticket.operator or actor
    ticket.save()
    if knowledge is not None:
        KnowledgeEntry.objects.filter(pk=knowledge.pk).update(use_count=F("use_count") + 1)
    _event(ticket, "answered", actor=actor, note=text)
    audit_record(
        actor=actor,
        action="feedback.ticket.answer",
        obj=ticket,
        summary={"number": ticket.number, "knowledge": knowledge.pk if knowledge else None},
    )
    return ticket


@transaction.atomic
def ticket_return(*, actor: Any, number: str, reason: str) -> Ticket:
    """退单: the department says the matter is not theirs, with the reason, for 改派."""
    ticket = _locked_for_department(actor, number)
    if ticket.status != TicketStatus.DISPATCHED:
        raise Conflict(_("只有办理中的工单可以退单。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(
            _("请写明退单理由。"),
            fields=[FieldProblem("reason", _("请说明为何不属于本单位职责，以及建议的承办单位。"))],
        )
    department = ticket.department
    ticket.status = TicketStatus.RETURNED
    ticket.department = None
    ticket.due_at = None
    ticket.return_count += 1
    ticket.save()
    _event(ticket, "returned", actor=actor, department=department, note=reason, public=False)
    audit_record(
        actor=actor,
        action="feedback.ticket.return",
        obj=ticket,
        summary={"number": ticket.number, "department": department.pk if department else None},
        reason=reason,
    )
    return ticket


@transaction.atomic
def ticket_reply(*, actor: Any, number: str, reply: str) -> Ticket:
    """The department's reply (办理答复); the desk then calls back."""
    ticket = _locked_for_department(actor, number)
    if ticket.status != TicketStatus.DISPATCHED:
        raise Conflict(_("只有办理中的工单可以答复。"))
    reply = (reply or "").strip()
    if len(reply) < 4:
        raise ValidationFailed(
            _("请填写答复内容。"),
            fields=[FieldProblem("reply", _("请写明办理结果，让诉求人看得懂下一步怎么办。"))],
        )
    now = timezone.now()
    ticket.reply = reply
    ticket.replied_at = now
    ticket.replied_on_time = ticket.due_at is None or now <= ticket.due_at
    ticket.status = TicketStatus.REPLIED
    ticket.save()
    _event(ticket, "replied", actor=actor, department=ticket.department, note=reply)
    audit_record(
        actor=actor,
        action="feedback.ticket.reply",
        obj=ticket,
        summary={"number": ticket.number, "on_time": ticket.replied_on_time},
    )
    return ticket


@transaction.atomic
def ticket_supervise(*, actor: Any, number: str, note: str) -> Ticket:
    """督办: the desk presses the department on an overdue (or nearly overdue) ticket."""
    ticket = _locked_for_desk(actor, number)
    if ticket.status != TicketStatus.DISPATCHED:
        raise Conflict(_("只有办理中的工单可以督办。"))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            _("请填写督办意见。"), fields=[FieldProblem("note", _("请写明督办要求和期限。"))]
        )
    ticket.supervision_count += 1
    ticket.save(update_fields=["supervision_count", "updated_at"])
    _event(ticket, "supervised", actor=actor, department=ticket.department, note=note)
    audit_record(
        actor=actor,
        action="feedback.ticket.supervise",
        obj=ticket,
        summary={"number": ticket.number, "count": ticket.supervision_count},
    )
    return ticket


@transaction.atomic
def ticket_callback(*, actor: Any, number: str, level: int, note: str = "") -> Ticket:
    """回访: the desk records the caller's satisfaction; it is also the hotline's rating of the
    department (a bad one opens a bad-review handling) and it closes the ticket."""
    ticket = _locked_for_desk(actor, number)
    if ticket.status != TicketStatus.REPLIED:
        raise Conflict(_("部门答复后才能回访。"))
    invitation = rating_invite(
        kind=ServiceKind.HOTLINE,
        reference=ticket.number,
        stage=RatingStage.CALLBACK,
        title=ticket.title,
        department=ticket.department,
        region=ticket.region,
        invitee=ticket.caller,
        actor=actor,
    )
    rating = rating_submit(
        invitation=invitation,
        level=level,
        comment=note,
        channel=RatingChannel.PHONE,
        anonymous=not (ticket.caller_id or ticket.caller_phone),
        actor=actor,
        on_behalf=True,
    )
    now = timezone.now()
    ticket.callback_at = now
    ticket.callback_level = rating.level
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.save()
    _event(ticket, "callback", actor=actor, note=rating.get_level_display())
    audit_record(
        actor=actor,
        action="feedback.ticket.callback",
        obj=ticket,
        summary={"number": ticket.number, "level": rating.level},
    )
    return ticket


@transaction.atomic
def ticket_supplement(*, actor: Any, number: str, text: str) -> Ticket:
    """The person adds information to their own open (or just answered) request."""
    ticket = access_ticket_for_caller(actor, number)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(_("诉求已办结，不能再补充。如对结果不满意，请选择“不满意，重新办理”。"))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写补充内容。"), fields=[FieldProblem("text", _("请写明要补充的情况。"))]
        )
    ticket.supplements = [
        *ticket.supplements,
        {"at": timezone.now().isoformat(), "text": text[:2000]},
    ]
    ticket.save(update_fields=["supplements", "updated_at"])
    _event(ticket, "supplemented", actor=actor, note=text[:2000])
    audit_record(actor=actor, action="feedback.ticket.supplement", obj=ticket, summary={})
    return ticket


@transaction.atomic
def ticket_reopen(*, actor: Any, number: str, reason: str) -> Ticket:
    """Unsatisfied with the reply, the person reopens the request — once. It goes back to the
    same department with a new deadline (or to the desk if it was answered directly)."""
    ticket = access_ticket_for_caller(actor, number)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("department")
        .get(pk=ticket.pk)
    )
    if ticket.reopened_at is not None:
        raise Conflict(_("每项诉求只能申请重新办理一次。如仍有意见，可以拨打12345或另行投诉。"))
    if ticket.status not in (TicketStatus.REPLIED, TicketStatus.CLOSED):
        raise Conflict(_("诉求还在办理中，答复后才能申请重新办理。"))
    if ticket.replied_at and ticket.replied_at < timezone.now() - timedelta(
        days=rules().reopen_days
    ):
        raise Conflict(
            _("答复已超过%(days)s天，不能再申请重新办理。") % {"days": rules().reopen_days}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请说明不满意的原因。"),
            fields=[FieldProblem("reason", _("请写明哪里不满意，希望如何处理。"))],
        )
    ticket.reopened_at = timezone.now()
    ticket.closed_at = None
    ticket.replied_at = None
    ticket.replied_on_time = None
    ticket.callback_at = None
    _event(ticket, "reopened", actor=actor, note=reason)
    audit_record(
        actor=actor, action="feedback.ticket.reopen", obj=ticket, summary={}, reason=reason
    )
    if ticket.department is not None and not ticket.answered_directly:
        _dispatch(ticket, department=ticket.department, actor=actor, note=reason)
    else:
        ticket.status = TicketStatus.NEW
        ticket.answered_directly = False
        ticket.save()
    return ticket


def ticket_caller_display(ticket: Ticket, *, visible: bool) -> dict[str, str]:
    if not visible:
        hidden = _("（举报人信息已保护）")
        return {"name": hidden, "phone": hidden}
    return {"name": ticket.caller_name, "phone": ticket.caller_phone}


def check_department_staff(actor: Any, department: Department) -> None:
    if not staff_scope(actor, roles=DEPARTMENT_ROLES).covers(
        region_code=department.region_id, department_id=department.pk
    ):
        raise NotFound()


__all__ = [
    "CATEGORIES",
    "OPEN_TICKET_STATUSES",
    "due_at_for",
    "ticket_answer",
    "ticket_callback",
    "ticket_create",
    "ticket_dispatch",
    "ticket_reopen",
    "ticket_reply",
    "ticket_return",
    "ticket_supervise",
    "ticket_supplement",
]
