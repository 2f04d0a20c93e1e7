import base64
import datetime
import hashlib
import shutil
import subprocess
import uuid
from decimal import Decimal

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization

from tongban.licenses.crypto import algorithms
from tongban.licenses.crypto.algorithms import (
    ALGORITHMS,
    generate_keypair,
    public_key_algorithm,
    public_key_id,
    sign,
    verify,
)
from tongban.licenses.crypto.canonical import canonical_bytes

MESSAGE = "电子证照 1.2.156.3005.2 签名测试".encode()

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(
    OPENSSL is None,
    reason="the openssl command is not installed, so interoperability with OpenSSL cannot be checked here",
)


@pytest.fixture(scope="module")
def keys():
    return {
        algorithm: (generate_keypair(algorithm), generate_keypair(algorithm))
        for algorithm in ALGORITHMS
    }


def _spki_der(public_pem: bytes) -> bytes:
    body = b"".join(public_pem.strip().splitlines()[1:-1])
    return base64.b64decode(body)


def test_algorithms_are_the_contracted_three():
    assert ALGORITHMS == ("SM2-SM3", "Ed25519", "ES256")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sign_verify_round_trip(keys, algorithm):
    pair, _other = keys[algorithm]
    assert pair.algorithm == algorithm
    assert pair.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pair.public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    signature = sign(algorithm, pair.private_pem, MESSAGE)
    assert verify(algorithm, pair.public_pem, MESSAGE, signature) is True
    # PEMs read from a text column arrive as str.
    assert verify(algorithm, pair.public_pem.decode(), MESSAGE, signature) is True
    assert verify(
        algorithm, pair.public_pem, MESSAGE, sign(algorithm, pair.private_pem.decode(), MESSAGE)
    )


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_changed_message_byte_is_detected(keys, algorithm):
    pair, _other = keys[algorithm]
    signature = sign(algorithm, pair.private_pem, MESSAGE)
    for i in range(len(MESSAGE)):
        changed = MESSAGE[:i] + bytes([MESSAGE[i] ^ 0x01]) + MESSAGE[i + 1 :]
        assert verify(algorithm, pair.public_pem, changed, signature) is False
    assert verify(algorithm, pair.public_pem, MESSAGE + b"\x00", signature) is False
    assert verify(algorithm, pair.public_pem, MESSAGE[:-1], signature) is False


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_changed_signature_byte_is_detected(keys, algorithm):
    pair, _other = keys[algorithm]
    signature = sign(algorithm, pair.private_pem, MESSAGE)
    for i in range(len(signature)):
        for flip in (0x01, 0x80, 0xFF):
            changed = signature[:i] + bytes([signature[i] ^ flip]) + signature[i + 1 :]
            assert verify(algorithm, pair.public_pem, MESSAGE, changed) is False, (i, flip)
    for bad in (b"", signature[:-1], signature + b"\x00", b"\x00" * len(signature)):
        assert verify(algorithm, pair.public_pem, MESSAGE, bad) is False


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_key_fails(keys, algorithm):
    pair, other = keys[algorithm]
    signature = sign(algorithm, pair.private_pem, MESSAGE)
    assert verify(algorithm, other.public_pem, MESSAGE, signature) is False


def test_key_of_another_algorithm_is_a_configuration_error(keys):
    ed = keys["Ed25519"][0]
    with pytest.raises(ValueError, match="ES256"):
        verify("ES256", ed.public_pem, MESSAGE, b"x" * 64)
    with pytest.raises(ValueError, match="SM2"):
        sign("SM2-SM3", ed.private_pem, MESSAGE)
    with pytest.raises(ValueError, match="unknown signature algorithm"):
        sign("RSA", ed.private_pem, MESSAGE)
    with pytest.raises(ValueError, match="unknown signature algorithm"):
        generate_keypair("SM2")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_key_id_is_stable_and_follows_the_eu_rule(keys, algorithm):
    pair, other = keys[algorithm]
    kid = public_key_id(pair.public_pem)
    assert len(kid) == 8
    assert kid == hashlib.sha256(_spki_der(pair.public_pem)).digest()[:8]
    # The same key wrapped differently (CRLF, other line length) keeps its id.
    rewrapped = pair.public_pem.replace(b"\n", b"\r\n")
    assert public_key_id(rewrapped) == kid
    assert public_key_id(pair.public_pem.decode()) == kid
    assert public_key_id(other.public_pem) != kid
    assert public_key_algorithm(pair.public_pem) == algorithm


