"""/api/v1/licenses/staff/…: issue, revoke and renew (换证) for authorized staff, scoped like the
workbench; problem+json errors; nothing changes on a refused call."""

from __future__ import annotations

import pytest

from tongban.identity.services import api_token_create
from tongban.licenses.models import License, LicenseEvent, LicenseStatus
from tongban.licenses.tests.conftest import CITIZEN_ID, issue_marriage

BASE = "/api/v1/licenses/staff/licenses"


def _bearer(user):
    _row, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _issue_body(world, **overrides):
    body = {
        "type_code": "CN-LIC-MARRIAGE-CERT",
        "issuer_id": str(world.body.public_id),
        "holder_key": CITIZEN_ID,
        "holder_name": "张晓燕",
        "content": {"spouse_name": "王强", "registered_on": "2020-05-20"},
    }
    body.update(overrides)
    return body


def _state():
    return (
        list(License.objects.order_by("pk").values("pk", "status", "version", "status_reason")),
        LicenseEvent.objects.count(),
    )


def test_issue_revoke_with_bearer_token(world, client):
    headers = _bearer(world.reviewer)
    response = client.post(BASE, _issue_body(world), content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    body = response.json()
    lic = License.objects.get()
    assert body["identifier"] == lic.identifier
    assert body["content"]["spouse_name"] == "王强"
    assert body["status"] == "valid"

    response = client.post(
        f"{BASE}/{lic.public_id}/revoke",
        {"reason": "登记信息有误"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    lic.refresh_from_db()
    assert (lic.status, lic.status_reason) == (LicenseStatus.REVOKED, "登记信息有误")


def test_renew_with_session(world, client):
    old = issue_marriage(world)
    client.force_login(world.reviewer)
    response = client.post(
        f"{BASE}/{old.public_id}/renew",
        {"reason": "证件损毁", "valid_until": "2035-12-31"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == old.version + 1
    assert body["supersedes"] == old.identifier
    assert body["valid_until"] == "2035-12-31"
    old.refresh_from_db()
    assert old.status == LicenseStatus.SUPERSEDED


def test_revoke_requires_reason_and_changes_nothing(world, client):
    lic = issue_marriage(world)
    before = _state()
    client.force_login(world.reviewer)
    response = client.post(
        f"{BASE}/{lic.public_id}/revoke", {"reason": "  "}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["fields"][0]["field"] == "reason"
    assert "撤销原因" in response.json()["message"]
    assert _state() == before


def test_other_regions_clerk_gets_404_and_nothing_changes(world, client):
    lic = issue_marriage(world)
    before = _state()
    headers = _bearer(world.clerk_other)
    for path, payload in (
        (f"{BASE}/{lic.public_id}/revoke", {"reason": "越权"}),
        (f"{BASE}/{lic.public_id}/renew", {}),
        (BASE, _issue_body(world)),
    ):
        response = client.post(path, payload, content_type="application/json", **headers)
        assert response.status_code == 404, path
        assert response.json()["status"] == 404
    assert _state() == before


def test_citizen_and_anonymous_are_refused(world, client):
    lic = issue_marriage(world)
    before = _state()
    assert client.post(BASE, _issue_body(world), content_type="application/json").status_code == 401
    client.force_login(world.citizen)
    response = client.post(
        f"{BASE}/{lic.public_id}/revoke", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.post(BASE, _issue_body(world), content_type="application/json").status_code == 404
    assert _state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"holder_key": "123"}, "holder_key"),
        ({"content": {"spouse_name": "王强"}}, "registered_on"),
    ],
)
def test_issue_validation_is_problem_json(world, client, overrides, field):
    client.force_login(world.reviewer)
    response = client.post(BASE, _issue_body(world, **overrides), content_type="application/json")
    assert response.status_code == 422
    assert any(field in problem["field"] for problem in response.json()["fields"])
    assert not License.objects.exists()


def test_renew_revoked_is_conflict(world, client):
    lic = issue_marriage(world)
    client.force_login(world.reviewer)
    client.post(
        f"{BASE}/{lic.public_id}/revoke", {"reason": "错误"}, content_type="application/json"
    )
    before = _state()
    response = client.post(f"{BASE}/{lic.public_id}/renew", {}, content_type="application/json")
    assert response.status_code == 409
    assert _state() == before


def test_staff_operations_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths[BASE]
    assert "post" in paths[BASE + "/{license_id}/revoke"]
    assert "post" in paths[BASE + "/{license_id}/renew"]
