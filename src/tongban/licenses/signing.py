"""What a license signature covers, and signing with the key store.

`license_claims` is THE definition of the signed content: the canonical CBOR encoding
(crypto.canonical.canonical_bytes) of this dict is what the issuer's key signs, so any change to
the identifier, type, issuer, holder, validity or content of a stored license makes its
signature fail. Private keys are decrypted only here, only to sign.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING, Any

from tongban.licenses.crypto.algorithms import sign, verify
from tongban.licenses.crypto.canonical import canonical_bytes

if TYPE_CHECKING:
    from tongban.licenses.models import IssuerKey, License


def _iso(value: date | str | None) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else value.isoformat()


def license_claims(
    *,
    identifier: str,
    type_code: str,
    type_name: str,
    number: str,
    issuer_code: str,
    issuer_name: str,
    holder_kind: str,
    holder_key: str,
    holder_name: str,
    issued_on: date | str,
    valid_from: date | str,
    valid_until: date | str | None,
    content: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": identifier,
        "type": type_code,
        "type_name": type_name,
        "number": number,
        "issuer": issuer_code,
        "issuer_name": issuer_name,
        "holder_kind": holder_kind,
        "holder_key": holder_key,
        "holder_name": holder_name,
        "issued_on": _iso(issued_on),
        "valid_from": _iso(valid_from),
        "valid_until": _iso(valid_until),
        "content": content,
    }


def claims_of(license: License) -> dict[str, Any]:
    return license_claims(
        identifier=license.identifier,
        type_code=license.license_type.national_code,
        type_name=license.license_type.name,
        number=license.number,
        issuer_code=license.issuer_code,
        issuer_name=license.issuer_name,
        holder_kind=license.holder_kind,
        holder_key=license.holder_key,
        holder_name=license.holder_name,
        issued_on=license.issued_on,
        valid_from=license.valid_from,
        valid_until=license.valid_until,
        content=license.content,
    )


def signed_bytes(license: License) -> bytes:
    return canonical_bytes(claims_of(license))


def sign_bytes(key: IssuerKey, message: bytes) -> str:
    """Base64 of the signature of `message` with `key` (decrypted from the key store)."""
    raw = sign(key.algorithm, key.private_pem.encode(), message)
    return base64.b64encode(raw).decode()


def verify_license_signature(license: License, public_pem: str, algorithm: str) -> bool:
    try:
        raw = base64.b64decode(license.signature, validate=True)
    except ValueError:
        return False
    return verify(algorithm, public_pem.encode(), signed_bytes(license), raw)
