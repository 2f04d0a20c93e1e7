"""The hand-written fast paths of offline verification give the same bytes as the library
functions they replace: DER from r‖s, the COSE Sig_structure, Base45 decoding, the decoded value
handed on by qr_payload_load."""

from __future__ import annotations

import os
import random

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tongban.core.errors import ValidationFailed
from tongban.licenses.crypto import algorithms
from tongban.licenses.crypto.cose import _sig_structure, sign1_create, sign1_from_cbor, sign1_verify
from tongban.licenses.crypto.qr import (
    _b45decode,
    qr_payload_decode,
    qr_payload_encode,
    qr_payload_load,
)


@pytest.mark.parametrize(
    "raw",
    [
        b"\x7f" * 32 + b"\x80" * 32,
        b"\x80" * 32 + b"\x01" * 32,
        b"\x00" * 31 + b"\x05" + b"\xff" * 32,
        b"\x00\x80" + b"\x11" * 30 + b"\x00\x00\x7f" + b"\x22" * 29,
        # Seeded, not os.urandom: every xdist worker must collect the same test ids.
        random.Random(20261122).randbytes(64),
    ],
)
@pytest.mark.parametrize("algorithm", ["ES256", "SM2-SM3"])
def test_der_from_raw_matches_encode_dss_signature(algorithm, raw):
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    assert algorithms.signature_from_raw(algorithm, raw) == encode_dss_signature(r, s)
    assert algorithms.signature_from_raw(algorithm, bytearray(raw)) == encode_dss_signature(r, s)


def test_der_from_raw_refuses_zero_and_wrong_length():
    assert algorithms.signature_from_raw("ES256", b"\x00" * 32 + b"\x01" * 32) is None
    assert algorithms.signature_from_raw("ES256", b"\x01" * 32 + b"\x00" * 32) is None
    assert algorithms.signature_from_raw("ES256", b"\x01" * 63) is None


@pytest.mark.parametrize("protected_len", [0, 1, 23, 24, 255, 256])
@pytest.mark.parametrize("payload_len", [0, 23, 24, 255, 256, 65535, 65536])
def test_sig_structure_matches_cbor2(protected_len, payload_len):
    protected, payload = b"p" * protected_len, b"x" * payload_len
    assert _sig_structure(protected, payload) == cbor2.dumps(
        ["Signature1", protected, b"", payload]
    )


def test_b45decode_matches_reference_on_every_length():
    for length in range(200):
        data = os.urandom(length)
        assert _b45decode(base45.b45encode(data).decode()) == data
    for bad in ("GGW", "A", "::::", "ab"):
        with pytest.raises(ValueError):
            _b45decode(bad)


@pytest.mark.parametrize("algorithm", ["ES256", "Ed25519", "SM2-SM3"])
def test_load_hands_on_the_decoded_value(algorithm):
    pair = algorithms.generate_keypair(algorithm)
    cose = sign1_create(
        cbor2.dumps({1: "issuer"}),
        algorithm=algorithm,
        private_pem=pair.private_pem,
        kid=algorithms.public_key_id(pair.public_pem),
    )
    text = qr_payload_encode(cose)
    prefix, loaded, value = qr_payload_load(text)
    assert (prefix, loaded) == qr_payload_decode(text) == ("TB1:", cose)
    sign1 = sign1_from_cbor(value)
    assert sign1_verify(sign1, algorithm_public_keys={algorithm: pair.public_pem})
    assert sign1_verify(sign1, algorithm_public_keys={algorithm: [pair.public_pem]})
    assert sign1_verify(sign1, algorithm_public_keys=[(algorithm, pair.public_pem)])
    assert not sign1_verify(sign1, algorithm_public_keys={"PS256": pair.public_pem})
    sign1.protected["extra"] = 1  # a caller's copy: the cached header stays as received
    assert "extra" not in sign1_from_cbor(value).protected
    with pytest.raises(ValidationFailed):
        qr_payload_load("TB1:" + text[4:-3])
