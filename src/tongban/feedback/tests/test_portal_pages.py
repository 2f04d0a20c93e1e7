from __future__ import annotations

from datetime import timedelta

import pytest

from tongban.feedback.models import Rating, RatingStage, ServiceKind, Ticket, TicketStatus
from tongban.feedback.services import (
    bad_review_reply,
    bad_review_verify,
    rating_invite,
    rating_submit,
    ticket_reply,
)

pytestmark = pytest.mark.usefixtures("june_2026")


def _case_invite(world, ref="SC001"):
    return rating_invite(
        kind=ServiceKind.CASE,
        reference=ref,
        stage=RatingStage.COMPLETION,
        title="食品经营许可证核发",
        department=world.approval,
        handler=world.approval_staff,
        invitee=world.citizen,
    )


def test_rate_page_phone_and_edit_window(client, world, time_machine):
    invitation = _case_invite(world)
    url = f"/feedback/rate/{invitation.token}/"
    anonymous_page = client.get(url)
    assert (
        "登录后评价" not in anonymous_page.content.decode()
    )  # the SMS link stands for the invitee
    client.force_login(world.citizen)
    page = client.get(url + "?ch=sms", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    html = page.content.decode()
    assert "非常满意" in html
    assert "非常不满意" in html
    assert "匿名评价" not in html
    missing_reason = client.post(url, {"level": "5", "channel": "sms"})
    assert "请选择不满意的主要原因" in missing_reason.content.decode()
    assert not Rating.objects.exists()
    client.post(url, {"level": "5", "reasons": ["runs"], "comment": "跑了三次", "channel": "sms"})
    rating = Rating.objects.get()
    assert rating.channel == "sms"
    assert rating.is_bad
    assert rating.rater == world.citizen
    client.post(url, {"level": "4", "reasons": ["runs"]})
    rating.refresh_from_db()
    assert rating.level == 4
    assert rating.edit_count == 1
    time_machine.shift(timedelta(hours=25))
    client.force_login(world.citizen)  # the session itself lasts 8 hours
    closed = client.get(url).content.decode()
    assert "已超过修改期限" in closed
    client.post(url, {"level": "1"})
    rating.refresh_from_db()
    assert rating.level == 4


def test_window_rating_anonymous_without_signing_in(client, world):
    invitation = rating_invite(
        kind=ServiceKind.WINDOW,
        reference="CK-7",
        stage=RatingStage.VISIT,
        title="锦江区政务服务中心3号窗口",
        department=world.approval,
        handler=world.approval_staff,
    )
    url = f"/feedback/rate/{invitation.token}/?ch=qr"
    assert "匿名评价" in client.get(url).content.decode()
    client.post(url, {"level": "2", "anonymous": "on", "channel": "qrcode"})
    rating = Rating.objects.get()
    assert rating.rater is None
    assert rating.channel == "qrcode"


def test_staff_rating_own_work_is_refused_on_the_page(client, world):
    invitation = rating_invite(
        kind=ServiceKind.WINDOW,
        reference="CK-8",
        stage=RatingStage.VISIT,
        title="窗口",
        department=world.approval,
        handler=world.approval_staff,
    )
    client.force_login(world.approval_staff)
    page = client.post(f"/feedback/rate/{invitation.token}/", {"level": "1"})
    assert "工作人员不能评价本人经办的服务" in page.content.decode()
    assert not Rating.objects.exists()


def test_my_feedback_shows_what_was_done(client, world):
    review = rating_submit(
        invitation=_case_invite(world), level=5, reasons=["runs"], actor=world.citizen
    ).bad_review
    bad_review_verify(actor=world.approval_staff, public_id=review.public_id, verification="属实")
    bad_review_reply(
        actor=world.approval_staff,
        public_id=review.public_id,
        outcome="rectify",
        measures="推行一次性告知",
        reply="已整改，感谢监督",
    )
    _case_invite(world, ref="SC002")
    client.force_login(world.citizen)
    html = client.get("/feedback/").content.decode()
    assert "推行一次性告知" in html
    assert "已整改，感谢监督" in html
    assert "去评价" in html


def test_complaint_supplement_reopen_once(client, world):
    client.force_login(world.citizen)
    response = client.post(
        "/feedback/complaints/new/",
        {
            "ticket_type": "complaint",
            "category": "政务服务",
            "region": "510104",
            "department": str(world.approval.public_id),
            "title": "窗口未一次性告知",
            "content": "办理营业执照时跑了三次，每次告知的材料都不一样。",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department == world.approval
    url = f"/feedback/tickets/{ticket.number}/"
    client.post(url + "supplement/", {"text": "第二次是6月3日"})
    ticket_reply(actor=world.approval_staff, number=ticket.number, reply="已约谈窗口人员")
    html = client.get(url).content.decode()
    assert "已约谈窗口人员" in html
    assert "重新办理" in html
    client.post(url + "reopen/", {"reason": "希望给出书面告知单"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.reopened_at is not None
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404


def test_complaint_form_errors(client, world):
    client.force_login(world.citizen)
    page = client.post(
        "/feedback/complaints/new/",
        {
            "ticket_type": "complaint",
            "category": "政务服务",
            "region": "123",
            "title": "",
            "content": "",
        },
    )
    assert page.status_code == 200
    assert "field-errors" in page.content.decode()
    assert not Ticket.objects.exists()
    assert client.get("/feedback/complaints/new/").status_code == 200
    client.logout()
    assert client.get("/feedback/complaints/new/").status_code == 302
