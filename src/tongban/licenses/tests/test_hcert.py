"""EU DCC verification against published test vectors (eu-digital-green-certificates/dgc-testdata,
copied into data/dcc/, see its README)."""

import base64
import datetime
import json
import zlib
from pathlib import Path

import base45
import cbor2
import pytest
from cryptography import x509

from tongban.licenses.crypto.hcert import DccSigners, certificate_kid, hcert_verify
from tongban.licenses.crypto.qr import qr_payload_encode

DATA = Path(__file__).parent / "data" / "dcc"
UTC = datetime.UTC


def _vector(name):
    data = json.loads((DATA / f"{name}.json").read_text())
    context = data["TESTCTX"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(context["CERTIFICATE"]))
    clock = datetime.datetime.fromisoformat(context["VALIDATIONCLOCK"].replace("Z", "+00:00"))
    return data, certificate, clock


def test_valid_es256_vaccination_certificate():
    data, certificate, clock = _vector("AT_1")
    verdict = hcert_verify(data["PREFIX"], certificates=[certificate], at=clock)
    assert verdict.valid is True
    assert verdict.signature_valid is True
    assert verdict.issuer == "AT"
    assert "有效" in verdict.reason
    assert verdict.claims["iss"] == "AT"
    assert verdict.claims["iat"] == 1620324000  # 2021-05-06 18:00 UTC
    assert verdict.claims["exp"] == 1635876000
    assert verdict.claims["hcert"][1] == data["JSON"]
    assert (
        json.loads(json.dumps(verdict.as_dict()))["claims"]["hcert"]["1"]["nam"]["gn"] == "Gabriele"
    )


def test_kid_is_the_certificate_hash_prefix():
    data, certificate, _clock = _vector("AT_1")
    # The COSE protected header of the vector carries kid d919375fc1e7b6b2.
    assert certificate_kid(certificate).hex() == "d919375fc1e7b6b2"
    assert bytes.fromhex("d919375fc1e7b6b2") in bytes.fromhex(data["COSE"])[:20]


def test_valid_ps256_certificate():
    data, certificate, clock = _vector("CO1")
    verdict = hcert_verify(data["PREFIX"], certificates=[certificate], at=clock)
    assert (verdict.valid, verdict.signature_valid) == (True, True)


def test_signer_found_among_many_certificates():
    data, certificate, clock = _vector("AT_1")
    others = [_vector(name)[1] for name in ("CO1", "CO5", "CO17", "B1", "Z1")]
    verdict = hcert_verify(data["PREFIX"], certificates=iter([*others, certificate]), at=clock)
    assert verdict.valid is True


def test_cryptographically_invalid_signature():
    data, certificate, clock = _vector("CO5")
    verdict = hcert_verify(data["PREFIX"], certificates=[certificate], at=clock)
    assert (verdict.valid, verdict.signature_valid) == (False, False)
    assert "签名无效" in verdict.reason
    assert verdict.claims["iss"] == "AT"  # shown, but not vouched for


def test_tampered_payload_is_detected():
    data, certificate, clock = _vector("AT_1")
    cose = cbor2.loads(bytes.fromhex(data["COSE"])).value
    claims = cbor2.loads(cose[2])
    claims[-260][1]["nam"]["gn"] = "Gabriela"
    forged = cbor2.dumps(cbor2.CBORTag(18, [cose[0], dict(cose[1]), cbor2.dumps(claims), cose[3]]))
    verdict = hcert_verify(
        qr_payload_encode(forged, prefix="HC1:"), certificates=[certificate], at=clock
    )
    assert (verdict.valid, verdict.signature_valid) == (False, False)
    assert "篡改" in verdict.reason


def test_expired_signer_certificate():
    data, certificate, clock = _vector("CO17")
    verdict = hcert_verify(data["PREFIX"], certificates=[certificate], at=clock)
    assert verdict.valid is False
    assert verdict.signature_valid is True  # the signature holds; the signer is out of date
    assert "签名证书已过期" in verdict.reason


def test_certificate_past_its_expiry_claim():
    data, certificate, _clock = _vector("AT_1")
    verdict = hcert_verify(
        data["PREFIX"], certificates=[certificate], at=datetime.datetime(2022, 1, 1, tzinfo=UTC)
    )
    assert (verdict.valid, verdict.signature_valid) == (False, True)
    assert "证书已过期（有效期至 2021-11-02 18:00 UTC）" in verdict.reason


def test_validation_clock_before_issued_at():
    data, certificate, _clock = _vector("AT_1")
    verdict = hcert_verify(
        data["PREFIX"],
        certificates=[certificate],
        at=datetime.datetime(2021, 5, 6, 12, 0, tzinfo=UTC),
    )
    assert (verdict.valid, verdict.signature_valid) == (False, True)
    assert "签发时间" in verdict.reason


def test_naive_time_is_read_as_utc():
    data, certificate, _clock = _vector("AT_1")
    at = datetime.datetime(2021, 5, 6, 18, 0)
    assert hcert_verify(data["PREFIX"], certificates=[certificate], at=at).valid is True


def test_unknown_signer():
    data, _certificate, clock = _vector("AT_1")
    other = _vector("CO1")[1]
    verdict = hcert_verify(data["PREFIX"], certificates=[other], at=clock)
    assert (verdict.valid, verdict.signature_valid) == (False, False)
    assert "未找到签名证书（kid d919375fc1e7b6b2）" in verdict.reason
    assert hcert_verify(data["PREFIX"], certificates=[], at=clock).valid is False


@pytest.mark.parametrize(("name", "words"), [("B1", "Base45"), ("Z1", "解压失败")])
def test_broken_encodings_give_chinese_reasons(name, words):
    data, certificate, clock = _vector(name)
    verdict = hcert_verify(data["PREFIX"], certificates=[certificate], at=clock)
    assert (verdict.valid, verdict.signature_valid) == (False, False)
    assert words in verdict.reason


def test_other_prefixes_are_not_eu_certificates():
    data, certificate, clock = _vector("AT_1")
    tongban = "TB1:" + data["PREFIX"][4:]
    verdict = hcert_verify(tongban, certificates=[certificate], at=clock)
    assert verdict.valid is False
    assert "HC1:" in verdict.reason


def test_payload_that_is_not_a_cwt_map():
    data, certificate, clock = _vector("AT_1")
    cose = cbor2.loads(bytes.fromhex(data["COSE"])).value
    forged = cbor2.dumps(cbor2.CBORTag(18, [cose[0], {}, cbor2.dumps([1, 2]), cose[3]]))
    text = "HC1:" + base45.b45encode(zlib.compress(forged)).decode()
    verdict = hcert_verify(text, certificates=[certificate], at=clock)
    assert verdict.valid is False
    assert "CWT" in verdict.reason


def test_prebuilt_signer_index_gives_the_same_verdicts():
    names = ("AT_1", "CO1", "CO5", "CO17")
    vectors = [_vector(name) for name in names]
    index = DccSigners(certificate for _data, certificate, _clock in vectors)
    assert len(index) == 4
    assert set(index) == {certificate for _data, certificate, _clock in vectors}
    for data, certificate, clock in vectors:
        assert hcert_verify(data["PREFIX"], certificates=index, at=clock) == hcert_verify(
            data["PREFIX"], certificates=[certificate], at=clock
        )
