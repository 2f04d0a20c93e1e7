"""Pluggable signature algorithms for licences, from maintained libraries only.

| name    | library      | keys (PEM, unencrypted)              | `sign` returns              |
|---------|--------------|--------------------------------------|-----------------------------|
| SM2-SM3 | gmssl-pyx    | PKCS#8 "PRIVATE KEY" + SPKI "PUBLIC  | DER SEQUENCE{r, s}          |
|         | (GmSSL 3.2)  | KEY": id-ecPublicKey + sm2p256v1     | (GB/T 35276), ~72 bytes     |
|         |              | 1.2.156.10197.1.301, as OpenSSL 3    |                             |
| Ed25519 | cryptography | PKCS#8 / SPKI                        | 64 bytes R‖S (RFC 8032)     |
| ES256   | cryptography | PKCS#8 / SPKI, P-256; SHA-256        | DER ECDSA-Sig-Value         |
| PS256   | cryptography | verify only (EU DCC signers): RSA    | RSASSA-PSS SHA-256, salt 32 |

`signature_to_raw` / `signature_from_raw` convert DER to the fixed 64-byte r‖s that COSE carries;
`verify_raw` verifies that form directly. SM2 private keys are also read from SEC1 PEM ("EC
PRIVATE KEY" / "SM2 PRIVATE KEY", as `openssl ec` writes them).

SM2 signs with SM3 and the default user ID "1234567812345678" (GB/T 32918, GM/T 0009), so
signatures interoperate with OpenSSL (`-pkeyopt distid:1234567812345678`) and GmSSL. gmssl-pyx
works on raw key bytes (32-byte secret, 64-byte point), so the PEM/DER wrapping is done here; an
SM2 private key PEM must carry its public key (OpenSSL and `generate_keypair` always write it).

`verify` never raises on a bad signature; it returns False, also for non-canonical DER (a
signature that was re-encoded differently is a changed signature). It raises ValueError only when
the algorithm is unknown or the public key cannot be read (a configuration error, not a forgery).

Loaded keys are cached on the PEM bytes (LRU of 1,024 per kind), so a verify costs the library's
own verify; decrypted private keys therefore stay in process memory while in use.
`public_key_id` is the first 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER (the EU DCC kid
rule applied to the key instead of the certificate).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import gmssl_pyx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

SM2_SM3 = "SM2-SM3"
ED25519 = "Ed25519"
ES256 = "ES256"
PS256 = "PS256"

ALGORITHMS = (SM2_SM3, ED25519, ES256)
VERIFY_ALGORITHMS = (*ALGORITHMS, PS256)  # PS256: EU DCC signers, verification only

SM2_USER_ID = b"1234567812345678"
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())  # immutable; built once rather than per verify
EC_COORDINATE_BYTES = 32  # SM2 and P-256 alike: r, s and coordinates are 32 bytes

_KEY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class KeyPair:
    algorithm: str
    private_pem: bytes
    public_pem: bytes


# --- PEM and the little DER needed for SM2 keys ------------------------------------------------

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)

_OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
_OID_SM2 = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301
_SM2_ALGORITHM_ID = b"\x30\x13" + _OID_EC_PUBLIC_KEY + _OID_SM2
_SM2_SPKI_PREFIX = b"\x30\x59" + _SM2_ALGORITHM_ID + b"\x03\x42\x00\x04"


def _pem_decode(pem: bytes, labels: tuple[bytes, ...]) -> tuple[bytes, bytes]:
    match = _PEM.search(pem)
    if not match or match.group(1) not in labels:
        wanted = " or ".join(label.decode() for label in labels)
        raise ValueError(f"expected a PEM block labelled {wanted}")
    try:
        der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except binascii.Error as exc:
        raise ValueError("PEM body is not valid base64") from exc
    return match.group(1), der


def _pem_encode(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode()])
        + b"\n"
    )


def _der_read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """One DER TLV at `pos`: (tag, value, position after it). Definite, minimal lengths only."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 2 or pos + count > len(data):
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80 or (count == 2 and length < 0x100):
            raise ValueError("non-minimal DER length")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos : pos + length], pos + length


