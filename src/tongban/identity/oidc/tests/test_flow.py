"""The authorization code flow against the endpoints: PKCE, consent, claims, refresh, tokens."""

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client as DjangoClient
from django.test import override_settings
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from tongban.audit.models import AuditEntry
from tongban.identity.oidc import keys, selectors, services
from tongban.identity.oidc.models import Consent, RpSession
from tongban.identity.oidc.tests.conftest import (
    authorize_params,
    consent_form,
    decode,
    exchange,
    get_code,
    make_rp,
    pkce_pair,
    query_of,
    refresh,
    sign_in,
    token_call,
    userinfo,
)

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


# --- PKCE ------------------------------------------------------------------------------------------


def test_public_client_without_pkce_is_refused(web, db):
    public = make_rp(name="掌上办 App", public=True)
    response = web.get("/o/authorize/", authorize_params(public))
    params = query_of(response)
    assert params["error"] == "invalid_request"
    assert "code" not in params
    assert not Consent.objects.exists()


def test_plain_pkce_is_refused_even_for_a_public_client(web, db):
    public = make_rp(name="掌上办 App", public=True)
    verifier, _challenge = pkce_pair()
    for extra in (
        {"code_challenge": verifier, "code_challenge_method": "plain"},
        {"code_challenge": verifier},  # no method means plain (RFC 7636)
    ):
        params = query_of(web.get("/o/authorize/", authorize_params(public, **extra)))
        assert params["error"] == "invalid_request"
        assert "code" not in params


def test_public_client_with_s256_gets_tokens_and_the_verifier_is_checked(web, db):
    public = make_rp(name="掌上办 App", public=True)
    flow = get_code(web, public)
    wrong = token_call(
        public,
        {
            "grant_type": "authorization_code",
            "code": flow.code,
            "redirect_uri": public.redirect_uri,
            "code_verifier": pkce_pair()[0],
        },
    )
    assert wrong.status_code == 400
    assert json.loads(wrong.content)["error"] == "invalid_grant"
    flow = get_code(web, public)
    tokens = exchange(flow)
    assert tokens["token_type"] == "Bearer"
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)


def test_confidential_clients_need_pkce_only_when_configured(web, rp):
    screen = web.get("/o/authorize/", authorize_params(rp))  # no PKCE
    assert screen.status_code == 200
    assert "code" in query_of(web.post("/o/authorize/", {**consent_form(screen), "allow": "1"}))
    with override_settings(TONGBAN_OIDC_PKCE_FOR_CONFIDENTIAL=True):
        assert selectors.client_requires_pkce(client_id=rp.client_id)
        params = query_of(web.get("/o/authorize/", authorize_params(rp)))
        assert params["error"] == "invalid_request"
    assert not selectors.client_requires_pkce(client_id=rp.client_id)


def test_wrong_client_secret_is_refused(web, rp):
    flow = get_code(web, rp)
    rp.secret = "not-the-secret"
    response = token_call(
        rp,
        {
            "grant_type": "authorization_code",
            "code": flow.code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": flow.verifier,
        },
    )
    assert response.status_code == 401
    assert not AccessToken.objects.exists()


# --- Consent -------------------------------------------------------------------------------------


def test_consent_screen_is_shown_then_remembered(web, rp, citizen):
    _verifier, challenge = pkce_pair()
    params = authorize_params(rp, scope="openid profile phone", challenge=challenge)
    first = web.get("/o/authorize/", params)
    assert first.status_code == 200
    page = first.content.decode()
    assert "不动产登记平台" in page
    assert "四川省自然资源厅" in page
    assert "您的完整手机号码" in page
    assert "您在本网站登记的真实姓名" in page
    assert "同意并登录" in page
    assert not Consent.objects.exists()

    approved = web.post("/o/authorize/", {**consent_form(first), "allow": "1"})
    assert "code" in query_of(approved)
    consent = Consent.objects.get(user=citizen, client=rp.client)
    assert consent.scopes == ["openid", "profile", "phone"]
    assert AuditEntry.objects.filter(action="oidc.consent.grant").count() == 1

    again = web.get("/o/authorize/", params)
    assert "code" in query_of(again)  # no screen: remembered
    fewer = web.get("/o/authorize/", authorize_params(rp, scope="openid", challenge=challenge))
    assert "code" in query_of(fewer)
    more = web.get(
        "/o/authorize/", authorize_params(rp, scope="openid tongban.realname", challenge=challenge)
    )
    assert more.status_code == 200  # a scope not yet granted asks again
    forced = web.get("/o/authorize/", {**params, "prompt": "consent"})
    assert forced.status_code == 200
    assert AuditEntry.objects.filter(action="oidc.consent.grant").count() == 1


