"""The OIDC test world: a verified citizen, relying parties registered through the real service,
and helpers that play a relying party against the endpoints with Django's test client."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as DjangoClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from tongban.identity.oidc import services
from tongban.testing.factories import UserFactory

ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"
PASSWORD = "correct-horse-battery"
REDIRECT = "https://rp.example.cn/callback"


def make_citizen(*, username: str = PHONE, phone: str = PHONE, level: int = 2, **extra: Any) -> Any:
    user = UserFactory(username=username, real_name=extra.pop("real_name", "张三"), **extra)
    user.phone = phone
    user.id_number = ID_NUMBER
    user.assurance_level = level
    user.phone_verified_at = timezone.now()
    user.save()
    return user


@pytest.fixture
def citizen(db):
    return make_citizen()


@dataclass
class RP:
    """A registered relying party and what it knows."""

    client: Any
    secret: str | None
    redirect_uri: str = REDIRECT

    @property
    def client_id(self) -> str:
        return self.client.client_id


def make_rp(
    *,
    name: str = "不动产登记平台",
    public: bool = False,
    algorithm: str = "RS256",
    scopes: tuple[str, ...] = ("openid", "profile", "phone", "tongban.realname"),
    redirect_uri: str = REDIRECT,
    backchannel_logout_uri: str = "",
    post_logout_redirect_uris: tuple[str, ...] = (),
) -> RP:
    client, secret = services.client_create(
        actor=None,
        name=name,
        redirect_uris=[redirect_uri],
        public=public,
        scopes=scopes,
        algorithm=algorithm,
        backchannel_logout_uri=backchannel_logout_uri,
        post_logout_redirect_uris=post_logout_redirect_uris,
        organisation="四川省自然资源厅",
    )
    return RP(client=client, secret=secret, redirect_uri=redirect_uri)


@pytest.fixture
def rp(db) -> RP:
    return make_rp()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(
    rp: RP, *, scope: str = "openid profile", challenge: str | None = None, **extra: str
) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": scope,
        "state": "state-1",
        "nonce": "nonce-1",
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


def consent_form(response: Any) -> dict[str, str]:
    """The consent form's hidden fields, as the browser would post them back."""
    form = response.context["form"]
    return {name: value for name, value in form.initial.items() if value is not None}


def query_of(response: Any) -> dict[str, str]:
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


@dataclass
class Flow:
    """One authorization code flow; `tokens` is the token response."""

    rp: RP
    verifier: str
    code: str = ""
    tokens: dict[str, Any] = field(default_factory=dict)


def get_code(
    web: Any,
    rp: RP,
    *,
    scope: str = "openid profile",
    allow: bool = True,
    extra_post: dict[str, str] | None = None,
    **extra: str,
) -> Flow:
    verifier, challenge = pkce_pair()
    response = web.get(
        "/o/authorize/", authorize_params(rp, scope=scope, challenge=challenge, **extra)
    )
    if response.status_code == 200:  # the consent screen
        data = consent_form(response)
        if allow:
            data["allow"] = "1"
        data.update(extra_post or {})
        response = web.post("/o/authorize/", data)
    params = query_of(response)
    return Flow(rp=rp, verifier=verifier, code=params.get("code", ""))


def token_call(rp: RP, data: dict[str, str]) -> Any:
    """A POST to the token endpoint from the relying party's server (no browser cookies)."""
    body = dict(data)
    headers = {}
    if rp.secret:
        basic = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    else:
        body["client_id"] = rp.client_id
    return DjangoClient().post(
        "/o/token/", urlencode(body), content_type="application/x-www-form-urlencoded", **headers
    )


def exchange(flow: Flow) -> dict[str, Any]:
    response = token_call(
        flow.rp,
        {
            "grant_type": "authorization_code",
            "code": flow.code,
            "redirect_uri": flow.rp.redirect_uri,
            "code_verifier": flow.verifier,
        },
    )
    assert response.status_code == 200, response.content
    flow.tokens = json.loads(response.content)
    return flow.tokens


def refresh(rp: RP, refresh_token: str) -> Any:
    return token_call(rp, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def sign_in(web: Any, rp: RP, *, scope: str = "openid profile", **extra: str) -> Flow:
    flow = get_code(web, rp, scope=scope, **extra)
    exchange(flow)
    return flow


def userinfo(access_token: str) -> Any:
    return DjangoClient().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def jwks() -> KeySet:
    return KeySet.import_key_set(json.loads(DjangoClient().get("/o/.well-known/jwks.json").content))


def decode(token: str, *, algorithms: tuple[str, ...] = ("RS256", "ES256")) -> Any:
    """A JWT verified with joserfc against the published JWKS (header and claims)."""
    return jwt.decode(token, jwks(), algorithms=list(algorithms))


@pytest.fixture
def web(client, citizen):
    """The citizen's browser session, signed in."""
    client.force_login(citizen)
    return client


# --- A relying party's back-channel logout endpoint -------------------------------------------------


class LogoutReceiver:
    """A tiny HTTP server on 127.0.0.1 that records POSTs; `status` decides its answer."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                receiver.received.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type", ""),
                        "form": {k: v[0] for k, v in parse_qs(body).items()},
                    }
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = LogoutReceiver()
    yield server
    server.close()
