import json

import pytest
from django.core.management import call_command

from tongban.audit.models import AuditEntry
from tongban.testing.factories import UserFactory


def test_openapi_document_is_served_at_both_addresses(client):
    short = client.get("/api/openapi.json")
    versioned = client.get("/api/v1/openapi.json")
    assert short.status_code == 200
    assert versioned.status_code == 200
    doc = short.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/ping" in doc["paths"]


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn." not in body
    assert "unpkg" not in body


@pytest.mark.django_db
def test_protected_endpoint_without_credentials_answers_problem_json_in_chinese(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "登录" in body["message"]
    assert body["fields"] == []


@pytest.mark.django_db
def test_cli_token_authenticates_api_calls_and_is_audited(client, capsys):
    UserFactory(username="clerk_a", real_name="王芳", kind="staff")
    call_command("identity", "token", "clerk_a")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("tb_")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json() == {"username": "clerk_a", "display_name": "王芳", "kind": "staff"}
    entry = AuditEntry.objects.get(action="identity.api_token.create")
    assert entry.summary["user"] == "clerk_a"
    assert raw not in json.dumps(entry.summary)


@pytest.mark.django_db
def test_wrong_or_revoked_token_is_refused(client, capsys):
    UserFactory(username="clerk_b", kind="staff")
    call_command("identity", "token", "clerk_b")
    raw = capsys.readouterr().out.strip()
    assert (
        client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer tb_not-a-real-token").status_code == 401
    )
    from tongban.identity.models import ApiToken

    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00+08:00")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
def test_token_for_unknown_user_is_a_clear_cli_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="用户不存在"):
        call_command("identity", "token", "nobody")


def test_openapi_command_prints_the_document_integrators_read(capsys):
    call_command("openapi")
    document = json.loads(capsys.readouterr().out)
    assert document["info"]["title"] == "Tongban 通办 API"
    for path in (
        "/api/v1/cases/",
        "/api/v1/licenses/verify",
        "/api/v1/search",
        "/api/v1/feedback/stats",
    ):
        assert any(p.startswith(path) for p in document["paths"]), path
