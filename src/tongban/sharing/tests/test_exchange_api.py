"""The exchange API end to end: client credentials → bearer token → look-up / verification,
through Django's test client and, once, through a real HTTP client against the live server."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from tongban.audit.models import AuditEntry
from tongban.core import http
from tongban.identity.services import registries as registry_services
from tongban.sharing import services
from tongban.sharing.models import ExchangeLog, Verifier
from tongban.sharing.services import FieldSpec

pytestmark = pytest.mark.django_db


def _token(client: Client, app, raw: str) -> str:
    basic = base64.b64encode(f"{app.client_id}:{raw}".encode()).decode()
    response = client.post(
        "/exchange/v1/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    return body["access_token"]


def _post(client: Client, path: str, token: str, payload: dict):
    return client.post(
        path,
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_token_then_lookup_returns_granted_fields(world, granted):
    app, raw = granted
    client = Client()
    token = _token(client, app, raw)
    person = world.people[2]
    response = _post(
        client,
        "/exchange/v1/lookup",
        token,
        {"resource": world.population.code, "key": person["id_number"], "reason": "MZ-1"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["fields"] == {"name": person["name"], "address": person["address"]}
    assert "ethnicity" not in json.dumps(body, ensure_ascii=False)
    grants = client.get("/exchange/v1/grants", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert grants[0]["resource"] == world.population.code


def test_wrong_secret_and_missing_token_are_problems(world, granted):
    app, _raw = granted
    client = Client()
    response = client.post(
        "/exchange/v1/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": "nope"},
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_client"
    response = client.post(
        "/exchange/v1/lookup",
        json.dumps({"resource": world.population.code, "key": "x", "reason": "r"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not ExchangeLog.objects.exists()


def test_unknown_resource_and_no_grant_read_the_same(world, granted):
    app, raw = granted
    client = Client()
    token = _token(client, app, raw)
    other = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0002",
        name="出入境证件信息",
        legal_basis="出境入境管理法",
        fields=[FieldSpec("passport_no", "护照号")],
        key_kind="id_number",
        key_field="passport_no",
    )
    answers = []
    for code in (other.code, "DR-NOPE-9999"):
        response = _post(
            client, "/exchange/v1/lookup", token, {"resource": code, "key": "1", "reason": "r"}
        )
        assert response.status_code == 403
        answers.append(response.json())
    assert answers[0] == answers[1]
    assert answers[0]["code"] == "no_grant"
    assert ExchangeLog.objects.filter(result="refused").count() == 2


def test_reason_is_required(world, granted):
    app, raw = granted
    client = Client()
    token = _token(client, app, raw)
    response = _post(
        client,
        "/exchange/v1/lookup",
        token,
        {"resource": world.population.code, "key": world.people[0]["id_number"], "reason": " "},
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "reason"
    assert not ExchangeLog.objects.exists()


def test_not_found_record_is_logged_without_data(world, granted):
    app, raw = granted
    client = Client()
    token = _token(client, app, raw)
    response = _post(
        client,
        "/exchange/v1/lookup",
        token,
        {"resource": world.population.code, "key": "110105199001019999", "reason": "r"},
    )
    assert response.status_code == 200
    assert response.json()["found"] is False
    assert response.json()["fields"] == {}
    assert ExchangeLog.objects.get().result == "not_found"


def _verification_resource(world, code: str, verifier: str, key_kind: str):
    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code=code,
        name=f"核验服务 {verifier}",
        legal_basis="政务数据共享条例",
        fields=[FieldSpec("result", "核验结果", sensitivity="internal")],
        verifier=verifier,
        key_kind=key_kind,
        share_type="unconditional",
    )
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    services.request_submit(
        actor=world.consumer_officer,
        resource=resource,
        consumer=world.consumer,
        system_name="锦江区社会救助系统",
        purpose="最低生活保障审核",
        legal_basis="社会救助暂行办法",
        fields=["result"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    return resource


def test_name_id_verification_answers_yes_or_no_only(world, granted):
    app, raw = granted
    person = world.people[0]
    registry_services.registry_persons_import(
        actor=None,
        rows=[{"name": person["name"], "id_number": person["id_number"], "status": "normal"}],
    )
    resource = _verification_resource(world, "DR-510100-0101", Verifier.PERSON_NAME_ID, "id_number")
    client = Client()
    token = _token(client, app, raw)
    ok = _post(
        client,
        f"/exchange/v1/verify/{resource.code}",
        token,
        {"name": person["name"], "id_number": person["id_number"], "reason": "MZ-7"},
    )
    assert ok.status_code == 200
    assert ok.json() == {
        "resource": resource.code,
        "result": "consistent",
    }
    bad = _post(
        client,
        f"/exchange/v1/verify/{resource.code}",
        token,
        {"name": "李四", "id_number": person["id_number"], "reason": "MZ-7"},
    )
    assert bad.json()["result"] == "inconsistent"
    results = list(ExchangeLog.objects.order_by("id").values_list("result", "operation"))
    assert results == [("match", "verify"), ("mismatch", "verify")]
    assert AuditEntry.objects.filter(action="sharing.exchange.verify").count() == 2


def test_licence_source_unavailable_is_a_clear_problem(world, granted, monkeypatch):
    monkeypatch.setattr(services, "_licenses_selectors", lambda: None)
    app, raw = granted
    licence = _verification_resource(
        world, "DR-510100-0102", Verifier.BUSINESS_LICENCE, "credit_code"
    )
    client = Client()
    token = _token(client, app, raw)
    response = _post(
        client,
        f"/exchange/v1/verify/{licence.code}",
        token,
        {"credit_code": "91510104MA0000001A", "reason": "r"},
    )
    assert response.status_code == 503
    assert response.json()["code"] == "source_unavailable"


@pytest.mark.django_db(transaction=True)
def test_real_http_client_against_live_server(live_server, world, granted):
    app, raw = granted
    token_response = http.post_form(
        f"{live_server.url}/exchange/v1/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": raw},
        timeout=10,
    )
    assert token_response.status == 200, token_response.text()
    token = json.loads(token_response.body)["access_token"]
    person = world.people[4]
    response = http.request(
        "POST",
        f"{live_server.url}/exchange/v1/lookup",
        timeout=10,
        data=json.dumps(
            {"resource": world.population.code, "key": person["id_number"], "reason": "live"}
        ).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 200, response.text()
    assert json.loads(response.body)["fields"]["name"] == person["name"]
    assert ExchangeLog.objects.filter(reason="live").count() == 1