def test_denying_consent_returns_access_denied_and_remembers_nothing(web, rp):
    _verifier, challenge = pkce_pair()
    first = web.get("/o/authorize/", authorize_params(rp, challenge=challenge))
    denied = web.post("/o/authorize/", consent_form(first))
    params = query_of(denied)
    assert params["error"] == "access_denied"
    assert params["state"] == "state-1"
    assert not Consent.objects.exists()
    assert not RpSession.objects.exists()


def test_prompt_none_without_consent_is_consent_required(web, rp):
    _verifier, challenge = pkce_pair()
    params = query_of(
        web.get("/o/authorize/", authorize_params(rp, challenge=challenge, prompt="none"))
    )
    assert params == {"error": "consent_required", "state": "state-1"}


def test_prompt_none_when_signed_out_is_login_required(client, rp):
    _verifier, challenge = pkce_pair()
    params = query_of(
        client.get("/o/authorize/", authorize_params(rp, challenge=challenge, prompt="none"))
    )
    assert params["error"] == "login_required"


def test_signed_out_user_is_sent_to_the_sign_in_page(client, rp):
    _verifier, challenge = pkce_pair()
    response = client.get("/o/authorize/", authorize_params(rp, challenge=challenge))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/authorize/")


def test_scope_beyond_what_the_client_may_ask_is_refused(web, db):
    narrow = make_rp(name="预约平台", scopes=("openid",))
    _verifier, challenge = pkce_pair()
    params = query_of(
        web.get(
            "/o/authorize/", authorize_params(narrow, scope="openid phone", challenge=challenge)
        )
    )
    assert params["error"] == "invalid_scope"


