"""SM3, HMAC-SM3, SM4-GCM and the keyring (tongban.core.crypto), checked against published test
vectors and against an independent implementation (GmSSL through gmssl-pyx)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured

from tongban.core.crypto import (
    DecryptionError,
    Keyring,
    blind_index,
    ciphertext_key_id,
    decrypt_text,
    encrypt_text,
    generate_blind_index_key,
    generate_data_key,
    hmac_sm3_hex,
    keyring,
    sm3_hex,
)

CONTEXT = "identity.User.id_number"
ID_NUMBER = "11010519491231002X"
KEY_A = base64.b64encode(b"A" * 16).decode()
KEY_B = base64.b64encode(b"B" * 16).decode()


# --- SM3 and HMAC-SM3 -----------------------------------------------------------------------------


def test_sm3_matches_the_gb_t_32905_examples():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_hmac_sm3_agrees_with_two_other_implementations():
    key, message = b"tongban-key-0123", "公民身份号码".encode()

    ours = hmac_sm3_hex(key, message)

    assert ours == hmac.new(key, message, lambda: hashlib.new("sm3")).hexdigest()
    assert ours == gmssl_pyx.sm3_hmac(key, message).hex()


# --- SM4-GCM --------------------------------------------------------------------------------------


def test_sm4_block_cipher_matches_the_gb_t_32907_example():
    # The standard's example: key = plaintext = 0123456789abcdeffedcba9876543210.
    block = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(block), modes.ECB()).encryptor()  # noqa: S305 - KAT only
    assert (encryptor.update(block) + encryptor.finalize()).hex() == (
        "681edf34d206965e86b3e94f536e4246"
    )


def test_round_trip_with_a_fresh_nonce_each_time():
    first = encrypt_text(ID_NUMBER, context=CONTEXT)
    second = encrypt_text(ID_NUMBER, context=CONTEXT)

    assert first != second
    assert ID_NUMBER not in first
    assert first.startswith("sm4gcm:k2:")
    assert ciphertext_key_id(first) == "k2"
    assert decrypt_text(first, context=CONTEXT) == ID_NUMBER
    assert decrypt_text(second, context=CONTEXT) == ID_NUMBER
    assert decrypt_text(encrypt_text("四川省成都市", context=CONTEXT), context=CONTEXT) == (
        "四川省成都市"
    )


def test_gmssl_decrypts_what_we_encrypt_and_we_decrypt_what_it_encrypts():
    stored = encrypt_text(ID_NUMBER, context=CONTEXT)
    raw = base64.b64decode(stored.split(":", 2)[2])
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    key = keyring().keys["k2"]

    assert gmssl_pyx.sm4_gcm_decrypt(key, nonce, CONTEXT.encode(), body, tag) == (
        ID_NUMBER.encode()
    )

    body, tag = gmssl_pyx.sm4_gcm_encrypt(key, nonce, CONTEXT.encode(), b"13812345678")
    theirs = "sm4gcm:k2:" + base64.b64encode(nonce + body + tag).decode()
    assert decrypt_text(theirs, context=CONTEXT) == "13812345678"


def _flip_one_byte(stored: str) -> str:
    prefix, key_id, blob = stored.split(":", 2)
    raw = bytearray(base64.b64decode(blob))
    raw[len(raw) // 2] ^= 0x01
    return f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}"


def test_tampered_ciphertext_is_refused():
    stored = encrypt_text(ID_NUMBER, context=CONTEXT)

    with pytest.raises(DecryptionError, match="failed authentication") as excinfo:
        decrypt_text(_flip_one_byte(stored), context=CONTEXT)
    assert ID_NUMBER not in str(excinfo.value)


def test_ciphertext_is_bound_to_its_column():
    stored = encrypt_text(ID_NUMBER, context="identity.User.id_number")

    with pytest.raises(DecryptionError):
        decrypt_text(stored, context="identity.User.phone")


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("11010519491231002X", "not a Tongban ciphertext"),
        ("sm4gcm:k9:AAAA", "'k9' is not in TONGBAN_DATA_KEYS"),
        ("sm4gcm:k2:not base64!", "not valid base64"),
        ("sm4gcm:k2:" + base64.b64encode(b"short").decode(), "truncated"),
    ],
)
def test_unreadable_values_raise_a_decryption_error_that_says_why(stored, message):
    with pytest.raises(DecryptionError, match=message):
        decrypt_text(stored, context=CONTEXT)


# --- keyring and rotation -------------------------------------------------------------------------


def test_first_key_encrypts_and_every_key_decrypts(settings):
    settings.TONGBAN_DATA_KEYS = f"a:{KEY_A}"
    old = encrypt_text(ID_NUMBER, context=CONTEXT)

    settings.TONGBAN_DATA_KEYS = f"b:{KEY_B}, a:{KEY_A}"
    new = encrypt_text(ID_NUMBER, context=CONTEXT)

    assert (ciphertext_key_id(old), ciphertext_key_id(new)) == ("a", "b")
    assert decrypt_text(old, context=CONTEXT) == ID_NUMBER
    assert decrypt_text(new, context=CONTEXT) == ID_NUMBER
    assert keyring().active_id == "b"
    assert list(keyring().keys) == ["b", "a"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "TONGBAN_DATA_KEYS is empty"),
        (" , ", "TONGBAN_DATA_KEYS is empty"),
        (KEY_A, "item 1 has no ':'"),
        (f"k1:{KEY_A},k2{KEY_B}", "item 2 has no ':'"),
        (f"k 1:{KEY_A}", "key id 'k 1' must be 1-32 ASCII"),
        (f"密钥:{KEY_A}", "key id '密钥' must be 1-32 ASCII"),
        ("k1:@@@@", "key 'k1' is not valid base64"),
        (
            f"k1:{base64.b64encode(b'x' * 32).decode()}",
            "key 'k1' is 32 bytes; SM4 needs exactly 16",
        ),
        (f"k1:{KEY_A},k1:{KEY_B}", "key id 'k1' appears twice"),
    ],
)
def test_keyring_errors_say_what_to_fix(spec, message):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        Keyring.parse(spec)

    text = str(excinfo.value)
    assert message in text
    assert "manage crypto genkey" in text
    assert KEY_B not in text


def test_keyring_never_shows_its_keys():
    ring = Keyring.parse(f"a:{KEY_A},b:{KEY_B}")

    assert repr(ring) == "Keyring(active_id='a', key_ids=['a', 'b'])"
    assert "AAAA" not in str(ring)


def test_generated_keys_are_accepted():
    spec = generate_data_key("k20261122")

    ring = Keyring.parse(spec)
    assert ring.active_id == "k20261122"
    assert len(ring.keys["k20261122"]) == 16
    assert len(base64.b64decode(generate_blind_index_key())) == 32
    with pytest.raises(ValueError, match="key id"):
        generate_data_key("bad:id")


# --- blind index ------------------------------------------------------------------------------------


def test_blind_index_is_keyed_normalised_and_separated_by_purpose(settings):
    index = blind_index(ID_NUMBER, purpose=CONTEXT)

    assert len(index) == 64
    assert ID_NUMBER not in index
    assert blind_index(" 11010519491231002x ", purpose=CONTEXT) == index
    assert blind_index(ID_NUMBER, purpose="identity.User.phone") != index
    assert blind_index("", purpose=CONTEXT) == ""
    assert blind_index("   ", purpose=CONTEXT) == ""

    settings.TONGBAN_BLIND_INDEX_KEY = base64.b64encode(
        b"another-index-key-32-bytes-long!"
    ).decode()
    assert blind_index(ID_NUMBER, purpose=CONTEXT) != index


@pytest.mark.parametrize(
    ("key", "message"),
    [("not base64!", "must be base64"), (base64.b64encode(b"short").decode(), "at least 16")],
)
def test_bad_blind_index_key_is_reported(settings, key, message):
    settings.TONGBAN_BLIND_INDEX_KEY = key

    with pytest.raises(ImproperlyConfigured, match=message):
        blind_index(ID_NUMBER, purpose=CONTEXT)
