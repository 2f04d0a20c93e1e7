"""Licence signatures: signs and verifications per second per algorithm through
tongban.licenses.crypto (PEM keys, cached), beside the crypto library's raw sign/verify of the same
message with an already loaded key, measured in the same run; and full offline QR verification
(strip prefix, Base45, inflate, parse COSE_Sign1, verify) beside the raw verify of the same
Sig_structure bytes. Also the EU DCC path (hcert_verify on the published AT vaccination vector:
decode, kid lookup among 200 signer certificates, ES256 verify, dates, claims to JSON values)
beside a raw ES256 verify, with the signers indexed once (DccSigners) and as a plain list.

    ./dev.sh bench licenses_crypto [--seconds 2] [--rounds 3] [--small]

Rates are per CPU second of this process (time.process_time), so other work on a shared machine
does not skew the ratios; each pair (raw, ours) is measured back to back in every round and the
best round of each is kept. Target (issue #5): offline verification ≥ 0.8× the raw verify rate.
The message is a realistic licence's canonical CBOR (about 600 bytes); the QR payload is a
CWT-style claim map of a business licence with six disclosed fields.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings.test")

import django  # noqa: E402

django.setup()

import cbor2  # noqa: E402
import gmssl_pyx  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402

from tongban.licenses.crypto import algorithms  # noqa: E402
from tongban.licenses.crypto.canonical import canonical_bytes  # noqa: E402
from tongban.licenses.crypto.cose import (  # noqa: E402
    sign1_create,
    sign1_from_cbor,
    sign1_parse,
    sign1_verify,
)
from tongban.licenses.crypto.hcert import DccSigners, hcert_verify  # noqa: E402
from tongban.licenses.crypto.qr import (  # noqa: E402
    qr_payload_decode,
    qr_payload_encode,
    qr_payload_load,
)

TARGET = 0.8
DCC_VECTOR = ROOT / "src/tongban/licenses/tests/data/dcc/AT_1.json"

CONTENT = {
    "identifier": "1.2.156.3005.2.11100000000013338W011.11510104MB0000001X.20260000001.001.7",
    "type_code": "11100000000013338W011",
    "type_name": "营业执照",
    "issuer": {"code": "11510104MB0000001X", "name": "成都市锦江区市场监督管理局"},
    "holder": {
        "name": "成都锦江通办科技有限公司",
        "code_type": "001",
        "code": "91510104MA6C000001",
    },
    "valid_from": datetime.date(2026, 11, 22),
    "valid_until": datetime.date(2046, 11, 21),
    "fields": {
        "类型": "有限责任公司（自然人投资或控股）",
        "法定代表人": "张三",
        "注册资本": "壹佰万元整",
        "成立日期": "2026-11-22",
        "住所": "四川省成都市锦江区东大街下东大街段99号",
        "经营范围": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
    },
    "version": 1,
}
QR_CLAIMS = {
    1: "11510104MB0000001X",
    6: 1795334400,
    4: 1795335000,
    -70001: {
        "id": CONTENT["identifier"],
        "t": CONTENT["type_code"],
        "f": {k: CONTENT["fields"][k] for k in ("类型", "法定代表人", "注册资本", "成立日期")}
        | {"名称": CONTENT["holder"]["name"], "统一社会信用代码": CONTENT["holder"]["code"]},
    },
}


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm caches (key loading) outside the timing
    calls, batch = 0, 1
    start = time.process_time()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return calls / elapsed
        batch = min(batch * 2, 512)


def raw_functions(algorithm: str, pair: algorithms.KeyPair, message: bytes, signature: bytes):
    """The library's own sign/verify with keys already loaded: the baseline."""
    if algorithm == "SM2-SM3":
        secret, point = algorithms._load_private(algorithm, pair.private_pem)
        return (
            lambda: gmssl_pyx.sm2_sign(secret, point, message, algorithms.SM2_USER_ID),
            lambda m=message, s=signature: gmssl_pyx.sm2_verify(
                point, m, s, algorithms.SM2_USER_ID
            ),
        )
    private = serialization.load_pem_private_key(pair.private_pem, password=None)
    public = private.public_key()
    if algorithm == "Ed25519":
        return lambda: private.sign(message), lambda m=message, s=signature: public.verify(s, m)
    ecdsa = ec.ECDSA(hashes.SHA256())
    return (
        lambda: private.sign(message, ecdsa),
        lambda m=message, s=signature: public.verify(s, m, ecdsa),
    )


