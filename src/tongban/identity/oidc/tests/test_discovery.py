import json

from django.test import override_settings
from oauth2_provider.settings import oauth2_settings

from tongban.identity.oidc import keys


def _discovery(client, path="/o/.well-known/openid-configuration"):
    response = client.get(path)
    assert response.status_code == 200
    return json.loads(response.content)


def test_discovery_advertises_what_the_server_accepts(client, db):
    doc = _discovery(client)
    assert doc["issuer"] == "http://testserver/o"
    base = doc["issuer"]
    assert doc["authorization_endpoint"] == f"{base}/authorize/"
    assert doc["token_endpoint"] == f"{base}/token/"
    assert doc["userinfo_endpoint"] == f"{base}/userinfo/"
    assert doc["jwks_uri"] == f"{base}/.well-known/jwks.json"
    assert doc["end_session_endpoint"] == f"{base}/logout/"
    assert doc["revocation_endpoint"] == f"{base}/revoke_token/"
    assert doc["introspection_endpoint"] == f"{base}/introspect/"
    # PKCE: S256 only, never "plain"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "plain" not in json.dumps(doc)
    assert set(doc["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["backchannel_logout_supported"] is True
    assert doc["backchannel_logout_session_supported"] is True
    assert doc["acr_values_supported"] == [f"urn:tongban:loa:{n}" for n in range(4)]
    assert {"sub", "name", "acr", "sid", "id_number_masked", "enterprise"} <= set(
        doc["claims_supported"]
    )
    assert set(doc["scopes_supported"]) == {
        "openid",
        "profile",
        "phone",
        "tongban.realname",
        "tongban.enterprise",
    }


def test_discovery_uses_the_configured_issuer(client, db):
    settings_ = {**oauth2_settings.user_settings, "OIDC_ISS_ENDPOINT": "https://sso.sc.gov.cn/o"}
    with override_settings(OAUTH2_PROVIDER=settings_):
        doc = _discovery(client)
    assert doc["issuer"] == "https://sso.sc.gov.cn/o"
    assert doc["token_endpoint"] == "https://sso.sc.gov.cn/o/token/"


def test_oauth_server_metadata_does_not_offer_plain_pkce(client, db):
    doc = _discovery(client, "/o/.well-known/oauth-authorization-server")
    assert doc["issuer"] == "http://testserver/o"
    assert doc["code_challenge_methods_supported"] == ["S256"]


def test_jwks_publishes_active_and_retired_rsa_and_ec_keys(client, db):
    response = client.get("/o/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age=" in response["Cache-Control"]
    published = json.loads(response.content)["keys"]
    expected = {keys.key_id(k): alg for alg in keys.ALGORITHMS for k in keys.verification_keys(alg)}
    assert len(published) == 4  # test settings: one active and one retired key of each kind
    assert {k["kid"]: k["alg"] for k in published} == expected
    for key in published:
        assert key["use"] == "sig"
        assert "d" not in key
        assert "p" not in key
        assert key["kty"] == ("RSA" if key["alg"] == "RS256" else "EC")
        if key["kty"] == "EC":
            assert key["crv"] == "P-256"
    active = {keys.key_id(keys.signing_key(alg)) for alg in keys.ALGORITHMS}
    assert active <= {k["kid"] for k in published}


def test_without_an_ec_key_es256_is_not_advertised(client, db):
    with override_settings(
        TONGBAN_OIDC_EC_PRIVATE_KEY="", TONGBAN_OIDC_EC_PRIVATE_KEYS_INACTIVE=[]
    ):
        doc = _discovery(client)
        published = json.loads(client.get("/o/.well-known/jwks.json").content)["keys"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {k["alg"] for k in published} == {"RS256"}


def test_system_checks_report_missing_or_broken_keys(settings):
    from tongban.identity.oidc.checks import signing_keys

    assert signing_keys(None) == []
    settings.TONGBAN_OIDC_EC_PRIVATE_KEY = ""
    assert [m.id for m in signing_keys(None)] == ["oidc.W002"]
    settings.TONGBAN_OIDC_EC_PRIVATE_KEY = (
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    )
    assert [m.id for m in signing_keys(None)] == ["oidc.E001"]
