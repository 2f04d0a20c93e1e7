from __future__ import annotations

import pytest

from tongban.feedback.models import Rating, RatingStage, ServiceKind, TicketChannel, TicketType
from tongban.feedback.services import (
    knowledge_save,
    rating_invite,
    rating_submit,
    ticket_answer,
    ticket_callback,
    ticket_create,
    ticket_dispatch,
    ticket_reply,
)

pytestmark = pytest.mark.usefixtures("june_2026")


def _ticket(world, *, ticket_type=TicketType.COMPLAINT, phone="13912345678", content="内容"):
    return ticket_create(
        actor=world.desk,
        ticket_type=ticket_type,
        channel=TicketChannel.PHONE,
        title="标题",
        content=content,
        region=world.regions["jinjiang"],
        caller_phone=phone,
    )


def _activity(world):
    for i, level in enumerate([1, 2, 5]):
        invitation = rating_invite(
            kind=ServiceKind.CASE,
            reference=f"C{i}",
            stage=RatingStage.COMPLETION,
            title="营业执照",
            department=world.approval,
            invitee=world.citizen,
        )
        rating_submit(invitation=invitation, level=level, actor=world.citizen)
    rating_invite(
        kind=ServiceKind.CASE,
        reference="C-unrated",
        stage=RatingStage.COMPLETION,
        title="营业执照",
        department=world.approval,
    )
    entry = knowledge_save(
        actor=world.desk,
        question="社保卡丢了怎么办？",
        answer="拨打12333或到社保经办机构挂失补办，补办工本费按规定执行。",
        region=world.regions["chengdu"],
    )
    consult = _ticket(world, ticket_type=TicketType.CONSULT, phone="13000000001", content="社保卡")
    ticket_answer(actor=world.desk, number=consult.number, answer="", knowledge=entry)
    _ticket(world, ticket_type=TicketType.CONSULT, phone="13000000002", content="公积金")
    complaint = _ticket(world, phone="13000000003", content="噪音")
    ticket_dispatch(actor=world.desk, number=complaint.number, department=world.market)
    ticket_reply(actor=world.market_staff, number=complaint.number, reply="已处理完毕")
    ticket_callback(actor=world.desk, number=complaint.number, level=2)


def test_stats_by_department(client, world):
    _activity(world)
    client.force_login(world.desk)
    response = client.get("/api/v1/feedback/stats")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = {r["label"]: r for r in body["rows"]}
    approval = rows["成都市锦江区行政审批局"]
    assert approval["counts"]["ratings"] == 3
    assert approval["counts"]["invitations"] == 4
    assert approval["rates"]["coverage"] == 0.75
    assert approval["rates"]["satisfaction"] == round(2 / 3, 4)
    assert approval["counts"]["bad_reviews"] == 1
    assert approval["rates"]["rectification"] == 0.0
    market = rows["成都市锦江区市场监督管理局"]
    assert market["rates"]["on_time_completion"] == 1.0
    assert market["rates"]["callback_satisfaction"] == 1.0
    undispatched = rows["（未派单）"]
    assert undispatched["counts"]["consults"] == 2
    assert undispatched["rates"]["direct_answer"] == 0.5
    assert body["total"]["counts"]["tickets"] == 3


def test_stats_by_region_and_period(client, world):
    _activity(world)
    client.force_login(world.supervisor)
    body = client.get(
        "/api/v1/feedback/stats?group=region&region_level=county&start=2026-06-01&end=2026-06-01"
    ).json()
    assert [r["key"] for r in body["rows"]] == ["510104"]
    assert body["rows"][0]["label"] == "锦江区"
    empty = client.get("/api/v1/feedback/stats?group=none&start=2026-05-01&end=2026-05-31").json()
    assert empty["total"]["counts"]["ratings"] == 0
    assert empty["total"]["rates"]["satisfaction"] is None
    bad = client.get("/api/v1/feedback/stats?region=999999")
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "region"


def test_stats_are_scoped_and_refused_to_citizens(client, world):
    _activity(world)
    client.force_login(world.citizen)
    assert client.get("/api/v1/feedback/stats").status_code == 403
    client.force_login(world.other_desk)  # 渝中区's desk sees nothing of 锦江区
    assert client.get("/api/v1/feedback/stats").json()["rows"] == []


def test_rate_by_token_api(client, world):
    invitation = rating_invite(
        kind=ServiceKind.WINDOW,
        reference="CK-9",
        stage=RatingStage.VISIT,
        title="窗口服务",
        department=world.approval,
        handler=world.approval_staff,
    )
    payload = {"token": invitation.token, "level": 4, "reasons": ["waiting"], "anonymous": True}
    response = client.post("/api/v1/feedback/ratings", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["is_bad"] is True
    again = client.post("/api/v1/feedback/ratings", payload, content_type="application/json")
    assert again.status_code == 409
    assert Rating.objects.count() == 1
    missing = client.post(
        "/api/v1/feedback/ratings", {**payload, "token": "nope"}, content_type="application/json"
    )
    assert missing.status_code == 404
