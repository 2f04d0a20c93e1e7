"""OpenID Connect provider settings (django-oauth-toolkit; owned by identity.oidc).

Signing keys come from the environment as PEM text (real newlines or literal "\\n" escapes, so a
key fits on one line of an env file). `./dev.sh manage oidc keys generate --kind rsa|ec --env`
prints a fresh one. Rotation: move the current key to the *_INACTIVE variable (several PEM
blocks may follow each other there), put the new key in the active variable; tokens signed with
the old key keep verifying through the JWKS until they expire.
"""

from tongban.config.env import env_bool, env_int, env_list, env_str


def _pem_blocks(value: str) -> list[str]:
    text = value.replace("\\n", "\n").strip()
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        current.append(line)
        if line.startswith("-----END "):
            blocks.append("\n".join(current) + "\n")
            current = []
    return blocks


def _pem(value: str) -> str:
    blocks = _pem_blocks(value)
    return blocks[0] if blocks else ""


def _pkce_required(client_id: str) -> bool:
    # Imported late: settings load before the apps do.
    from tongban.identity.oidc.selectors import client_requires_pkce

    return client_requires_pkce(client_id=client_id)


# Empty: derived from the request (scheme and host + /o). Set it in production, where the
# public URL is known and the Host header should not decide what relying parties trust.
TONGBAN_OIDC_ISSUER = env_str("TONGBAN_OIDC_ISSUER", "").rstrip("/")
TONGBAN_OIDC_EC_PRIVATE_KEY = _pem(env_str("TONGBAN_OIDC_EC_PRIVATE_KEY", ""))
TONGBAN_OIDC_EC_PRIVATE_KEYS_INACTIVE = _pem_blocks(
    env_str("TONGBAN_OIDC_EC_PRIVATE_KEYS_INACTIVE", "")
)
# PKCE (S256) is always required of public clients; confidential clients too when this is on.
TONGBAN_OIDC_PKCE_FOR_CONFIDENTIAL = env_bool("TONGBAN_OIDC_PKCE_FOR_CONFIDENTIAL", False)
# A refresh-token chain ends this long after the sign-in that started it, however often it is
# used: by default when the sign-in session at Tongban itself would (base.SESSION_COOKIE_AGE).
# DOT's REFRESH_TOKEN_EXPIRE_SECONDS below is the idle limit.
TONGBAN_OIDC_REFRESH_MAX_SECONDS = env_int(
    "TONGBAN_OIDC_REFRESH_MAX_SECONDS", env_int("TONGBAN_SESSION_SECONDS", 8 * 3600)
)
# Back-channel logout delivery: HTTP timeout per attempt and the number of attempts.
TONGBAN_OIDC_LOGOUT_TIMEOUT_SECONDS = env_int("TONGBAN_OIDC_LOGOUT_TIMEOUT_SECONDS", 5)
TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS = env_int("TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS", 8)

# Set before oauth2_provider's first migration runs: oidc.0001 declares run_before for it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"
# DOT's default, named so that migrations can resolve oidc.GrantSession's foreign key to it.
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

# Tokens are stored hashed (RFC 9700 §4; a copy of the database holds no usable token). DOT
# cannot combine that with a refresh grace period (it would have to return the previous token
# in clear), so the grace period is off by default: a refresh token works once, and replaying
# it revokes the whole chain. Setting a grace period (seconds) switches to plaintext storage.
_refresh_grace = env_int("TONGBAN_OIDC_REFRESH_GRACE_SECONDS", 0)

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": TONGBAN_OIDC_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _pem(env_str("TONGBAN_OIDC_RSA_PRIVATE_KEY", "")),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _pem_blocks(
        env_str("TONGBAN_OIDC_RSA_PRIVATE_KEYS_INACTIVE", "")
    ),
    "OIDC_JWKS_MAX_AGE_SECONDS": 3600,
    "OAUTH2_VALIDATOR_CLASS": "tongban.identity.oidc.validators.TongbanValidator",
    "OAUTH2_SERVER_CLASS": "tongban.identity.oidc.validators.TongbanServer",
    "SCOPES_BACKEND_CLASS": "tongban.identity.oidc.scopes.ClientScopes",
    "APPLICATION_ADMIN_CLASS": "tongban.identity.oidc.admin.ClientAdmin",
    # Descriptions shown by DOT's own pages; the consent screen uses oidc.scopes.SCOPE_INFO.
    "SCOPES": {
        "openid": "确认您的身份",
        "profile": "姓名",
        "phone": "手机号码",
        "tongban.realname": "实名认证信息",
        "tongban.enterprise": "代办企业身份",
    },
    "DEFAULT_SCOPES": ["openid"],
    # Lifetimes for a government SSO: short access and ID tokens (10 min), refresh tokens that
    # die after two idle hours, and TONGBAN_OIDC_REFRESH_MAX_SECONDS after the sign-in at most.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("TONGBAN_OIDC_ACCESS_TOKEN_SECONDS", 600),
    "ID_TOKEN_EXPIRE_SECONDS": env_int("TONGBAN_OIDC_ID_TOKEN_SECONDS", 600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("TONGBAN_OIDC_REFRESH_IDLE_SECONDS", 2 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    # With a grace period, a client that lost the response to a refresh may retry with the old
    # token this long; after that (at once by default), replaying it revokes the whole family.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": _refresh_grace,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Remembered consent is ours (oidc.Consent), not DOT's "reuse a live token" heuristic.
    "REQUEST_APPROVAL_PROMPT": "force",
    "PKCE_REQUIRED": _pkce_required,
    # Plain http only for development (relying parties on localhost) unless deliberately set.
    "ALLOWED_REDIRECT_URI_SCHEMES": env_list(
        "TONGBAN_OIDC_REDIRECT_SCHEMES",
        ["http", "https"] if env_bool("TONGBAN_DEBUG", False) else ["https"],
    ),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # DOT still prompts whenever the spec says it MUST (no or foreign id_token_hint).
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # Tokens are revoked by oidc.services.on_user_logout, for the ending session only.
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
    # RFC 9700 behaviour gates, on ahead of DOT 4.0.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": _refresh_grace == 0,
}
