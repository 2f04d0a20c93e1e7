import random
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tongban.core.errors import ValidationFailed
from tongban.licenses.crypto.algorithms import ALGORITHMS, generate_keypair, public_key_id
from tongban.licenses.crypto.cose import (
    COSE_ALGORITHM_IDS,
    sign1_create,
    sign1_parse,
    sign1_verify,
)
from tongban.licenses.crypto.qr import _b45decode, qr_payload_decode, qr_payload_encode

CLAIMS = cbor2.dumps(
    {1: "11510100MB1234567X", 6: 1795000000, 4: 1826536000, -70000: {"name": "张三", "no": "A1"}}
)


@pytest.fixture(scope="module")
def keys():
    return {
        algorithm: (generate_keypair(algorithm), generate_keypair(algorithm))
        for algorithm in ALGORITHMS
    }


def _create(pair, payload=CLAIMS):
    return sign1_create(
        payload,
        algorithm=pair.algorithm,
        private_pem=pair.private_pem,
        kid=public_key_id(pair.public_pem),
    )


def _replace_payload(cose: bytes, payload: bytes) -> bytes:
    tag = cbor2.loads(cose)
    protected, unprotected, _old, signature = tag.value
    return cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), payload, signature]))


def test_alg_ids():
    assert COSE_ALGORITHM_IDS == {"ES256": -7, "Ed25519": -8, "PS256": -37, "SM2-SM3": -65537}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_round_trip_through_qr_text(keys, algorithm):
    pair, _other = keys[algorithm]
    cose = _create(pair)
    text = qr_payload_encode(cose)
    assert text.startswith("TB1:")
    assert set(text[4:]) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    prefix, decoded = qr_payload_decode(text)
    assert (prefix, decoded) == ("TB1:", cose)
    sign1 = sign1_parse(decoded)
    assert sign1.payload == CLAIMS
    assert sign1.kid == public_key_id(pair.public_pem)
    assert sign1.alg == COSE_ALGORITHM_IDS[algorithm]
    assert sign1.algorithm == algorithm
    assert sign1.unprotected == {}
    assert len(sign1.signature) == 64  # r‖s for ECDSA-style algorithms, R‖S for Ed25519
    assert sign1_verify(sign1, algorithm_public_keys={algorithm: pair.public_pem})
    assert sign1_verify(sign1, algorithm_public_keys=[(algorithm, pair.public_pem)])
    assert cbor2.loads(sign1.payload)[-70000] == {"name": "张三", "no": "A1"}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tampered_payload_fails(keys, algorithm):
    pair, _other = keys[algorithm]
    cose = _create(pair)
    forged_claims = CLAIMS.replace("张三".encode(), "李四".encode())
    assert forged_claims != CLAIMS
    forged = sign1_parse(_replace_payload(cose, forged_claims))
    assert forged.payload == forged_claims
    assert not sign1_verify(forged, algorithm_public_keys={algorithm: pair.public_pem})


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_changed_byte_of_the_cose_message_is_detected(keys, algorithm):
    pair, _other = keys[algorithm]
    cose = _create(pair)
    for i in range(len(cose)):
        changed = cose[:i] + bytes([cose[i] ^ 0x01]) + cose[i + 1 :]
        try:
            sign1 = sign1_parse(changed)
        except ValidationFailed:
            continue
        assert not sign1_verify(sign1, algorithm_public_keys={algorithm: pair.public_pem}), i


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_or_mismatched_keys_fail(keys, algorithm):
    pair, other = keys[algorithm]
    sign1 = sign1_parse(_create(pair))
    assert not sign1_verify(sign1, algorithm_public_keys={algorithm: other.public_pem})
    assert not sign1_verify(sign1, algorithm_public_keys={})
    # A key of another algorithm is never tried against this signature.
    for name, (foreign, _x) in keys.items():
        if name != algorithm:
            assert not sign1_verify(sign1, algorithm_public_keys={name: foreign.public_pem})
    # Among several candidates the right one is found.
    assert sign1_verify(
        sign1, algorithm_public_keys={algorithm: [other.public_pem, pair.public_pem]}
    )


def test_es256_cose_matches_an_independent_verification(keys):
    pair, _other = keys["ES256"]
    sign1 = sign1_parse(_create(pair))
    to_be_signed = cbor2.dumps(["Signature1", sign1.protected_bytes, b"", sign1.payload])
    r = int.from_bytes(sign1.signature[:32], "big")
    s = int.from_bytes(sign1.signature[32:], "big")
    public_key = serialization.load_pem_public_key(pair.public_pem)
    public_key.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
    assert cbor2.loads(sign1.protected_bytes) == {1: -7, 4: public_key_id(pair.public_pem)}


