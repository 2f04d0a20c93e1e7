"""Signing keys of the OpenID provider: RSA (RS256, DOT's own setting) and EC P-256 (ES256).

Each kind has one active key, which signs, and any number of inactive ones, which only verify
(published in the JWKS until the tokens they signed have expired). The key id is the RFC 7638
thumbprint, as DOT already uses for RS256.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings

RS256 = "RS256"
ES256 = "ES256"
ALGORITHMS = (RS256, ES256)
KeyKind = Literal["rsa", "ec"]


@functools.lru_cache(maxsize=32)
def _load(pem: str, algorithm: str) -> jwk.JWK:
    # PEM parsing costs milliseconds for RSA: once per process and key.
    try:
        key = jwk.JWK.from_pem(pem.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"The {algorithm} signing key is not a valid PEM key.") from exc
    if algorithm == RS256 and key["kty"] != "RSA":
        raise ImproperlyConfigured("TONGBAN_OIDC_RSA_PRIVATE_KEY must be an RSA private key.")
    if algorithm == ES256 and (key["kty"] != "EC" or key.get("crv") != "P-256"):
        raise ImproperlyConfigured("TONGBAN_OIDC_EC_PRIVATE_KEY must be an EC P-256 private key.")
    if not key.has_private:
        raise ImproperlyConfigured(f"The {algorithm} signing key must be a private key.")
    return key


def _pems(algorithm: str) -> tuple[str, list[str]]:
    if algorithm == RS256:
        return (
            oauth2_settings.OIDC_RSA_PRIVATE_KEY or "",
            list(oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE or []),
        )
    if algorithm == ES256:
        return (
            getattr(settings, "TONGBAN_OIDC_EC_PRIVATE_KEY", "") or "",
            list(getattr(settings, "TONGBAN_OIDC_EC_PRIVATE_KEYS_INACTIVE", []) or []),
        )
    raise ImproperlyConfigured(f"Unsupported ID token algorithm: {algorithm!r}")


def is_configured(algorithm: str) -> bool:
    return bool(_pems(algorithm)[0])


def signing_key(algorithm: str) -> jwk.JWK:
    """The active private key that signs tokens for clients using `algorithm`."""
    active, _inactive = _pems(algorithm)
    if not active:
        variable = (
            "TONGBAN_OIDC_RSA_PRIVATE_KEY" if algorithm == RS256 else "TONGBAN_OIDC_EC_PRIVATE_KEY"
        )
        raise ImproperlyConfigured(
            f"{variable} is not set: generate one with `manage oidc keys generate`."
        )
    return _load(active, algorithm)


def verification_keys(algorithm: str) -> list[jwk.JWK]:
    """Active and inactive keys of one algorithm, active first."""
    active, inactive = _pems(algorithm)
    return [_load(pem, algorithm) for pem in [active, *inactive] if pem]


def verification_keyset(algorithm: str) -> jwk.JWKSet:
    keyset = jwk.JWKSet()
    for key in verification_keys(algorithm):
        keyset.add(key)
    return keyset


def key_id(key: jwk.JWK) -> str:
    return key.thumbprint()


def public_jwks() -> dict[str, list[dict[str, Any]]]:
    """The JWKS document: public halves of every active and inactive key, each with its kid."""
    keys = []
    for algorithm in ALGORITHMS:
        for key in verification_keys(algorithm):
            data = json.loads(key.export_public())
            data.update({"alg": algorithm, "use": "sig", "kid": key_id(key)})
            keys.append(data)
    return {"keys": keys}


def generate_private_key_pem(kind: KeyKind) -> str:
    """A new PKCS#8 PEM private key: RSA 3072 (beyond 2030 per NIST SP 800-57) or EC P-256."""
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if kind == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    elif kind == "ec":
        private_key = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"unknown key kind {kind!r}")
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
