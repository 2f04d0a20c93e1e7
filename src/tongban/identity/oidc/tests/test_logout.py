"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) and RP-initiated logout."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client as DjangoClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from tongban.audit.models import AuditEntry
from tongban.identity.oidc import services
from tongban.identity.oidc.models import BackchannelDelivery, DeliveryStatus, RpSession
from tongban.identity.oidc.tests.conftest import (
    decode,
    make_citizen,
    make_rp,
    refresh,
    sign_in,
    userinfo,
)

EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _validate_logout_token(token, *, rp, algorithm="RS256"):
    """What a relying party must check (section 2.6), done with joserfc against the JWKS."""
    published = json.loads(DjangoClient().get("/o/.well-known/jwks.json").content)
    decoded = jwt.decode(token, KeySet.import_key_set(published), algorithms=[algorithm])
    assert decoded.header["typ"] == "logout+jwt"
    assert decoded.header["alg"] == algorithm
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": "http://testserver/o"},
        aud={"essential": True, "value": rp.client_id},
        iat={"essential": True},
        exp={"essential": True},
        jti={"essential": True},
    )
    registry.validate(claims)
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    assert claims.get("sub") or claims.get("sid")
    assert 0 < claims["exp"] - claims["iat"] <= 120
    return claims


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_signing_out_sends_a_valid_logout_token_to_each_client(
    web, citizen, receiver, algorithm, django_capture_on_commit_callbacks
):
    rp = make_rp(name="公积金平台", algorithm=algorithm, backchannel_logout_uri=receiver.url)
    quiet = make_rp(name="没有注销地址的平台", redirect_uri="https://quiet.example.cn/cb")
    flow = sign_in(web, rp)
    other = sign_in(web, quiet)
    id_claims = decode(flow.tokens["id_token"]).claims
    session_key = web.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=session_key)

    assert len(receiver.received) == 1
    [request] = receiver.received
    assert request["path"] == "/backchannel-logout"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    claims = _validate_logout_token(request["form"]["logout_token"], rp=rp, algorithm=algorithm)
    assert claims["sub"] == id_claims["sub"]
    assert claims["sid"] == id_claims["sid"]
    delivery = BackchannelDelivery.objects.get(client=rp.client)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert str(delivery.jti) == claims["jti"]
    # The session's tokens at every client are revoked, and its sign-ins ended.
    for tokens, client in ((flow.tokens, rp), (other.tokens, quiet)):
        assert userinfo(tokens["access_token"]).status_code == 401
        assert refresh(client, tokens["refresh_token"]).status_code == 400
    assert not RpSession.objects.filter(user=citizen, ended_at__isnull=True).exists()
    audit = AuditEntry.objects.get(action="oidc.session.end")
    assert audit.summary["logout_notifications"] == 1
    assert sorted(audit.summary["clients"]) == sorted(["公积金平台", "没有注销地址的平台"])
    assert AuditEntry.objects.filter(action="oidc.backchannel.delivered").count() == 1


def test_logout_ends_only_the_browser_session_that_signed_out(
    citizen, receiver, django_capture_on_commit_callbacks
):
    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    phone, desktop = DjangoClient(), DjangoClient()
    phone.force_login(citizen)
    desktop.force_login(citizen)
    on_phone = sign_in(phone, rp)
    on_desktop = sign_in(desktop, rp)
    assert phone.session["oidc_sid"] != desktop.session["oidc_sid"]

    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=phone.session.session_key)

    assert [decode(on_phone.tokens["id_token"]).claims["sid"]] == [
        _validate_logout_token(r["form"]["logout_token"], rp=rp)["sid"] for r in receiver.received
    ]
    assert userinfo(on_phone.tokens["access_token"]).status_code == 401
    assert userinfo(on_desktop.tokens["access_token"]).status_code == 200
    assert refresh(rp, on_desktop.tokens["refresh_token"]).status_code == 200


def test_logout_is_idempotent_and_silent_when_nothing_is_signed_in(
    web, citizen, receiver, django_capture_on_commit_callbacks
):
    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    sign_in(web, rp)
    key = web.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=key)
    audit_rows = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.on_user_logout(user=citizen, session_key=key) == []
    stranger = make_citizen(username="13900139000", phone="13900139000")
    assert services.on_user_logout(user=stranger, session_key="no-such-session") == []
    assert len(receiver.received) == 1
    assert AuditEntry.objects.count() == audit_rows


def test_signing_out_everywhere_revokes_every_token(
    citizen, receiver, django_capture_on_commit_callbacks
):
    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    phone, desktop = DjangoClient(), DjangoClient()
    phone.force_login(citizen)
    desktop.force_login(citizen)
    first, second = sign_in(phone, rp), sign_in(desktop, rp)
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=None)
    assert len(receiver.received) == 2
    for flow in (first, second):
        assert userinfo(flow.tokens["access_token"]).status_code == 401


def test_a_revoked_user_session_ends_by_its_digest(
    web, citizen, receiver, django_capture_on_commit_callbacks
):
    from tongban.identity.oidc.selectors import session_digest

    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    flow = sign_in(web, rp)
    digest = session_digest(web.session.session_key)
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=None, session_digest=digest)
    assert len(receiver.received) == 1
    assert userinfo(flow.tokens["access_token"]).status_code == 401


