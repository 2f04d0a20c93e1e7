"""/api/v1/cases driven end to end with bearer tokens: the applicant applies, the clerk accepts,
the reviewer approves, the clerk completes; stale versions answer 409; progress without sign-in."""

from __future__ import annotations

import pytest

from tongban.cases.tests.conftest import FORM, PDF
from tongban.identity.services import api_token_create

pytestmark = pytest.mark.django_db


def _auth(user):
    _row, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_whole_lifecycle_through_the_api(client, world, issuer):
    citizen, clerk, reviewer = _auth(world.citizen), _auth(world.clerk), _auth(world.reviewer)
    r = client.post(
        "/api/v1/cases/drafts",
        {"item_code": world.item.code, "form_data": FORM},
        content_type="application/json",
        **citizen,
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    r = client.patch(
        f"/api/v1/cases/{number}/form",
        {"form_data": {"area": "abc"}},
        content_type="application/json",
        **citizen,
    )
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"] == "form.area"
    for code in ("M001", "M002", "M003"):
        r = client.post(
            f"/api/v1/cases/{number}/materials/{code}/file",
            {"file": _file(code)},
            **citizen,
        )
        assert r.status_code == 200, r.content
    r = client.post(
        f"/api/v1/cases/{number}/submit", {}, content_type="application/json", **citizen
    )
    assert r.status_code == 200, r.content
    code = r.json()["verification_code"]
    r = client.get("/api/v1/cases/staff/queue?queue=accept", **clerk)
    assert [c["number"] for c in r.json()["items"]] == [number]
    version = r.json()["items"][0]["version"]
    r = client.post(
        f"/api/v1/cases/{number}/accept",
        {"version": version},
        content_type="application/json",
        **clerk,
    )
    assert r.status_code == 200, r.content
    assert "approve" in client.get(f"/api/v1/cases/{number}", **reviewer).json()["actions"]
    r = client.post(
        f"/api/v1/cases/{number}/approve",
        {"version": version},
        content_type="application/json",
        **reviewer,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version"
    fresh = client.get(f"/api/v1/cases/{number}", **reviewer).json()["version"]
    r = client.post(
        f"/api/v1/cases/{number}/approve",
        {"version": fresh},
        content_type="application/json",
        **reviewer,
    )
    assert r.status_code == 200, r.content
    r = client.post(
        f"/api/v1/cases/{number}/complete",
        {"version": r.json()["version"]},
        content_type="application/json",
        **clerk,
    )
    assert r.json()["status"] == "delivered"
    assert r.json()["decision"]["result_reference"] == f"LIC-{number}"
    r = client.get(f"/api/v1/cases/progress?number={number}&code={code}")
    assert r.status_code == 200
    assert r.json()["status"] == "delivered"
    mine = client.get("/api/v1/cases/mine", **citizen).json()
    assert mine["count"] == 1
    assert client.get(f"/api/v1/cases/{number}", **_auth(world.outsider)).status_code == 404


def _file(code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf")


def test_openapi_documents_the_cases_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cases/{number}/accept" in paths
    assert "/api/v1/cases/progress" in paths


def test_halls_slots_booking_and_notifications_through_the_api(client, world):
    import time_machine

    from tongban.cases.services.appointments import appointment_slots_generate, service_hall_create

    hall = service_hall_create(
        actor=world.clerk,
        region=world.regions["jinjiang"],
        name="锦江区政务服务中心",
        address="锦华路",
    )
    with time_machine.travel("2026-11-02 08:00 +0800", tick=False):
        from datetime import date, time

        appointment_slots_generate(
            actor=world.clerk,
            hall=hall,
            start=date(2026, 11, 2),
            days=1,
            times=[(time(9), time(10))],
            capacity=1,
        )
        halls = client.get("/api/v1/cases/halls?region=510104").json()
        assert [h["name"] for h in halls] == ["锦江区政务服务中心"]
        slots = client.get(f"/api/v1/cases/halls/{halls[0]['id']}/slots").json()
        assert slots[0]["remaining"] == 1
        citizen = _auth(world.citizen)
        body = {"slot_id": slots[0]["id"], "item_code": world.item.code}
        r = client.post(
            "/api/v1/cases/me/appointments", body, content_type="application/json", **citizen
        )
        assert r.status_code == 201, r.content
        r = client.post(
            "/api/v1/cases/me/appointments", body, content_type="application/json", **citizen
        )
        assert r.status_code == 409
        assert r.json()["code"] == "already_booked"
        notes = client.get("/api/v1/cases/me/notifications", **citizen).json()
        assert notes[0]["kind"] == "appointment"
        r = client.post(f"/api/v1/cases/me/notifications/{notes[0]['id']}/read", **citizen)
        assert r.status_code == 204


def test_wrong_progress_codes_are_limited(client, world):
    from django.core.cache import cache

    from tongban.cases.tests.conftest import submitted_case

    cache.clear()
    case = submitted_case(world)
    for _ in range(10):
        r = client.get(f"/api/v1/cases/progress?number={case.number}&code=abcdef")
        assert r.status_code == 404
    r = client.get(f"/api/v1/cases/progress?number={case.number}&code=abcdef")
    assert r.status_code == 409
    assert r.json()["code"] == "too_many_attempts"


def test_the_api_refuses_applications_below_real_name(client, world):
    from tongban.cases.models import Case
    from tongban.identity.models import AssuranceLevel
    from tongban.testing.factories import UserFactory

    phone_only = UserFactory(username="api_l1", assurance_level=AssuranceLevel.L1)
    r = client.post(
        "/api/v1/cases/drafts",
        {"item_code": world.item.code, "form_data": FORM},
        content_type="application/json",
        **_auth(phone_only),
    )
    assert r.status_code == 403
    assert r.json()["code"] == "assurance_required"
    assert "实名认证" in r.json()["message"]
    assert not Case.objects.filter(applicant=phone_only).exists()