def _der_items(data: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(data):
        tag, value, pos = _der_read(data, pos)
        items.append((tag, value))
    return items


def _sm2_spki(point64: bytes) -> bytes:
    return _SM2_SPKI_PREFIX + point64


def _sm2_pkcs8(secret32: bytes, point64: bytes) -> bytes:
    ec_private_key = (
        b"\x30\x6b\x02\x01\x01\x04\x20" + secret32 + b"\xa1\x44\x03\x42\x00\x04" + point64
    )
    body = b"\x02\x01\x00" + _SM2_ALGORITHM_ID + b"\x04\x6d" + ec_private_key
    return b"\x30\x81\x87" + body


def _sm2_point_from_spki(der: bytes) -> bytes:
    tag, body, end = _der_read(der)
    if tag != 0x30 or end != len(der):
        raise ValueError("SM2 public key: not a SubjectPublicKeyInfo")
    items = _der_items(body)
    if len(items) != 2 or items[0] != (0x30, _SM2_ALGORITHM_ID[2:]) or items[1][0] != 0x03:
        raise ValueError("SM2 public key: algorithm is not id-ecPublicKey with the sm2 curve")
    bits = items[1][1]
    if len(bits) != 66 or bits[:2] != b"\x00\x04":
        raise ValueError("SM2 public key: expected an uncompressed 64-byte point")
    return bits[2:]


def _sm2_keys_from_ec_private_key(der: bytes) -> tuple[bytes, bytes]:
    tag, body, end = _der_read(der)
    if tag != 0x30 or end != len(der):
        raise ValueError("SM2 private key: not an ECPrivateKey")
    items = _der_items(body)
    if len(items) < 2 or items[0] != (0x02, b"\x01") or items[1][0] != 0x04:
        raise ValueError("SM2 private key: not an ECPrivateKey (RFC 5915)")
    secret = items[1][1]
    if not 0 < len(secret) <= EC_COORDINATE_BYTES:
        raise ValueError("SM2 private key: the secret must be 32 bytes")
    secret = secret.rjust(EC_COORDINATE_BYTES, b"\x00")
    point = None
    for item_tag, value in items[2:]:
        if item_tag == 0xA0 and value != _OID_SM2:
            raise ValueError("SM2 private key: curve is not sm2p256v1")
        if item_tag == 0xA1:
            bits_tag, bits, _ = _der_read(value)
            if bits_tag != 0x03 or len(bits) != 66 or bits[:2] != b"\x00\x04":
                raise ValueError("SM2 private key: public key must be an uncompressed point")
            point = bits[2:]
    if point is None:
        raise ValueError("SM2 private key PEM must include its public key (OpenSSL writes it)")
    return secret, point


def _sm2_keys_from_pkcs8(der: bytes) -> tuple[bytes, bytes]:
    tag, body, end = _der_read(der)
    if tag != 0x30 or end != len(der):
        raise ValueError("SM2 private key: not PKCS#8")
    items = _der_items(body)
    if (
        len(items) < 3
        or items[0] != (0x02, b"\x00")
        or items[1] != (0x30, _SM2_ALGORITHM_ID[2:])
        or items[2][0] != 0x04
    ):
        raise ValueError("SM2 private key: PKCS#8 algorithm is not id-ecPublicKey with sm2")
    return _sm2_keys_from_ec_private_key(items[2][1])


# --- key loading (cached) ----------------------------------------------------------------------


def _as_bytes(pem: bytes | str | memoryview) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else bytes(pem)


def _check_algorithm(algorithm: str, allowed: tuple[str, ...] = ALGORITHMS) -> None:
    if algorithm not in allowed:
        raise ValueError(f"unknown signature algorithm {algorithm!r}; use one of {allowed}")


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _load_private(algorithm: str, private_pem: bytes) -> Any:
    _check_algorithm(algorithm)
    if algorithm == SM2_SM3:
        label, der = _pem_decode(
            private_pem, (b"PRIVATE KEY", b"EC PRIVATE KEY", b"SM2 PRIVATE KEY")
        )
        if label == b"PRIVATE KEY":
            secret, point = _sm2_keys_from_pkcs8(der)
        else:
            secret, point = _sm2_keys_from_ec_private_key(der)
        # A key pair whose halves do not match would sign garbage for ever: check once per load.
        probe = b"tongban key check"
        if not gmssl_pyx.sm2_verify(point, probe, gmssl_pyx.sm2_sign(secret, point, probe)):
            raise ValueError("SM2 private key: the public key does not belong to the secret")
        return secret, point
    key = serialization.load_pem_private_key(private_pem, password=None)
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if (
        algorithm == ES256
        and isinstance(key, ec.EllipticCurvePrivateKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    raise ValueError(f"the private key is not an {algorithm} key")


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _load_public(algorithm: str, public_pem: bytes) -> Any:
    _check_algorithm(algorithm, VERIFY_ALGORITHMS)
    if algorithm == SM2_SM3:
        _label, der = _pem_decode(public_pem, (b"PUBLIC KEY",))
        return _sm2_point_from_spki(der)
    key = serialization.load_pem_public_key(public_pem)
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if (
        algorithm == ES256
        and isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    if algorithm == PS256 and isinstance(key, rsa.RSAPublicKey):
        return key
    raise ValueError(f"the public key is not an {algorithm} key")


@lru_cache(maxsize=_KEY_CACHE_SIZE)
def _spki_der(public_pem: bytes) -> bytes:
    _label, der = _pem_decode(public_pem, (b"PUBLIC KEY",))
    tag, body, end = _der_read(der)
    if tag != 0x30 or end != len(der):
        raise ValueError("not a SubjectPublicKeyInfo")
    if _der_items(body)[0] == (0x30, _SM2_ALGORITHM_ID[2:]):
        return _sm2_spki(_sm2_point_from_spki(der))
    # Re-serialise so that a key is named the same however its PEM was wrapped.
    return serialization.load_pem_public_key(public_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- public API -----------------------------------------------------------------------------------


def generate_keypair(algorithm: str) -> KeyPair:
    _check_algorithm(algorithm)
    if algorithm == SM2_SM3:
        point, secret = gmssl_pyx.sm2_key_generate()
        return KeyPair(
            algorithm,
            _pem_encode("PRIVATE KEY", _sm2_pkcs8(secret, point)),
            _pem_encode("PUBLIC KEY", _sm2_spki(point)),
        )
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if algorithm == ED25519
        else ec.generate_private_key(ec.SECP256R1())
    )
    return KeyPair(
        algorithm,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


def sign(algorithm: str, private_pem: bytes, message: bytes) -> bytes:
    key = _load_private(algorithm, _as_bytes(private_pem))
    if algorithm == SM2_SM3:
        secret, point = key
        return gmssl_pyx.sm2_sign(secret, point, message, SM2_USER_ID)
    if algorithm == ED25519:
        return key.sign(message)
    return key.sign(message, ec.ECDSA(hashes.SHA256()))


def _is_canonical_der(signature: bytes) -> bool:
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    return r > 0 and s > 0 and encode_dss_signature(r, s) == signature


def verify(algorithm: str, public_pem: bytes, message: bytes, signature: bytes) -> bool:
    key = _load_public(algorithm, _as_bytes(public_pem))
    try:
        if algorithm == SM2_SM3:
            return _is_canonical_der(signature) and bool(
                gmssl_pyx.sm2_verify(key, message, signature, SM2_USER_ID)
            )
        if algorithm == ED25519:
            key.verify(signature, message)
        elif algorithm == ES256:
            if not _is_canonical_der(signature):
                return False
            key.verify(signature, message, _ECDSA_SHA256)
        else:
            key.verify(
                signature,
                message,
                padding.PSS(
                    mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH
                ),
                hashes.SHA256(),
            )
    except (InvalidSignature, ValueError, TypeError, gmssl_pyx.GmsslInnerError):
        return False
    return True


def verify_raw(algorithm: str, public_pem: bytes, message: bytes, raw_signature: bytes) -> bool:
    """`verify` for the fixed-length r‖s form COSE carries (SM2-SM3, ES256; others as `verify`).
    r‖s has a single encoding, so the DER built from it needs no canonical-form check."""
    if algorithm not in (SM2_SM3, ES256):
        return verify(algorithm, public_pem, message, raw_signature)
    key = _load_public(algorithm, _as_bytes(public_pem))
    signature = signature_from_raw(algorithm, raw_signature)
    if signature is None:
        return False
    try:
        if algorithm == SM2_SM3:
            return bool(gmssl_pyx.sm2_verify(key, message, signature, SM2_USER_ID))
        key.verify(signature, message, _ECDSA_SHA256)
    except (InvalidSignature, ValueError, TypeError, gmssl_pyx.GmsslInnerError):
        return False
    return True


def public_key_id(public_pem: bytes) -> bytes:
    """First 8 bytes of SHA-256 over the SubjectPublicKeyInfo DER: the COSE kid of the key."""
    return hashlib.sha256(_spki_der(_as_bytes(public_pem))).digest()[:8]


def public_key_algorithm(public_pem: bytes) -> str:
    """The algorithm a public key belongs to (SM2-SM3, Ed25519, ES256 or PS256 for RSA)."""
    der = _spki_der(_as_bytes(public_pem))
    if der.startswith(_SM2_SPKI_PREFIX):
        return SM2_SM3
    key = serialization.load_der_public_key(der)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ED25519
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return ES256
    if isinstance(key, rsa.RSAPublicKey):
        return PS256
    raise ValueError("unsupported public key type")


def signature_to_raw(algorithm: str, signature: bytes) -> bytes:
    """DER (SM2-SM3, ES256) → fixed-length r‖s as COSE carries ECDSA-style signatures; other
    algorithms are already raw. Raises ValueError on malformed DER."""
    if algorithm not in (SM2_SM3, ES256):
        return signature
    r, s = decode_dss_signature(signature)
    return r.to_bytes(EC_COORDINATE_BYTES, "big") + s.to_bytes(EC_COORDINATE_BYTES, "big")


def signature_from_raw(algorithm: str, raw: bytes) -> bytes | None:
    """r‖s → DER for SM2-SM3 and ES256 (None when the length is wrong); others unchanged."""
    if algorithm not in (SM2_SM3, ES256):
        return raw
    if len(raw) != 2 * EC_COORDINATE_BYTES:
        return None
    # DER by hand (SEQUENCE of two minimal INTEGERs, always under 128 bytes): the same bytes as
    # encode_dss_signature without two big-integer round trips (tests compare the two).
    raw = bytes(raw)
    if raw[0] and raw[EC_COORDINATE_BYTES]:  # no leading zero bytes: ~99 % of signatures
        r = _INTEGER_HEAD[raw[0] >> 7] + raw[:EC_COORDINATE_BYTES]
        s = _INTEGER_HEAD[raw[EC_COORDINATE_BYTES] >> 7] + raw[EC_COORDINATE_BYTES:]
    else:
        r = _der_positive_integer(raw[:EC_COORDINATE_BYTES])
        s = _der_positive_integer(raw[EC_COORDINATE_BYTES:])
        if r is None or s is None:
            return None
    return _SEQUENCE_HEAD[len(r) + len(s)] + r + s


# DER heads: INTEGER of 32 bytes, or 33 with the 0x00 that keeps a high first bit positive.
_INTEGER_HEAD = (b"\x02\x20", b"\x02\x21\x00")
_SEQUENCE_HEAD = tuple(b"\x30" + bytes((n,)) for n in range(128))


def _der_positive_integer(value: bytes) -> bytes | None:
    value = value.lstrip(b"\x00")
    if not value:
        return None
    if value[0] & 0x80:
        value = b"\x00" + value
    return b"\x02" + bytes((len(value),)) + value