def test_consent_revoke_deletes_consent_and_tokens(
    web, rp, citizen, django_capture_on_commit_callbacks
):
    flow = sign_in(web, rp)
    assert userinfo(flow.tokens["access_token"]).status_code == 200
    [summary] = selectors.consents_for(citizen)
    assert summary.client_name == "不动产登记平台"
    assert summary.scope_labels == (
        "确认您的身份",
        "姓名",
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.consent_revoke(user=citizen, application_id=summary.application_id)

    assert selectors.consents_for(citizen) == []
    assert not AccessToken.objects.filter(user=citizen).exists()
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert refresh(rp, flow.tokens["refresh_token"]).status_code == 400
    assert RpSession.objects.get(user=citizen).ended_at is not None
    assert AuditEntry.objects.filter(action="oidc.consent.revoke").count() == 1
    # Next time the consent screen is shown again.
    _verifier, challenge = pkce_pair()
    assert web.get("/o/authorize/", authorize_params(rp, challenge=challenge)).status_code == 200


def test_consent_revoke_of_someone_elses_or_unknown_consent_is_not_found(web, rp, citizen):
    from tongban.core.errors import NotFound
    from tongban.identity.oidc.tests.conftest import make_citizen

    sign_in(web, rp)
    other = make_citizen(username="13900139000", phone="13900139000")
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        services.consent_revoke(user=other, application_id=rp.client.pk)
    with pytest.raises(NotFound):
        services.consent_revoke(user=citizen, application_id=rp.client.pk + 100)
    assert Consent.objects.filter(user=citizen).count() == 1
    assert AuditEntry.objects.count() == before


# --- Claims --------------------------------------------------------------------------------------


def test_claims_are_limited_to_the_granted_scopes(web, rp, citizen):
    flow = sign_in(web, rp, scope="openid profile")
    id_token = decode(flow.tokens["id_token"])
    claims = id_token.claims
    assert claims["name"] == "张三"
    assert claims["aud"] == rp.client_id
    assert claims["nonce"] == "nonce-1"
    for hidden in ("phone_number", "id_number_masked", "assurance_level", "enterprise"):
        assert hidden not in claims
    info = json.loads(userinfo(flow.tokens["access_token"]).content)
    assert info == {"sub": claims["sub"], "name": "张三"}
    assert str(citizen.pk) != claims["sub"]  # never the database id


def test_realname_and_phone_claims_when_granted(web, rp, citizen):
    flow = sign_in(web, rp, scope="openid profile phone tongban.realname")
    claims = decode(flow.tokens["id_token"]).claims
    assert claims["id_number_masked"] == "110105********002X"
    assert claims["assurance_level"] == 2
    assert claims["phone_number"] == "+86 13800138000"
    assert claims["phone_number_verified"] is True
    info = json.loads(userinfo(flow.tokens["access_token"]).content)
    assert info["id_number_masked"] == "110105********002X"
    assert "11010519491231002X" not in json.dumps(info)
    assert "acr" not in info
    assert "sid" not in info


def test_acr_reflects_the_assurance_level_and_follows_it_on_refresh(web, rp, citizen):
    flow = sign_in(web, rp)
    assert decode(flow.tokens["id_token"]).claims["acr"] == "urn:tongban:loa:2"
    citizen.assurance_level = 3
    citizen.save(update_fields=["assurance_level"])
    renewed = json.loads(refresh(rp, flow.tokens["refresh_token"]).content)
    assert decode(renewed["id_token"]).claims["acr"] == "urn:tongban:loa:3"


def test_sid_and_amr_come_from_the_browser_session(web, rp, citizen):
    session = web.session
    session["tongban_amr"] = ["pwd", "otp"]
    session.save()
    flow = sign_in(web, rp)
    claims = decode(flow.tokens["id_token"]).claims
    rp_session = RpSession.objects.get(user=citizen, client=rp.client)
    assert claims["sid"] == rp_session.sid == web.session["oidc_sid"]
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["auth_time"] <= claims["iat"]
    renewed = json.loads(refresh(rp, flow.tokens["refresh_token"]).content)
    assert decode(renewed["id_token"]).claims["sid"] == rp_session.sid


def test_enterprise_claim_for_an_agent_chosen_on_the_consent_screen(web, citizen, db):
    from tongban.identity.oidc.tests.factories import AgentGrantFactory, LegalPersonFactory

    company = LegalPersonFactory(name="成都甲乙丙科技有限公司", credit_code="91510100MA61234561")
    other = LegalPersonFactory(name="绵阳丁戊建材有限公司", credit_code="91510700MA6ABCDE1X")
    AgentGrantFactory(legal_person=company, agent=citizen, scopes=["apply", "cases"])
    AgentGrantFactory(legal_person=other, agent=citizen, scopes=["licenses"])
    agent_rp = make_rp(name="企业开办平台", scopes=("openid", "profile", "tongban.enterprise"))

    _verifier, challenge = pkce_pair()
    screen = web.get(
        "/o/authorize/",
        authorize_params(agent_rp, scope="openid tongban.enterprise", challenge=challenge),
    )
    page = screen.content.decode()
    assert "成都甲乙丙科技有限公司" in page
    assert "绵阳丁戊建材有限公司" in page

    flow = get_code(
        web,
        agent_rp,
        scope="openid tongban.enterprise",
        extra_post={"legal_person": str(company.pk)},
    )
    tokens = exchange(flow)
    enterprise = decode(tokens["id_token"]).claims["enterprise"]
    assert enterprise["name"] == "成都甲乙丙科技有限公司"
    assert enterprise["credit_code"] == "91510100MA61234561"
    assert enterprise["role"] == "agent"
    assert enterprise["scopes"] == ["apply", "cases"]
    assert enterprise["valid_until"] > timezone.now().timestamp()
    info = json.loads(userinfo(tokens["access_token"]).content)
    assert info["enterprise"]["credit_code"] == "91510100MA61234561"


# --- Signing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_id_tokens_are_signed_with_the_clients_algorithm_and_active_key(web, algorithm, db):
    signed_rp = make_rp(name=f"{algorithm} 平台", algorithm=algorithm)
    flow = sign_in(web, signed_rp)
    token = decode(flow.tokens["id_token"], algorithms=(algorithm,))
    assert token.header["alg"] == algorithm
    assert token.header["kid"] == keys.key_id(keys.signing_key(algorithm))
    with pytest.raises(Exception):  # noqa: B017 - joserfc refuses the other algorithm
        decode(flow.tokens["id_token"], algorithms=("ES256" if algorithm == "RS256" else "RS256",))


# --- Refresh -------------------------------------------------------------------------------------


def test_refresh_tokens_rotate_and_a_replayed_one_revokes_the_chain(web, rp):
    flow = sign_in(web, rp)
    old = flow.tokens["refresh_token"]
    first = refresh(rp, old)
    assert first.status_code == 200
    renewed = json.loads(first.content)
    assert renewed["refresh_token"] != old
    # Stored hashed: the database holds no usable token.
    row = RefreshToken.objects.get(
        token_checksum=hashlib.sha256(renewed["refresh_token"].encode()).hexdigest()
    )
    assert row.token == ""
    # No grace period by default: the old token is refused at once, and its replay revokes
    # the whole family, the rotated token with it.
    late = refresh(rp, old)
    assert late.status_code == 400
    assert json.loads(late.content)["error"] == "invalid_grant"
    assert refresh(rp, renewed["refresh_token"]).status_code == 400
    assert userinfo(renewed["access_token"]).status_code == 401


def test_with_a_grace_period_a_retry_gets_the_same_answer_until_it_ends(web, rp, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 10,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": False,
    }
    flow = sign_in(web, rp)
    old = flow.tokens["refresh_token"]
    renewed = json.loads(refresh(rp, old).content)
    retry = json.loads(refresh(rp, old).content)
    assert retry["refresh_token"] == renewed["refresh_token"]
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        assert refresh(rp, old).status_code == 400
        assert refresh(rp, renewed["refresh_token"]).status_code == 400


def test_refresh_chain_ends_at_the_maximum_session_age(web, rp):
    flow = sign_in(web, rp)
    token = flow.tokens["refresh_token"]
    start = timezone.now()
    for hours in (1.5, 3, 4.5, 6, 7.5):  # used within the idle limit (2 h) each time
        with time_machine.travel(start + timedelta(hours=hours)):
            token = json.loads(refresh(rp, token).content)["refresh_token"]
    with time_machine.travel(start + timedelta(hours=8, minutes=1)):
        assert refresh(rp, token).status_code == 400  # the session's 8 hours are over


def test_an_idle_refresh_token_expires(web, rp):
    flow = sign_in(web, rp)
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=11)):
        assert refresh(rp, flow.tokens["refresh_token"]).status_code == 400


