"""An independent relying party (Authlib's OAuth2Session, over real HTTP) against the running
server: discovery, sign-in through the real sign-in form, the code flow with PKCE S256, the
token exchange, ID-token validation through the JWKS with joserfc, userinfo, refresh,
RP-initiated logout and the back-channel logout that follows it."""

import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tongban.identity.oidc.tests.conftest import PASSWORD, PHONE, make_citizen, make_rp

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://rp.example.cn/oidc/callback"
SIGNED_OUT = "http://rp.example.cn/signed-out"


class _Forms(HTMLParser):
    """The input fields of every form on a page, by form id (or position)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = self.forms.setdefault(attrs.get("id") or str(len(self.forms)), {})
        elif tag == "input" and self._current is not None and attrs.get("name"):
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return
            self._current[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _forms(html: str) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _follow_to_callback(session, url: str, base: str) -> str:
    """Walk the browser part of the flow by hand: sign-in form, consent screen, and stop at
    the redirect to the relying party's callback (which is never fetched)."""
    for _ in range(8):
        if url.startswith(CALLBACK):
            return url
        response = session.get(url, allow_redirects=False, withhold_token=True)
        if response.status_code == 302:
            url = urljoin(base, response.headers["Location"])
            continue
        assert response.status_code == 200, response.text[:300]
        page = response.text
        csrf = session.cookies.get("csrftoken")
        if "/accounts/login/" in urlsplit(url).path:
            fields = next(f for f in _forms(page).values() if "password" in f)
            fields.update(username=PHONE, password=PASSWORD)
        else:
            assert "同意并登录" in page
            fields = _forms(page)["consent-form"]
            fields["allow"] = "1"
        fields["csrfmiddlewaretoken"] = csrf
        response = session.post(
            url,
            data=fields,
            headers={"Referer": url},
            allow_redirects=False,
            withhold_token=True,
        )
        assert response.status_code == 302, response.text[:500]
        url = urljoin(base, response.headers["Location"])
    raise AssertionError("the flow did not reach the callback")


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_authlib_relying_party_end_to_end(live_server, receiver, algorithm, settings):
    # The live server speaks plain http on localhost; an HTTP library (unlike a browser) does
    # not send Secure cookies there.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    base = live_server.url
    citizen = make_citizen()
    citizen.set_password(PASSWORD)
    citizen.save()
    rp = make_rp(
        name="省人社厅网上服务大厅",
        algorithm=algorithm,
        redirect_uri=CALLBACK,
        backchannel_logout_uri=receiver.url,
        post_logout_redirect_uris=(SIGNED_OUT,),
    )
    session = OAuth2Session(
        client_id=rp.client_id,
        client_secret=rp.secret,
        scope="openid profile tongban.realname",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )

    # Discovery
    meta = session.get(f"{base}/o/.well-known/openid-configuration", withhold_token=True).json()
    assert meta["issuer"] == f"{base}/o"
    assert algorithm in meta["id_token_signing_alg_values_supported"]

    # Authorization code + PKCE S256, through the sign-in form and the consent screen
    verifier = generate_token(64)
    nonce = generate_token(20)
    url, state = session.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    assert "code_challenge_method=S256" in url
    callback = _follow_to_callback(session, url, base)
    returned = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert returned["state"] == state
    assert returned["iss"] == meta["issuer"]  # RFC 9207

    # Token exchange (client_secret_basic, code_verifier)
    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert {"access_token", "refresh_token", "id_token"} <= set(token)

    # ID token: signature through the JWKS, then the claims a relying party must check
    keyset = KeySet.import_key_set(session.get(meta["jwks_uri"], withhold_token=True).json())
    id_token = jwt.decode(token["id_token"], keyset, algorithms=[algorithm])
    assert id_token.header["alg"] == algorithm
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": rp.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        acr={"essential": True, "value": "urn:tongban:loa:2"},
    ).validate(id_token.claims)
    assert id_token.claims["name"] == "张三"
    assert id_token.claims["id_number_masked"] == "110105********002X"
    assert id_token.claims["amr"] == ["pwd"]  # signed in with a password through the form

    # Userinfo with the access token
    info = session.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == id_token.claims["sub"]
    assert info["name"] == "张三"

    # Refresh (rotation), and the new ID token still validates
    renewed = session.refresh_token(meta["token_endpoint"])
    assert renewed["refresh_token"] != token["refresh_token"]
    jwt.decode(renewed["id_token"], keyset, algorithms=[algorithm])

    # RP-initiated logout, then the back-channel logout token it causes
    response = session.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": renewed["id_token"],
            "post_logout_redirect_uri": SIGNED_OUT,
            "state": "bye",
        },
        allow_redirects=False,
        withhold_token=True,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{SIGNED_OUT}?state=bye"
    assert session.get(meta["userinfo_endpoint"]).status_code == 401
    [notice] = receiver.received
    logout = jwt.decode(notice["form"]["logout_token"], keyset, algorithms=[algorithm])
    assert logout.header["typ"] == "logout+jwt"
    assert logout.claims["iss"] == meta["issuer"]
    assert logout.claims["aud"] == rp.client_id
    assert logout.claims["sub"] == id_token.claims["sub"]
    assert logout.claims["sid"] == id_token.claims["sid"]
    assert logout.claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert "nonce" not in logout.claims
    assert json.loads(json.dumps(logout.claims))  # plain JSON all through
