from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.core.workdays import CHINA_TZ
from tongban.feedback.models import (
    BadReview,
    Rating,
    Ticket,
    TicketChannel,
    TicketStatus,
    TicketType,
    Urgency,
)
from tongban.feedback.permissions import caller_visible_to
from tongban.feedback.selectors import department_queue, desk_queue, ticket_events
from tongban.feedback.services import (
    knowledge_save,
    ticket_answer,
    ticket_callback,
    ticket_create,
    ticket_dispatch,
    ticket_reopen,
    ticket_reply,
    ticket_return,
    ticket_supervise,
    ticket_supplement,
)

pytestmark = pytest.mark.usefixtures("june_2026")


def _call(world, **kw):
    args = {
        "actor": world.desk,
        "ticket_type": TicketType.COMPLAINT,
        "channel": TicketChannel.PHONE,
        "title": "春熙路夜间施工噪音扰民",
        "content": "春熙路某工地连续一周晚上十一点后仍在施工，噪音很大，影响休息，希望尽快处理。",
        "region": world.regions["jinjiang"],
        "caller_name": "李先生",
        "caller_phone": "13912345678",
    }
    args.update(kw)
    return ticket_create(**args)


def test_create_numbers_and_records(world):
    ticket = _call(world)
    assert ticket.number.startswith("RX20260601")
    assert len(ticket.number) == 18
    assert ticket.status == TicketStatus.NEW
    assert ticket.operator == world.desk
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.caller_phone == "13912345678"
    assert stored.caller_phone_index
    assert AuditEntry.objects.filter(action="feedback.ticket.create").count() == 1
    summary = AuditEntry.objects.get(action="feedback.ticket.create").summary
    assert "13912345678" not in str(summary)


def test_only_the_desk_of_the_region_takes_calls(world):
    with pytest.raises(PermissionDenied):
        _call(world, actor=world.other_desk)
    with pytest.raises(ValidationFailed) as exc:
        _call(world, title="", content="")
    assert {p.field for p in exc.value.fields} == {"title", "content"}
    assert not Ticket.objects.exists()


def test_duplicate_same_caller_same_matter(world):
    first = _call(world)
    second = _call(world, content="春熙路那个工地晚上十一点以后还在施工，噪音太大，影响休息。")
    other_matter = _call(world, content="想咨询一下居住证办理需要哪些材料，在哪里办理？")
    other_caller = _call(world, caller_phone="13800000000")
    assert second.duplicate_of == first
    assert other_matter.duplicate_of is None
    assert other_caller.duplicate_of is None


def test_dispatch_deadline_by_urgency(world):
    normal = _call(world)
    normal = ticket_dispatch(actor=world.desk, number=normal.number, department=world.market)
    # complaint, normal: 5 working days after Monday 06-01 → Monday 06-08, end of day.
    assert normal.due_at == datetime(2026, 6, 8, 23, 59, 59, tzinfo=CHINA_TZ)
    critical = _call(world, caller_phone="13700000000", urgency=Urgency.CRITICAL)
    critical = ticket_dispatch(actor=world.desk, number=critical.number, department=world.market)
    assert critical.due_at - critical.dispatched_at == timedelta(hours=2)
    with pytest.raises(Conflict):
        ticket_dispatch(actor=world.desk, number=normal.number, department=world.approval)
    with pytest.raises(NotFound):
        ticket_dispatch(actor=world.other_desk, number=critical.number, department=world.market)


