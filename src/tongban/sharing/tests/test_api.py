"""/api/v1/sharing: catalog, requests and decisions, usage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tongban.sharing import services
from tongban.sharing.models import OpenType

pytestmark = pytest.mark.django_db


def test_catalog_shows_staff_everything_and_the_public_open_data(world):
    staff = Client()
    staff.force_login(world.consumer_officer)
    body = staff.get("/api/v1/sharing/resources").json()
    assert [r["code"] for r in body] == [world.population.code]
    resource = body[0]
    assert resource["share_type"] == "conditional"
    assert resource["base_registry"] == "population"
    assert {
        "name": "ethnicity",
        "label": "民族",
        "data_type": "string",
        "sensitivity": "sensitive",
    } in resource["fields"]
    assert Client().get("/api/v1/sharing/resources").json() == []
    assert Client().get(f"/api/v1/sharing/resources/{world.population.code}").status_code == 404
    services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0500",
        name="派出所名录",
        legal_basis="政府信息公开条例",
        fields=[services.FieldSpec("name", "名称", sensitivity="public")],
        open_type=OpenType.OPEN,
    )
    assert [r["code"] for r in Client().get("/api/v1/sharing/resources").json()] == [
        "DR-510100-0500"
    ]


def test_request_and_decision_through_the_api(world):
    consumer = Client()
    consumer.force_login(world.consumer_officer)
    today = timezone.localdate()
    response = consumer.post(
        "/api/v1/sharing/requests",
        {
            "resource": world.population.code,
            "consumer_department": world.consumer.pk,
            "system_name": "救助系统",
            "purpose": "低保审核",
            "legal_basis": "社会救助暂行办法",
            "fields": ["name", "address"],
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=90)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    # The consumer cannot answer its own request.
    denied = consumer.post(
        f"/api/v1/sharing/requests/{request_id}/decision",
        {"decision": "approve"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    provider = Client()
    provider.force_login(world.provider_officer)
    assert len(provider.get("/api/v1/sharing/requests").json()) == 1
    answer = provider.post(
        f"/api/v1/sharing/requests/{request_id}/decision",
        {"decision": "approve", "fields": ["name"]},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["approved_fields"] == ["name"]
    assert answer.json()["client_id"].startswith("tbx_")
    # Outsiders do not even learn that the request exists.
    outsider = Client()
    outsider.force_login(world.outsider)
    assert (
        outsider.post(
            f"/api/v1/sharing/requests/{request_id}/decision",
            {"decision": "refuse", "reply": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_usage_counts_calls_records_and_bytes(world, granted):
    app, _raw = granted
    for person in world.people[:3]:
        services.exchange_lookup(
            app=app, resource_code=world.population.code, key=person["id_number"], reason="r"
        )
    provider = Client()
    provider.force_login(world.provider_officer)
    rows = provider.get("/api/v1/sharing/usage").json()
    assert rows[0]["calls"] == 3
    assert rows[0]["records"] == 3
    assert rows[0]["bytes"] > 0
    consumer = Client()
    consumer.force_login(world.consumer_officer)
    assert consumer.get("/api/v1/sharing/usage").json() == []