def test_ed25519_and_es256_key_ids_match_cryptography_serialisation(keys):
    for algorithm in ("Ed25519", "ES256"):
        pair = keys[algorithm][0]
        key = serialization.load_pem_public_key(pair.public_pem)
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert public_key_id(pair.public_pem) == hashlib.sha256(der).digest()[:8]


def test_verify_reuses_the_loaded_key(keys):
    pair = keys["ES256"][0]
    signature = sign("ES256", pair.private_pem, MESSAGE)
    verify("ES256", pair.public_pem, MESSAGE, signature)
    before = algorithms._load_public.cache_info()
    for _ in range(5):
        assert verify("ES256", pair.public_pem, MESSAGE, signature)
    after = algorithms._load_public.cache_info()
    assert after.hits - before.hits == 5
    assert after.misses == before.misses


def test_sm2_signature_is_der_and_converts_to_raw(keys):
    pair = keys["SM2-SM3"][0]
    signature = sign("SM2-SM3", pair.private_pem, MESSAGE)
    assert signature[0] == 0x30
    raw = algorithms.signature_to_raw("SM2-SM3", signature)
    assert len(raw) == 64
    assert algorithms.signature_from_raw("SM2-SM3", raw) == signature
    assert algorithms.signature_from_raw("SM2-SM3", raw[:-1]) is None


def test_sm2_private_key_without_public_key_is_refused():
    # ECPrivateKey with only the secret (RFC 5915 allows it; we need the point for Z_A).
    secret = bytes(range(1, 33))
    ec_private_key = b"\x30\x25\x02\x01\x01\x04\x20" + secret
    body = (
        b"\x02\x01\x00"
        + algorithms._SM2_ALGORITHM_ID
        + b"\x04"
        + bytes([len(ec_private_key)])
        + ec_private_key
    )
    pkcs8 = b"\x30" + bytes([len(body)]) + body
    pem = algorithms._pem_encode("PRIVATE KEY", pkcs8)
    with pytest.raises(ValueError, match="must include its public key"):
        sign("SM2-SM3", pem, MESSAGE)


def test_sm2_private_key_with_foreign_public_key_is_refused(keys):
    first, second = keys["SM2-SM3"]
    secret, _point = algorithms._sm2_keys_from_pkcs8(
        base64.b64decode(b"".join(first.private_pem.strip().splitlines()[1:-1]))
    )
    other_point = algorithms._sm2_point_from_spki(_spki_der(second.public_pem))
    pem = algorithms._pem_encode("PRIVATE KEY", algorithms._sm2_pkcs8(secret, other_point))
    with pytest.raises(ValueError, match="does not belong"):
        sign("SM2-SM3", pem, MESSAGE)