def test_a_failing_client_is_retried_with_backoff_and_recorded(
    web, citizen, receiver, django_capture_on_commit_callbacks
):
    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    sign_in(web, rp)
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=web.session.session_key)

    delivery = BackchannelDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 503
    assert delivery.last_error.startswith("HTTP 503")
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    # Not yet due: the sweep leaves it alone.
    call_command("oidc", "deliver-logouts")
    assert BackchannelDelivery.objects.get().attempts == 1

    receiver.status = 200
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        call_command("oidc", "deliver-logouts")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert len(receiver.received) == 2
    tokens = [parse_qs(f"logout_token={r['form']['logout_token']}") for r in receiver.received]
    jtis = {decode(t["logout_token"][0]).claims["jti"] for t in tokens}
    assert jtis == {str(delivery.jti)}  # re-signed at each attempt, same jti


def test_an_unreachable_client_is_given_up_after_the_last_attempt(
    web, citizen, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS = 2
    settings.TONGBAN_OIDC_LOGOUT_TIMEOUT_SECONDS = 1
    url = receiver.url
    rp = make_rp(name="公积金平台", backchannel_logout_uri=url)
    sign_in(web, rp)
    receiver.close()  # nobody listens any more
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=web.session.session_key)
    delivery = BackchannelDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_status_code is None
    assert delivery.last_error
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        call_command("oidc", "deliver-logouts")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2
    assert delivery.next_attempt_at is None
    assert AuditEntry.objects.filter(action="oidc.backchannel.failed").count() == 1


# --- RP-initiated logout -----------------------------------------------------------------------------


def test_rp_initiated_logout_signs_out_and_notifies_the_other_clients(
    web, citizen, receiver, django_capture_on_commit_callbacks
):
    initiator = make_rp(
        name="公积金平台", post_logout_redirect_uris=("https://rp.example.cn/signed-out",)
    )
    other = make_rp(
        name="社保平台",
        redirect_uri="https://si.example.cn/cb",
        backchannel_logout_uri=receiver.url,
    )
    flow = sign_in(web, initiator)
    other_flow = sign_in(web, other)

    with django_capture_on_commit_callbacks(execute=True):
        response = web.get(
            "/o/logout/",
            {
                "id_token_hint": flow.tokens["id_token"],
                "post_logout_redirect_uri": "https://rp.example.cn/signed-out",
                "state": "bye",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "https://rp.example.cn/signed-out?state=bye"
    assert "_auth_user_id" not in web.session
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert userinfo(other_flow.tokens["access_token"]).status_code == 401
    [notice] = receiver.received
    claims = _validate_logout_token(notice["form"]["logout_token"], rp=other)
    assert claims["sid"] == decode(other_flow.tokens["id_token"]).claims["sid"]


def test_rp_initiated_logout_with_an_unregistered_redirect_is_refused(web, citizen):
    rp = make_rp(name="公积金平台", post_logout_redirect_uris=("https://rp.example.cn/out",))
    flow = sign_in(web, rp)
    response = web.get(
        "/o/logout/",
        {
            "id_token_hint": flow.tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    assert response.status_code == 400
    assert "退出请求无法处理" in response.content.decode()
    assert "_auth_user_id" in web.session
    assert userinfo(flow.tokens["access_token"]).status_code == 200


def test_rp_initiated_logout_without_hint_asks_first(web, citizen):
    rp = make_rp(name="公积金平台")
    flow = sign_in(web, rp)
    page = web.get("/o/logout/")
    assert page.status_code == 200
    assert "是否同时退出" in page.content.decode()
    kept = web.post("/o/logout/", {})
    assert "您仍保持登录" in kept.content.decode()
    assert userinfo(flow.tokens["access_token"]).status_code == 200
    web.post("/o/logout/", {"allow": "1"})
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert urlsplit("/").path == "/"


def test_rp_initiated_logout_after_the_session_expired_ends_the_named_session(
    web, citizen, receiver, django_capture_on_commit_callbacks
):
    rp = make_rp(
        name="公积金平台",
        backchannel_logout_uri=receiver.url,
        post_logout_redirect_uris=("https://rp.example.cn/out",),
    )
    flow = sign_in(web, rp)
    web.session.flush()  # the session at Tongban expired without a sign-out
    with django_capture_on_commit_callbacks(execute=True):
        response = web.get(
            "/o/logout/",
            {
                "id_token_hint": flow.tokens["id_token"],
                "post_logout_redirect_uri": "https://rp.example.cn/out",
            },
        )
    assert response["Location"] == "https://rp.example.cn/out"
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert len(receiver.received) == 1


def test_an_operator_can_send_a_given_up_notice_again(
    web, citizen, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS = 1
    rp = make_rp(name="公积金平台", backchannel_logout_uri=receiver.url)
    sign_in(web, rp)
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        services.on_user_logout(user=citizen, session_key=web.session.session_key)
    delivery = BackchannelDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    receiver.status = 200
    settings.TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        services.backchannel_retry_now(actor=citizen, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert AuditEntry.objects.filter(action="oidc.backchannel.retry").count() == 1
