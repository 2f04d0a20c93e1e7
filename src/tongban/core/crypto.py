"""Cryptography the platform relies on, from maintained libraries only.

- SM3 (GB/T 32905) digests and HMAC-SM3: `cryptography`.
- SM4-GCM (GB/T 32907) for personal data at rest: `cryptography`.
- SM2 (GB/T 32918) signatures live with the licences that need them (gmssl-pyx).
"""

from __future__ import annotations

import base64
import binascii
import hmac as std_hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CIPHERTEXT_PREFIX = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """Stored ciphertext could not be decrypted (unknown key id or tampered data)."""


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return std_hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Keyring:
    """Data-encryption keys by id; `active_id` encrypts, every key decrypts (rotation)."""

    keys: dict[str, bytes]
    active_id: str

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, b64 = item.partition(":")
            if not sep or not key_id.isalnum():
                raise ImproperlyConfigured(
                    "TONGBAN_DATA_KEYS must look like 'k2:<base64 16 bytes>,k1:<base64 16 bytes>'."
                )
            try:
                raw = base64.b64decode(b64, validate=True)
            except binascii.Error as exc:
                raise ImproperlyConfigured(
                    f"TONGBAN_DATA_KEYS: key {key_id} is not base64."
                ) from exc
            if len(raw) != 16:
                raise ImproperlyConfigured(
                    f"TONGBAN_DATA_KEYS: key {key_id} must be 16 bytes (SM4)."
                )
            if key_id in keys:
                raise ImproperlyConfigured(f"TONGBAN_DATA_KEYS: key id {key_id} appears twice.")
            keys[key_id] = raw
            order.append(key_id)
        if not order:
            raise ImproperlyConfigured("TONGBAN_DATA_KEYS holds no key.")
        return cls(keys=keys, active_id=order[0])


@lru_cache(maxsize=4)
def _keyring_for(spec: str) -> Keyring:
    return Keyring.parse(spec)


def keyring() -> Keyring:
    return _keyring_for(settings.TONGBAN_DATA_KEYS)


def _blind_index_key() -> bytes:
    try:
        key = base64.b64decode(settings.TONGBAN_BLIND_INDEX_KEY, validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured("TONGBAN_BLIND_INDEX_KEY must be base64.") from exc
    if len(key) < 16:
        raise ImproperlyConfigured("TONGBAN_BLIND_INDEX_KEY must hold at least 16 bytes.")
    return key


def encrypt_text(plaintext: str, *, context: str) -> str:
    """SM4-GCM with a random nonce; `context` (e.g. "identity.User.phone") is bound as associated
    data so a ciphertext copied into another column does not decrypt."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(ring.keys[ring.active_id]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{CIPHERTEXT_PREFIX}:{ring.active_id}:{blob}"


def ciphertext_key_id(stored: str) -> str | None:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != CIPHERTEXT_PREFIX:
        return None
    return parts[1]


def decrypt_text(stored: str, *, context: str) -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != CIPHERTEXT_PREFIX:
        raise DecryptionError("not a Tongban ciphertext")
    _, key_id, blob = parts
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"unknown data key id {key_id!r}")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SM3 of a normalised value, for exact look-up without storing it in clear.
    `purpose` separates indexes so equal values in different columns do not correlate."""
    if value == "":
        return ""
    normalised = value.strip().upper()
    return hmac_sm3_hex(_blind_index_key(), f"{purpose}\x1f{normalised}".encode())