def test_unknown_alg_fails(keys):
    pair, _other = keys["ES256"]
    cose = cbor2.loads(_create(pair)).value
    protected = cbor2.dumps({1: -999, 4: b"12345678"})
    sign1 = sign1_parse(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cose[2], cose[3]])))
    assert sign1.algorithm is None
    assert not sign1_verify(sign1, algorithm_public_keys={"ES256": pair.public_pem})


def test_kid_prefers_the_protected_header():
    protected = cbor2.dumps({1: -7, 4: b"protectd"})
    sign1 = sign1_parse(cbor2.dumps([protected, {4: b"unprotec"}, b"x", b"y"]))
    assert sign1.kid == b"protectd"
    sign1 = sign1_parse(cbor2.dumps([cbor2.dumps({1: -7}), {4: b"unprotec"}, b"x", b"y"]))
    assert sign1.kid == b"unprotec"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xff",
        cbor2.dumps({"not": "cose"}),
        cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])),
        cbor2.dumps([b"", {}, b""]),
        cbor2.dumps([b"\xff", {}, b"", b""]),
        cbor2.dumps(["text", {}, b"", b""]),
    ],
)
def test_parse_rejects_non_cose(data):
    with pytest.raises(ValidationFailed, match="签名数据结构不正确"):
        sign1_parse(data)


def test_decode_accepts_hc1_and_trims_whitespace(keys):
    cose = _create(keys["Ed25519"][0])
    text = qr_payload_encode(cose, prefix="HC1:")
    wrapped = "\n  " + text[:30] + "\r\n" + text[30:] + "\n"
    assert qr_payload_decode(wrapped) == ("HC1:", cose)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "qr_empty", "为空"),
        ("NCFOXN%TS3DH", "qr_prefix", "缺少类型前缀"),
        ("HL1:NCFOXN%TS3DH", "qr_prefix", "不支持的二维码类型“HL1:”"),
        ("TB1:NCFOXN%TS3DH=====", "qr_base45", "Base45"),
        ("TB1:A", "qr_base45", "Base45"),
        ("TB1:" + base45.b45encode(b"not zlib at all").decode(), "qr_zlib", "解压失败"),
        ("TB1:" + base45.b45encode(zlib.compress(b"\xff\xfe")).decode(), "qr_cbor", "CBOR"),
        ("TB1:" + base45.b45encode(zlib.compress(cbor2.dumps("text"))).decode(), "qr_cbor", "COSE"),
        ("TB1:" + base45.b45encode(zlib.compress(b"\x84" * 10)[:-4]).decode(), "qr_zlib", "截断"),
        (
            "TB1:" + base45.b45encode(zlib.compress(b"\x00" * 200_000)).decode(),
            "qr_too_large",
            "过大",
        ),
    ],
)
def test_decode_explains_failures_in_chinese(text, code, words):
    with pytest.raises(ValidationFailed) as excinfo:
        qr_payload_decode(text)
    assert excinfo.value.code == code
    assert words in excinfo.value.message


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_changed_qr_text_never_verifies(keys, algorithm):
    pair, _other = keys[algorithm]
    text = qr_payload_encode(_create(pair))
    for i in range(4, len(text), 7):
        replacement = "0" if text[i] != "0" else "1"
        changed = text[:i] + replacement + text[i + 1 :]
        try:
            sign1 = sign1_parse(qr_payload_decode(changed)[1])
        except ValidationFailed:
            continue
        assert not sign1_verify(sign1, algorithm_public_keys={algorithm: pair.public_pem}), i


def test_fast_base45_decoder_agrees_with_the_base45_package():
    rnd = random.Random(20261122)
    for size in range(300):
        data = rnd.randbytes(size)
        text = base45.b45encode(data).decode()
        assert _b45decode(text) == data
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(12)))
        try:
            expected = base45.b45decode(text)
        except ValueError:
            expected = None
        try:
            got = _b45decode(text)
        except ValueError:
            got = None
        assert got == expected, text
    for bad in ("a", "ÄÄÄ", "GGW", "::", "AB="):
        with pytest.raises(ValueError):
            _b45decode(bad)