@needs_openssl
def test_sm2_interoperates_with_openssl(tmp_path, keys):
    pair = keys["SM2-SM3"][0]
    (tmp_path / "pub.pem").write_bytes(pair.public_pem)
    (tmp_path / "msg").write_bytes(MESSAGE)
    (tmp_path / "sig").write_bytes(sign("SM2-SM3", pair.private_pem, MESSAGE))
    sm3_opts = ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"]
    result = subprocess.run(
        [OPENSSL, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "msg",
         "-sigfile", "sig", *sm3_opts],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Signature Verified Successfully" in result.stdout, result.stderr

    # And the other way: an OpenSSL key and signature (PKCS#8 and SEC1 "EC PRIVATE KEY").
    run = {"cwd": tmp_path, "check": True, "capture_output": True}
    subprocess.run([OPENSSL, "genpkey", "-algorithm", "SM2", "-out", "o.pem"], **run)
    subprocess.run([OPENSSL, "pkey", "-in", "o.pem", "-pubout", "-out", "opub.pem"], **run)
    subprocess.run(
        [OPENSSL, "pkeyutl", "-sign", "-inkey", "o.pem", "-in", "msg", "-out", "osig", *sm3_opts],
        **run,
    )
    subprocess.run([OPENSSL, "ec", "-in", "o.pem", "-out", "o_sec1.pem"], **run)
    opub = (tmp_path / "opub.pem").read_bytes()
    assert verify("SM2-SM3", opub, MESSAGE, (tmp_path / "osig").read_bytes())
    for private in ("o.pem", "o_sec1.pem"):
        ours = sign("SM2-SM3", (tmp_path / private).read_bytes(), MESSAGE)
        assert verify("SM2-SM3", opub, MESSAGE, ours)
    assert public_key_algorithm(opub) == "SM2-SM3"


# --- canonical encoding ------------------------------------------------------------------------


def test_canonical_bytes_ignore_insertion_order():
    a = {"持证人": "张三", "证照编号": "A1", "有效期": {"起": "2025-01-01", "止": "2030-01-01"}}
    b = {"有效期": {"止": "2030-01-01", "起": "2025-01-01"}, "证照编号": "A1", "持证人": "张三"}
    assert canonical_bytes(a) == canonical_bytes(b)


def test_canonical_bytes_follow_rfc8949_key_order():
    # Core deterministic encoding sorts keys by their encoded bytes: "a" (61 61) < "b" (61 62)
    # < "aa" (62 61 61); values use the shortest integer form.
    assert canonical_bytes({"aa": 1, "b": 2, "a": 1000}).hex() == "a361611903e861620262616101"


def test_canonical_bytes_normalise_dates_and_scalars():
    content = {
        "issued": datetime.date(2026, 11, 22),
        "at": datetime.datetime(
            2026, 11, 22, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
        ),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "fee": Decimal("12.50"),
        "tags": ("a", "b"),
    }
    decoded = cbor2.loads(canonical_bytes(content))
    assert decoded == {
        "issued": "2026-11-22",
        "at": "2026-11-22T00:30:00+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "fee": "12.50",
        "tags": ["a", "b"],
    }
    # Content read back from a JSON column (strings) signs the same as the original objects.
    assert canonical_bytes(decoded) == canonical_bytes(content)


@pytest.mark.parametrize(
    "content",
    [
        {1: "integer key"},
        {"at": datetime.datetime(2026, 1, 1)},
        {"x": float("nan")},
        {"x": {1, 2}},
    ],
)
def test_canonical_bytes_refuse_ambiguous_content(content):
    with pytest.raises(TypeError):
        canonical_bytes(content)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_signature_over_canonical_bytes_detects_any_content_change(keys, algorithm):
    pair, _other = keys[algorithm]
    content = {"name": "张三", "valid_until": datetime.date(2030, 1, 1), "fields": {"a": 1}}
    signature = sign(algorithm, pair.private_pem, canonical_bytes(content))
    same = {"fields": {"a": 1}, "valid_until": "2030-01-01", "name": "张三"}
    assert verify(algorithm, pair.public_pem, canonical_bytes(same), signature)
    for changed in (
        content | {"name": "张四"},
        content | {"valid_until": datetime.date(2031, 1, 1)},
        content | {"fields": {"a": 2}},
        content | {"extra": None},
    ):
        assert not verify(algorithm, pair.public_pem, canonical_bytes(changed), signature)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_verify_raw_takes_the_cose_form(keys, algorithm):
    pair, other = keys[algorithm]
    raw = algorithms.signature_to_raw(algorithm, sign(algorithm, pair.private_pem, MESSAGE))
    assert len(raw) == 64
    assert algorithms.verify_raw(algorithm, pair.public_pem, MESSAGE, raw)
    assert not algorithms.verify_raw(algorithm, other.public_pem, MESSAGE, raw)
    assert not algorithms.verify_raw(algorithm, pair.public_pem, MESSAGE + b"!", raw)
    for bad in (raw[:-1], raw + b"\x00", b"\xff" * 64, b"\x00" * 64):
        assert not algorithms.verify_raw(algorithm, pair.public_pem, MESSAGE, bad)
