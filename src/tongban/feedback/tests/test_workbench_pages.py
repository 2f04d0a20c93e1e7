from __future__ import annotations

import pytest

from tongban.feedback.models import BadReviewStatus, RatingStage, ServiceKind, Ticket, TicketStatus
from tongban.feedback.services import knowledge_save, rating_invite, rating_submit

pytestmark = pytest.mark.usefixtures("june_2026")


def test_desk_takes_a_call_and_dispatches(client, world):
    client.force_login(world.desk)
    assert client.get("/workbench/feedback/desk/").status_code == 200
    response = client.post(
        "/workbench/feedback/desk/new/",
        {
            "ticket_type": "complaint",
            "channel": "phone",
            "caller_name": "李先生",
            "caller_phone": "13912345678",
            "region": "510104",
            "urgency": "normal",
            "title": "夜间施工噪音",
            "content": "春熙路工地夜间施工，噪音扰民。",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.number in response["Location"]
    page = client.get(f"/workbench/feedback/tickets/{ticket.number}/")
    assert page.status_code == 200
    assert "13912345678" in page.content.decode()
    assert world.market.name in page.content.decode()
    client.post(
        f"/workbench/feedback/tickets/{ticket.number}/dispatch/",
        {"department": str(world.market.public_id), "urgency": "urgent", "note": ""},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department == world.market


def test_bad_form_keeps_input_and_names_the_field(client, world):
    client.force_login(world.desk)
    response = client.post(
        "/workbench/feedback/desk/new/",
        {
            "ticket_type": "consult",
            "channel": "phone",
            "region": "999999",
            "urgency": "normal",
            "title": "t",
            "content": "c",
        },
    )
    assert response.status_code == 200
    assert "区划代码不存在" in response.content.decode()
    assert not Ticket.objects.exists()


def test_department_replies_and_report_caller_is_hidden(client, world):
    client.force_login(world.desk)
    client.post(
        "/workbench/feedback/desk/new/",
        {
            "ticket_type": "report",
            "channel": "phone",
            "caller_name": "匿名群众",
            "caller_phone": "13700001111",
            "region": "510104",
            "urgency": "normal",
            "title": "无证经营",
            "content": "某餐馆无证经营。",
        },
    )
    ticket = Ticket.objects.get()
    client.post(
        f"/workbench/feedback/tickets/{ticket.number}/dispatch/",
        {"department": str(world.market.public_id), "urgency": "normal"},
    )
    client.force_login(world.market_staff)
    assert ticket.number in client.get("/workbench/feedback/department/").content.decode()
    page = client.get(f"/workbench/feedback/tickets/{ticket.number}/").content.decode()
    assert "13700001111" not in page
    assert "举报人信息已保护" in page
    client.post(f"/workbench/feedback/tickets/{ticket.number}/reply/", {"note": "已立案查处"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPLIED
    client.force_login(world.approval_staff)
    assert client.get(f"/workbench/feedback/tickets/{ticket.number}/").status_code == 404


def test_knowledge_page_and_rates_page(client, world, django_assert_max_num_queries):
    knowledge_save(
        actor=world.desk,
        question="公积金怎么提取？",
        answer="购房、租房、退休等情形可提取，可在公积金中心网站或窗口办理。",
        region=world.regions["chengdu"],
        keywords="公积金 提取",
    )
    client.force_login(world.desk)
    assert (
        "公积金怎么提取" in client.get("/workbench/feedback/knowledge/?q=公积金").content.decode()
    )
    with django_assert_max_num_queries(15):
        page = client.get("/workbench/feedback/rates/?group=department")
    assert page.status_code == 200
    assert "评价覆盖率" in page.content.decode()
    client.force_login(world.citizen)
    assert client.get("/workbench/feedback/rates/").status_code == 403


def test_bad_review_steps_in_the_page(client, world):
    invitation = rating_invite(
        kind=ServiceKind.CASE,
        reference="C1",
        stage=RatingStage.COMPLETION,
        title="营业执照",
        department=world.approval,
        invitee=world.citizen,
    )
    review = rating_submit(invitation=invitation, level=5, actor=world.citizen).bad_review
    url = f"/workbench/feedback/bad-reviews/{review.public_id}/"
    client.force_login(world.approval_staff)
    assert "营业执照" in client.get("/workbench/feedback/department/").content.decode()
    client.post(url, {"step": "verify", "verification": "材料告知不全"})
    client.post(
        url, {"step": "reply", "outcome": "rectify", "measures": "修订告知单", "reply": "已整改"}
    )
    client.post(url, {"step": "revisit", "level": "2", "note": "满意"})
    review.refresh_from_db()
    assert review.status == BadReviewStatus.CLOSED
    client.force_login(world.market_staff)
    assert client.get(url).status_code == 404


def test_window_visit_invitation_by_the_clerk(client, world):
    client.force_login(world.approval_staff)
    page = client.post(
        "/workbench/feedback/visit/",
        {"department": str(world.approval.public_id), "title": "营业执照办理"},
    )
    html = page.content.decode()
    assert "/feedback/rate/" in html
    from tongban.feedback.models import RatingInvitation

    invitation = RatingInvitation.objects.get()
    assert invitation.handler == world.approval_staff
    assert invitation.kind == ServiceKind.WINDOW
    client.post(
        "/workbench/feedback/visit/", {"department": str(world.market.public_id), "title": "x"}
    )
    assert RatingInvitation.objects.count() == 1
