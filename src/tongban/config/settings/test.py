"""Test settings: only what makes tests fast and deterministic (STYLE.md rule 24)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# Fixed test keys: 16-byte SM4 keys, base64. Never used outside the test suite.
os.environ.setdefault(
    "TONGBAN_DATA_KEYS", "k2:MTIzNDU2Nzg5MGFiY2RlZg==,k1:ZmVkY2JhMDk4NzY1NDMyMQ=="
)
os.environ.setdefault("TONGBAN_BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktMzJieXRlcyEhISE=")
os.environ.setdefault("TONGBAN_DEBUG", "0")
os.environ.setdefault("TONGBAN_SSL_REDIRECT", "0")

from tongban.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The foundation demo tests need no 17k-item catalog; catalog demo tests switch it on for two counties.
TONGBAN_DEMO_CATALOG = False

# --- OIDC provider (identity.oidc) ------------------------------------------------------------
# Signing keys made fresh at import: one active and one retired key of each kind, so the tests
# see rotation (the retired keys are published in the JWKS). RSA 2048 here only to save time.
from tongban.config.settings.oidc import _pem  # noqa: E402


def _oidc_test_key(kind: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER,  # noqa: F405
    "OIDC_RSA_PRIVATE_KEY": _pem(_oidc_test_key("rsa")),
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [_pem(_oidc_test_key("rsa"))],
    # The live-server tests register http://localhost relying parties.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
}
TONGBAN_OIDC_EC_PRIVATE_KEY = _pem(_oidc_test_key("ec"))
TONGBAN_OIDC_EC_PRIVATE_KEYS_INACTIVE = [_pem(_oidc_test_key("ec"))]
# --- end OIDC provider --------------------------------------------------------------------------

# --- Identity (sign-in): SMS messages stay in memory (tongban.identity.sms.outbox) -------------
TONGBAN_SMS_BACKEND = "memory"