def raw_verify_of(algorithm: str, pair: algorithms.KeyPair, message: bytes, signature: bytes):
    return raw_functions(algorithm, pair, message, signature)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="0.3 s per measurement, 2 rounds")
    args = parser.parse_args()
    seconds, rounds = (0.3, 2) if args.small else (args.seconds, args.rounds)

    message = canonical_bytes(CONTENT)
    claims = cbor2.dumps(QR_CLAIMS)
    rows: list[tuple[str, str, float, float]] = []
    payload_sizes = {}
    for algorithm in algorithms.ALGORITHMS:
        pair = algorithms.generate_keypair(algorithm)
        signature = algorithms.sign(algorithm, pair.private_pem, message)
        raw_sign, raw_verify = raw_functions(algorithm, pair, message, signature)

        text = qr_payload_encode(
            sign1_create(
                claims,
                algorithm=algorithm,
                private_pem=pair.private_pem,
                kid=algorithms.public_key_id(pair.public_pem),
            )
        )
        payload_sizes[algorithm] = len(text)
        keys = {algorithm: pair.public_pem}
        sign1 = sign1_parse(qr_payload_decode(text)[1])
        tbs = sign1.to_be_signed()
        der = algorithms.signature_from_raw(algorithm, sign1.signature)
        raw_qr_verify = raw_verify_of(algorithm, pair, tbs, der)

        def ours_sign(a=algorithm, p=pair.private_pem):
            return algorithms.sign(a, p, message)

        def ours_verify(a=algorithm, p=pair.public_pem, s=signature):
            if not algorithms.verify(a, p, message, s):
                raise AssertionError("verify failed")

        def offline(t=text, k=keys):
            # What verification.verify_offline does: decode once, build Sign1 from the value.
            if not sign1_verify(sign1_from_cbor(qr_payload_load(t)[2]), algorithm_public_keys=k):
                raise AssertionError("offline verify failed")

        best = {"sign": [0.0, 0.0], "verify": [0.0, 0.0], "offline QR verify": [0.0, 0.0]}
        for _ in range(rounds):
            for name, raw, ours in (
                ("sign", raw_sign, ours_sign),
                ("verify", raw_verify, ours_verify),
                ("offline QR verify", raw_qr_verify, offline),
            ):
                best[name][0] = max(best[name][0], rate(raw, seconds))
                best[name][1] = max(best[name][1], rate(ours, seconds))
        rows += [(algorithm, name, raw, ours) for name, (raw, ours) in best.items()]

    # EU DCC: the published AT vector among 200 signer certificates.
    vector = json.loads(DCC_VECTOR.read_text())
    signer = x509.load_der_x509_certificate(base64.b64decode(vector["TESTCTX"]["CERTIFICATE"]))
    others = []
    for i in range(199):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, f"DSC {i}")])
        others.append(
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(i + 1)
            .not_valid_before(datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC))
            .not_valid_after(datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC))
            .sign(key, hashes.SHA256())
        )
    certificates = [*others, signer]
    at = datetime.datetime.fromisoformat(
        vector["TESTCTX"]["VALIDATIONCLOCK"].replace("Z", "+00:00")
    )
    dcc_sign1 = sign1_parse(qr_payload_decode(vector["PREFIX"])[1])
    r, s = dcc_sign1.signature[:32], dcc_sign1.signature[32:]
    dcc_der = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
    dcc_key = signer.public_key()
    dcc_tbs = dcc_sign1.to_be_signed()

    def dcc_raw():
        dcc_key.verify(dcc_der, dcc_tbs, ec.ECDSA(hashes.SHA256()))

    index = DccSigners(certificates)

    def dcc_indexed():
        if not hcert_verify(vector["PREFIX"], certificates=index, at=at).valid:
            raise AssertionError("DCC verify failed")

    def dcc_list():
        if not hcert_verify(vector["PREFIX"], certificates=certificates, at=at).valid:
            raise AssertionError("DCC verify failed")

    dcc = [0.0, 0.0, 0.0]
    for _ in range(rounds):
        dcc[0] = max(dcc[0], rate(dcc_raw, seconds))
        dcc[1] = max(dcc[1], rate(dcc_indexed, seconds))
        dcc[2] = max(dcc[2], rate(dcc_list, seconds))
    rows.append(("EU DCC ES256", "hcert, DccSigners(200)", dcc[0], dcc[1]))
    rows.append(("EU DCC ES256", "hcert, plain list(200)", dcc[0], dcc[2]))

    print(f"licences crypto: {seconds:g} CPU s per measurement, best of {rounds} rounds")
    print(f"message {len(message)} bytes canonical CBOR; QR text", end=" ")
    print(", ".join(f"{a} {n} chars" for a, n in payload_sizes.items()))
    print(f"{'algorithm':<14}{'operation':<26}{'raw/s':>10}{'ours/s':>10}{'ratio':>8}")
    for algorithm, name, raw, ours in rows:
        ratio = ours / raw
        flag = ""
        if "QR" in name or name.startswith("hcert, Dcc"):
            flag = "  ok" if ratio >= TARGET else f"  below {TARGET:.1f}x target"
        print(f"{algorithm:<14}{name:<26}{raw:>10,.0f}{ours:>10,.0f}{ratio:>7.2f}x{flag}")


if __name__ == "__main__":
    main()
