"""The client registry: service, CLI and admin."""

import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from tongban.audit.models import AuditEntry
from tongban.core.errors import ValidationFailed
from tongban.identity.oidc import client_secrets, keys, services
from tongban.identity.oidc.models import Client
from tongban.testing.factories import UserFactory


def _run(*args):
    out = io.StringIO()
    call_command("oidc", *args, stdout=out)
    return out.getvalue()


def test_cli_creates_a_confidential_client_and_prints_its_secret_once(db):
    data = json.loads(
        _run(
            "client", "create",
            "--name", "成都市公积金管理中心",
            "--redirect-uri", "https://gjj.chengdu.gov.cn/oidc/callback",
            "--redirect-uri", "https://gjj.chengdu.gov.cn/oidc/callback2",
            "--scopes", "openid", "profile", "tongban.realname",
            "--algorithm", "ES256",
            "--backchannel-logout-uri", "https://gjj.chengdu.gov.cn/oidc/logout",
        )
    )  # fmt: skip
    assert data["issuer"] == "http://127.0.0.1:8000/o"
    assert data["discovery"] == "http://127.0.0.1:8000/o/.well-known/openid-configuration"
    client = Client.objects.get(client_id=data["client_id"])
    assert client.name == "成都市公积金管理中心"
    assert client.algorithm == "ES256"
    assert client.allowed_scopes == ["openid", "profile", "tongban.realname"]
    assert client.redirect_uris.split() == data["redirect_uris"]
    assert client.backchannel_logout_uri == "https://gjj.chengdu.gov.cn/oidc/logout"
    # Only a salted SM3 digest is stored, and it checks.
    assert data["client_secret"] not in client.client_secret
    assert client_secrets.is_hashed(client.client_secret)
    assert client_secrets.check_secret(data["client_secret"], client.client_secret)
    assert not client_secrets.check_secret("wrong", client.client_secret)
    entry = AuditEntry.objects.get(action="oidc.client.create")
    assert entry.actor_label == "cli"
    assert data["client_secret"] not in json.dumps(entry.summary)


def test_cli_public_client_has_no_secret(db, settings):
    settings.TONGBAN_OIDC_ISSUER = "https://sso.sc.gov.cn/o"
    data = json.loads(
        _run("client", "create", "--name", "天府通办 App", "--public",
             "--redirect-uri", "https://app.example.cn/cb")
    )  # fmt: skip
    assert data["issuer"] == "https://sso.sc.gov.cn/o"
    assert "client_secret" not in data
    assert data["client_type"] == "public"
    listing = json.loads(_run("client", "list"))
    assert [c["client_id"] for c in listing["clients"]] == [data["client_id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "profile"], "openid"),
        (["--scopes", "openid", "email"], "未知的权限范围"),
        (["--redirect-uri", "ftp://files.example.cn/cb"], "redirect"),
        (["--backchannel-logout-uri", "not a url"], "backchannel_logout_uri"),
    ],
)
def test_cli_refuses_an_invalid_client_and_creates_nothing(db, args, message):
    base = ["client", "create", "--name", "测试平台"]
    if "--redirect-uri" not in args:
        base += ["--redirect-uri", "https://rp.example.cn/cb"]
    with pytest.raises(CommandError) as excinfo:
        _run(*base, *args)
    assert message in str(excinfo.value)
    assert not Client.objects.exists()
    assert not AuditEntry.objects.filter(action="oidc.client.create").exists()


def test_client_create_refuses_an_algorithm_without_a_key(db, settings):
    settings.TONGBAN_OIDC_EC_PRIVATE_KEY = ""
    with pytest.raises(ValidationFailed) as excinfo:
        services.client_create(
            actor=None, name="平台", redirect_uris=["https://rp.example.cn/cb"], algorithm="ES256"
        )
    assert [p.field for p in excinfo.value.fields] == ["algorithm"]
    assert not Client.objects.exists()


def test_secret_reset_replaces_the_old_secret(db):
    client, old = services.client_create(
        actor=None, name="平台", redirect_uris=["https://rp.example.cn/cb"]
    )
    new = services.client_secret_reset(actor=None, client=client)
    client.refresh_from_db()
    assert client_secrets.check_secret(new, client.client_secret)
    assert not client_secrets.check_secret(old, client.client_secret)
    assert AuditEntry.objects.filter(action="oidc.client.reset_secret").count() == 1


@pytest.mark.parametrize(("kind", "key_type"), [("rsa", "RSA"), ("ec", "EC")])
def test_keys_generate_prints_a_usable_private_key(kind, key_type):
    pem = _run("keys", "generate", "--kind", kind)
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert type(key).__name__.startswith(f"_{key_type}") or key_type in type(key).__name__
    line = _run("keys", "generate", "--kind", kind, "--env").strip()
    name, _, value = line.partition("=")
    assert name == f"TONGBAN_OIDC_{kind.upper()}_PRIVATE_KEY"
    assert "\n" not in line
    assert value.startswith("'-----BEGIN PRIVATE KEY-----\\n")
    algorithm = keys.RS256 if kind == "rsa" else keys.ES256
    pem_again = value.strip("'").replace("\\n", "\n") + "\n"
    assert keys._load(pem_again, algorithm).has_private


def test_admin_registers_a_client_shows_the_secret_once_and_audits(client, db):
    root = UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/oidc/client/add/",
        {
            "name": "成都市医保平台",
            "organisation": "成都市医疗保障局",
            "client_type": "confidential",
            "redirect_uris": "https://yb.chengdu.gov.cn/cb",
            "post_logout_redirect_uris": "",
            "allowed_scopes": ["openid", "profile"],
            "algorithm": "RS256",
            "backchannel_logout_uri": "",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    created = Client.objects.get(name="成都市医保平台")
    shown = [str(m) for m in response.context["messages"]]
    [secret_message] = [m for m in shown if "客户端密钥" in m]
    secret = secret_message.rsplit("：", 1)[1]
    assert client_secrets.check_secret(secret, created.client_secret)
    assert AuditEntry.objects.filter(action="oidc.client.admin_add").count() == 1
    page = client.get(f"/admin/oidc/client/{created.pk}/change/").content.decode()
    assert secret not in page
    assert created.client_secret not in page


def test_cli_says_whether_pkce_is_required(db):
    public = json.loads(
        _run("client", "create", "--name", "App", "--public", "--redirect-uri", "https://a.cn/cb")
    )
    confidential = json.loads(
        _run("client", "create", "--name", "Web", "--redirect-uri", "https://b.cn/cb")
    )
    assert public["pkce_required"] is True
    assert confidential["pkce_required"] is False
    assert public["code_challenge_method"] == confidential["code_challenge_method"] == "S256"


def test_admin_pages_of_the_provider_open(client, db):
    root = UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True)
    client.force_login(root)
    services.client_create(actor=None, name="平台", redirect_uris=["https://rp.example.cn/cb"])
    for model in ("client", "consent", "rpsession", "backchanneldelivery"):
        response = client.get(f"/admin/oidc/{model}/")
        assert response.status_code == 200, model
    assert client.get("/admin/oidc/consent/add/").status_code == 403  # read-only