def test_return_redispatch_reply_callback(world):
    ticket = _call(world)
    ticket_dispatch(actor=world.desk, number=ticket.number, department=world.approval)
    assert [t.number for t in department_queue(world.approval_staff)] == [ticket.number]
    assert list(department_queue(world.market_staff)) == []
    with pytest.raises(NotFound):
        ticket_reply(actor=world.market_staff, number=ticket.number, reply="已处理完毕")
    with pytest.raises(ValidationFailed):
        ticket_return(actor=world.approval_staff, number=ticket.number, reason="")
    ticket = ticket_return(
        actor=world.approval_staff, number=ticket.number, reason="施工噪音属市场监管和城管职责"
    )
    assert ticket.status == TicketStatus.RETURNED
    assert ticket.department is None
    assert ticket.return_count == 1
    ticket_dispatch(actor=world.desk, number=ticket.number, department=world.market)
    ticket = ticket_reply(
        actor=world.market_staff, number=ticket.number, reply="已责令工地夜间停工并处罚款"
    )
    assert ticket.status == TicketStatus.REPLIED
    assert ticket.replied_on_time
    ticket = ticket_callback(actor=world.desk, number=ticket.number, level=5, note="仍有噪音")
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.callback_level == 5
    rating = Rating.objects.get()
    assert rating.department == world.market
    assert rating.channel == "phone"
    assert rating.is_bad
    assert BadReview.objects.get().department == world.market
    # The returned step is for staff only; the person sees dispatch, reply and callback.
    public = [e.action for e in ticket_events(ticket, public_only=True)]
    assert "returned" not in public
    assert "replied" in public


def test_supervise_and_overdue_queue(world, time_machine):
    ticket = _call(world)
    ticket_dispatch(actor=world.desk, number=ticket.number, department=world.market)
    time_machine.shift(timedelta(days=10))
    assert [t.number for t in desk_queue(world.desk, overdue=True)] == [ticket.number]
    ticket = ticket_supervise(actor=world.desk, number=ticket.number, note="请两日内答复")
    assert ticket.supervision_count == 1
    ticket = ticket_reply(
        actor=world.market_staff, number=ticket.number, reply="已处理，工地已停工"
    )
    assert ticket.replied_on_time is False


def test_direct_answer_counts_the_knowledge_entry(world):
    entry = knowledge_save(
        actor=world.desk,
        question="居住证怎么办理？",
        answer="持身份证、居住登记凭证到居住地派出所或社区警务室申领，居住满半年可办理。",
        region=world.regions["chengdu"],
        keywords="居住证 暂住证",
    )
    ticket = _call(
        world, ticket_type=TicketType.CONSULT, title="居住证办理", content="居住证怎么办？"
    )
    ticket = ticket_answer(actor=world.desk, number=ticket.number, answer="", knowledge=entry)
    entry.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answered_directly
    assert ticket.reply == entry.answer
    assert entry.use_count == 1


def test_whistleblower_hidden_from_department(world):
    ticket = _call(world, ticket_type=TicketType.REPORT, reported_department=world.market)
    ticket_dispatch(actor=world.desk, number=ticket.number, department=world.market)
    assert caller_visible_to(world.desk, ticket)
    assert not caller_visible_to(world.market_staff, ticket)
    complaint = _call(world, caller_phone="13600000000")
    assert caller_visible_to(world.market_staff, complaint)


def test_portal_complaint_supplement_and_reopen_once(world):
    ticket = ticket_create(
        actor=world.citizen,
        caller=world.citizen,
        ticket_type=TicketType.COMPLAINT,
        channel=TicketChannel.PORTAL,
        title="窗口人员态度差",
        content="在锦江区政务服务中心办理营业执照时，窗口人员态度冷淡，没有一次性告知材料。",
        region=world.regions["jinjiang"],
        department=world.approval,
    )
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.due_at is not None
    ticket_supplement(actor=world.citizen, number=ticket.number, text="当时是6月1日上午10点")
    with pytest.raises(NotFound):
        ticket_supplement(actor=world.other_citizen, number=ticket.number, text="x")
    with pytest.raises(Conflict):
        ticket_reopen(actor=world.citizen, number=ticket.number, reason="还没答复")
    ticket_reply(actor=world.approval_staff, number=ticket.number, reply="已批评教育当事人员")
    ticket = ticket_reopen(actor=world.citizen, number=ticket.number, reason="希望公开道歉")
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department == world.approval
    assert ticket.dispatch_count == 2
    ticket_reply(actor=world.approval_staff, number=ticket.number, reply="已当面致歉")
    with pytest.raises(Conflict):
        ticket_reopen(actor=world.citizen, number=ticket.number, reason="再来一次")
    ticket.refresh_from_db()
    assert len(ticket.supplements) == 1
    assert ticket.status == TicketStatus.REPLIED
