"""/api/v1/feedback/complaints: the signed-in person's complaints and suggestions over the same
services as the portal pages, with problem+json errors."""

from __future__ import annotations

import pytest

from tongban.feedback.models import Ticket, TicketStatus
from tongban.feedback.services import ticket_reply

pytestmark = pytest.mark.usefixtures("june_2026")

URL = "/api/v1/feedback/complaints"


def _new(client, **extra):
    body = {
        "type": "complaint",
        "category": "政务服务",
        "region": "510104",
        "title": "窗口午休无人",
        "content": "6月1日中午12点，锦江区政务服务中心窗口无人办理。",
        **extra,
    }
    return client.post(URL, body, content_type="application/json")


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def test_create_routes_to_the_chosen_department_and_lists_it(client, world):
    client.force_login(world.citizen)

    response = _new(client, department=str(world.approval.public_id))

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["number"] == ticket.number
    assert ticket.caller == world.citizen
    assert ticket.channel == "portal"
    assert body["department"] == world.approval.name
    assert body["status"] == TicketStatus.DISPATCHED
    assert body["due_at"] is not None
    assert body["events"][0]["label"] == "已受理"
    mine = client.get(URL).json()
    assert mine["count"] == 1
    assert mine["items"][0]["number"] == ticket.number
    assert client.get(f"{URL}?status=closed").json()["count"] == 0
    assert client.get(f"{URL}/{ticket.number}").json()["title"] == "窗口午休无人"


def test_create_refuses_bad_fields_and_creates_nothing(client, world):
    client.force_login(world.citizen)

    body = _problem(
        _new(client, region="999999", category="别的", department=str(world.yuzhong.public_id)),
        422,
    )
    assert {f["field"] for f in body["fields"]} == {"region", "category"}
    body = _problem(_new(client, department=str(world.yuzhong.public_id)), 422)
    assert body["fields"][0]["field"] == "department"
    body = _problem(_new(client, title="   "), 422)
    assert body["fields"][0]["field"] == "title"
    _problem(_new(client, type="report"), 422)
    assert not Ticket.objects.exists()


def test_anonymous_gets_401_and_others_see_404(client, world):
    _problem(_new(client), 401)
    _problem(client.get(URL), 401)
    client.force_login(world.citizen)
    number = _new(client).json()["number"]
    client.force_login(world.other_citizen)

    _problem(client.get(f"{URL}/{number}"), 404)
    _problem(
        client.post(
            f"{URL}/{number}/information", {"text": "补充"}, content_type="application/json"
        ),
        404,
    )
    assert client.get(URL).json()["count"] == 0
    assert Ticket.objects.get().supplements == []


def test_add_information_then_reopen_once(client, world):
    client.force_login(world.citizen)
    number = _new(client, department=str(world.approval.public_id)).json()["number"]

    added = client.post(
        f"{URL}/{number}/information",
        {"text": "当天下午又去了一次，仍无人。"},
        content_type="application/json",
    )
    assert added.status_code == 200
    assert added.json()["supplements"][0]["text"] == "当天下午又去了一次，仍无人。"
    body = _problem(
        client.post(f"{URL}/{number}/information", {"text": " "}, content_type="application/json"),
        422,
    )
    assert body["fields"][0]["field"] == "text"

    too_early = client.post(
        f"{URL}/{number}/reopen", {"reason": "没答复"}, content_type="application/json"
    )
    _problem(too_early, 409)
    assert Ticket.objects.get().reopened_at is None

    ticket_reply(actor=world.approval_staff, number=number, reply="已约谈窗口人员，安排午间轮岗。")
    detail = client.get(f"{URL}/{number}").json()
    assert detail["reply"] == "已约谈窗口人员，安排午间轮岗。"
    assert detail["can_reopen"] is True
    reopened = client.post(
        f"{URL}/{number}/reopen", {"reason": "希望给出书面告知单"}, content_type="application/json"
    )
    assert reopened.status_code == 200
    assert reopened.json()["reopened_at"] is not None
    assert reopened.json()["can_reopen"] is False
    assert Ticket.objects.get().status == TicketStatus.DISPATCHED

    ticket_reply(actor=world.approval_staff, number=number, reply="已寄送书面告知单。")
    _problem(
        client.post(f"{URL}/{number}/reopen", {"reason": "再来"}, content_type="application/json"),
        409,
    )


def test_complaint_endpoints_are_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]

    assert "post" in paths["/api/v1/feedback/complaints"]
    assert "get" in paths["/api/v1/feedback/complaints"]
    assert "post" in paths["/api/v1/feedback/complaints/{number}/information"]
    assert "post" in paths["/api/v1/feedback/complaints/{number}/reopen"]
    assert "422" in paths["/api/v1/feedback/complaints"]["post"]["responses"]