def test_a_disabled_account_loses_its_tokens_at_once(web, rp, citizen):
    flow = sign_in(web, rp)
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert refresh(rp, flow.tokens["refresh_token"]).status_code == 400


def test_an_inactive_client_can_neither_sign_in_nor_use_its_tokens(web, rp):
    flow = sign_in(web, rp)
    services.client_set_active(actor=None, client=rp.client, active=False)
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert refresh(rp, flow.tokens["refresh_token"]).status_code in (400, 401)
    _verifier, challenge = pkce_pair()
    response = web.get("/o/authorize/", authorize_params(rp, challenge=challenge))
    assert response.status_code == 400
    assert "未在本网站登记或已停用" in response.content.decode()


# --- Introspection and revocation --------------------------------------------------------------


def _introspect(rp, token, hint=""):
    import base64

    basic = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    return DjangoClient().post("/o/introspect/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_introspection_describes_a_clients_own_tokens_only(web, rp, citizen):
    flow = sign_in(web, rp)
    sub = decode(flow.tokens["id_token"]).claims["sub"]
    data = json.loads(_introspect(rp, flow.tokens["access_token"]).content)
    assert data["active"] is True
    assert data["sub"] == sub
    assert data["client_id"] == rp.client_id
    assert data["scope"] == "openid profile"
    assert "username" not in data
    assert citizen.username not in json.dumps(data)
    refresh_data = json.loads(
        _introspect(rp, flow.tokens["refresh_token"], "refresh_token").content
    )
    assert refresh_data["active"] is True
    assert refresh_data["token_type"] == "refresh_token"

    other = make_rp(name="另一个平台")
    assert json.loads(_introspect(other, flow.tokens["access_token"]).content) == {"active": False}
    assert json.loads(_introspect(rp, "no-such-token").content) == {"active": False}
    rp_without_secret = type(rp)(client=rp.client, secret="wrong")
    assert _introspect(rp_without_secret, flow.tokens["access_token"]).status_code == 401


def test_revoking_an_access_token_stops_it(web, rp):
    import base64

    flow = sign_in(web, rp)
    basic = base64.b64encode(f"{rp.client_id}:{rp.secret}".encode()).decode()
    response = DjangoClient().post(
        "/o/revoke_token/",
        {"token": flow.tokens["access_token"], "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200
    assert userinfo(flow.tokens["access_token"]).status_code == 401
    assert json.loads(_introspect(rp, flow.tokens["access_token"]).content) == {"active": False}
    # RFC 7009: the bound refresh token goes too.
    assert refresh(rp, flow.tokens["refresh_token"]).status_code == 400
