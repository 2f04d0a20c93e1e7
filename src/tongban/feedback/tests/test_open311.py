"""Open311 GeoReport v2, driven by an unchanged client library from PyPI (georeport 0.3.1,
which builds `{root}/services.{fmt}` etc. with `requests`) against the live server, in both
formats; POST (which the library does not implement) through `requests` as the spec shows."""

from __future__ import annotations

import pytest
import requests  # noqa: TID251 - an external Open311 client, as apps use it
from georeport import GeoReport

from tongban.core.models import StaffRole
from tongban.feedback.models import Ticket, TicketChannel, TicketStatus
from tongban.feedback.services import open311_key_create, ticket_dispatch, ticket_reply
from tongban.testing.factories import (
    DepartmentFactory,
    StaffMembershipFactory,
    UserFactory,
    make_region_chain,
)


@pytest.fixture
def open311_world(transactional_db):
    regions = make_region_chain()
    department = DepartmentFactory(region=regions["jinjiang"], name="成都市锦江区市场监督管理局")
    desk = StaffMembershipFactory(
        role=StaffRole.HOTLINE_OPERATOR, region=regions["chengdu"], user=UserFactory(kind="staff")
    ).user
    staff = StaffMembershipFactory(
        role=StaffRole.DEPARTMENT_ADMIN,
        region=regions["jinjiang"],
        department=department,
        user=UserFactory(kind="staff"),
    ).user
    _, raw = open311_key_create(name="随手拍")
    return {"key": raw, "department": department, "desk": desk, "staff": staff}


def _post(root: str, fmt: str, **data: str) -> requests.Response:
    return requests.post(f"{root}/requests.{fmt}", data=data, timeout=10)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_round_trip(live_server, open311_world, fmt):
    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, jurisdiction="510104", output_format=fmt)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert codes == ["consult", "help", "complaint", "report", "suggestion", "praise"]
    complaint = next(s for s in services if s["service_code"] == "complaint")
    assert complaint["service_name"] == "投诉"
    assert complaint["metadata"] in (True, "true")

    definition = client.get_service_definition("complaint")
    assert definition["service_code"] == "complaint"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["region_code", "urgency", "category", "item_code"]

    created = _post(
        root,
        fmt,
        api_key=open311_world["key"],
        jurisdiction_id="510104",
        service_code="complaint",
        description="东大街人行道上共享单车乱停放，占用盲道。",
        address_string="东大街下东大街段",
        **{"attribute[urgency]": "urgent", "attribute[category]": "城乡建设"},
    )
    assert created.status_code == 200, created.text
    if fmt == "json":
        number = created.json()[0]["service_request_id"]
    else:
        assert created.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
        number = created.text.split("<service_request_id>")[1].split("<")[0]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == TicketChannel.OPEN311
    assert ticket.region_id == "510104"
    assert ticket.urgency == "urgent"
    assert ticket.status == TicketStatus.NEW

    one = client.get_service_request(number)
    assert one["service_request_id"] == number
    assert one["status"] == "open"
    assert one["description"].startswith("东大街")
    assert one["address_id"] == "510104"

    ticket_dispatch(
        actor=open311_world["desk"], number=number, department=open311_world["department"]
    )
    ticket_reply(actor=open311_world["staff"], number=number, reply="已清理并加设停放点")

    closed = client.get_service_requests(status="closed", service_code="complaint")
    if fmt == "xml" and isinstance(closed, dict):
        closed = [closed]
    assert [r["service_request_id"] for r in closed] == [number]
    assert closed[0]["status_notes"] == "已清理并加设停放点"
    assert closed[0]["agency_responsible"] == "成都市锦江区市场监督管理局"
    by_id = client.get_service_requests(service_request_id=number, status="open")
    if fmt == "xml" and isinstance(by_id, dict):
        by_id = [by_id]
    assert len(by_id) == 1  # service_request_id overrides the other filters
    if fmt == "json":
        assert client.get_service_requests(status="open") == []
    else:  # the library cannot read an empty XML list (xmltodict gives None): check the body
        empty = requests.get(f"{root}/requests.xml", params={"status": "open"}, timeout=10)
        assert empty.text.endswith("<service_requests />")


def test_errors_in_the_spec_format(live_server, open311_world):
    root = f"{live_server.url}/open311/v2"
    before = Ticket.objects.count()
    bad_key = _post(root, "json", api_key="o311_nope", service_code="complaint", description="x")
    assert bad_key.status_code == 403
    assert bad_key.json()[0]["code"] == 403
    assert bad_key.json()[0]["description"]
    no_place = _post(
        root, "xml", api_key=open311_world["key"], service_code="complaint", description="x"
    )
    assert no_place.status_code == 400
    assert "<errors><error><code>400</code><description>" in no_place.text
    unknown = requests.get(f"{root}/services/nope.json", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()[0]["code"] == 404
    span = requests.get(
        f"{root}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        timeout=10,
    )
    assert span.status_code == 400
    jurisdiction = requests.get(
        f"{root}/services.json", params={"jurisdiction_id": "x"}, timeout=10
    )
    assert jurisdiction.status_code == 404
    with pytest.raises(requests.HTTPError):
        GeoReport(root).get_service_request("RX000")
    assert Ticket.objects.count() == before


def test_reports_and_callers_are_never_public(live_server, open311_world):
    root = f"{live_server.url}/open311/v2"
    created = _post(
        root,
        "json",
        api_key=open311_world["key"],
        service_code="report",
        description="某餐馆无证经营",
        address_id="510104",
        first_name="明",
        last_name="王",
        phone="13900001111",
    )
    number = created.json()[0]["service_request_id"]
    assert Ticket.objects.get(number=number).caller_name == "王明"
    assert requests.get(f"{root}/requests/{number}.json", timeout=10).status_code == 404
    listed = requests.get(f"{root}/requests.json", timeout=10).json()
    assert number not in str(listed)
    assert "13900001111" not in str(listed)
