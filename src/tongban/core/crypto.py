"""Cryptography the platform relies on, from maintained libraries only.

- SM3 (GB/T 32905) digests and HMAC-SM3: `cryptography`.
- SM4-GCM (GB/T 32907) for personal data at rest: `cryptography`.
- SM2 (GB/T 32918) signatures live with the licences that need them (gmssl-pyx).

Keys come from the environment:

- TONGBAN_DATA_KEYS = "k3:<base64 16 bytes>,k2:<base64 16 bytes>,…": the first key encrypts,
  every key decrypts. To rotate, put a new key first, run `manage crypto rotate` (re-encrypts
  every value still under an older key), check `manage crypto status`, then drop the old key.
- TONGBAN_BLIND_INDEX_KEY = base64 of ≥ 16 bytes (32 recommended): the HMAC-SM3 key of the blind
  indexes. After changing it, run `manage crypto reindex` (exact look-ups miss until it finishes).

`manage crypto genkey` prints fresh keys in these formats.

Stored ciphertext: "sm4gcm:<key id>:<base64(nonce 12 ‖ ciphertext ‖ tag 16)>", with the column
("identity.User.phone") bound as associated data, so a value copied into another column does
not decrypt. Values are not bound to their row: swapping two rows' ciphertexts within one column
goes unnoticed by the cipher (the blind index of the row would then disagree with its value).
"""

from __future__ import annotations

import base64
import binascii
import hmac as std_hmac
import os
import re
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
DATA_KEY_BYTES = 16
BLIND_INDEX_KEY_BYTES = 32
MIN_BLIND_INDEX_KEY_BYTES = 16
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionError(Exception):
    """Stored ciphertext could not be decrypted (unknown key id or tampered data). The message
    never contains the value."""


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


def _config_error(message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{message} Expected format: TONGBAN_DATA_KEYS='k2:<base64 of 16 bytes>,k1:<…>' "
        "(first key encrypts; `manage crypto genkey` prints a new one)."
    )


@dataclass(frozen=True)
class Keyring:
    """Data-encryption keys by id; `active_id` encrypts, every key decrypts (rotation)."""

    keys: dict[str, bytes]
    active_id: str

    def __repr__(self) -> str:  # never show key material in tracebacks or shells
        return f"Keyring(active_id={self.active_id!r}, key_ids={list(self.keys)!r})"

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        keys: dict[str, bytes] = {}
        for position, item in enumerate((spec or "").split(","), start=1):
            item = item.strip()
            if not item:
                continue
            key_id, sep, b64 = item.partition(":")
            key_id, b64 = key_id.strip(), b64.strip()
            if not sep:
                raise _config_error(
                    f"TONGBAN_DATA_KEYS: item {position} has no ':' between key id and key."
                )
            if not _KEY_ID.match(key_id):
                raise _config_error(
                    f"TONGBAN_DATA_KEYS: item {position}: key id {key_id!r} must be 1-32 "
                    "ASCII letters, digits, '_' or '-'."
                )
            try:
                raw = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _config_error(
                    f"TONGBAN_DATA_KEYS: key {key_id!r} is not valid base64."
                ) from exc
            if len(raw) != DATA_KEY_BYTES:
                raise _config_error(
                    f"TONGBAN_DATA_KEYS: key {key_id!r} is {len(raw)} bytes; SM4 needs "
                    f"exactly {DATA_KEY_BYTES}."
                )
            if key_id in keys:
                raise _config_error(f"TONGBAN_DATA_KEYS: key id {key_id!r} appears twice.")
            keys[key_id] = raw
        if not keys:
            raise _config_error("TONGBAN_DATA_KEYS is empty.")
        return cls(keys=keys, active_id=next(iter(keys)))


@lru_cache(maxsize=8)
def _keyring_for(spec: str) -> Keyring:
    return Keyring.parse(spec)


def keyring() -> Keyring:
    """The keyring of the current settings (cached per spec string, so overrides apply)."""
    return _keyring_for(getattr(settings, "TONGBAN_DATA_KEYS", "") or "")


@lru_cache(maxsize=8)
def _blind_index_key_for(spec: str) -> bytes:
    try:
        key = base64.b64decode(spec.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(
            "TONGBAN_BLIND_INDEX_KEY must be base64 (`manage crypto genkey --blind-index`)."
        ) from exc
    if len(key) < MIN_BLIND_INDEX_KEY_BYTES:
        raise ImproperlyConfigured(
            f"TONGBAN_BLIND_INDEX_KEY is {len(key)} bytes; it must hold at least "
            f"{MIN_BLIND_INDEX_KEY_BYTES} (32 recommended)."
        )
    return key


def _blind_index_key() -> bytes:
    return _blind_index_key_for(getattr(settings, "TONGBAN_BLIND_INDEX_KEY", "") or "")


def generate_data_key(key_id: str) -> str:
    """A fresh "id:base64" SM4 key for TONGBAN_DATA_KEYS."""
    if not _KEY_ID.match(key_id):
        raise ValueError("key id must be 1-32 ASCII letters, digits, '_' or '-'")
    return f"{key_id}:{base64.b64encode(os.urandom(DATA_KEY_BYTES)).decode()}"


def generate_blind_index_key() -> str:
    return base64.b64encode(os.urandom(BLIND_INDEX_KEY_BYTES)).decode()


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
    """The id of the key a stored value was encrypted with, or None if it is not ciphertext."""
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != CIPHERTEXT_PREFIX:
        return None
    return parts[1]


def decrypt_text(stored: str, *, context: str) -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != CIPHERTEXT_PREFIX:
        raise DecryptionError(f"{context}: stored value is not a Tongban ciphertext")
    _, key_id, blob = parts
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(
            f"{context}: data key {key_id!r} is not in TONGBAN_DATA_KEYS "
            "(was it removed before `manage crypto rotate` finished?)"
        )
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError(f"{context}: ciphertext is not valid base64") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"{context}: ciphertext is truncated")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as exc:
        raise DecryptionError(
            f"{context}: ciphertext failed authentication (altered, or from another column)"
        ) from exc


def normalise_for_index(value: str) -> str:
    return value.strip().upper()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SM3 of a normalised value, for exact look-up without storing it in clear.
    `purpose` separates indexes so equal values in different columns do not correlate.
    Normalisation is only strip + upper-case (ID numbers end in X or x); callers normalise
    anything else (e.g. a "+86" prefix on phones) before storing and before looking up."""
    normalised = normalise_for_index(value)
    if normalised == "":
        return ""
    return hmac_sm3_hex(_blind_index_key(), f"{purpose}\x1f{normalised}".encode())
