"""EU Digital COVID Certificate (DCC) verification: proof that the offline stack (Base45, zlib,
COSE_Sign1, CWT) interoperates with a real cross-border system.

    HC1: + Base45(zlib(COSE_Sign1(CWT claims)))
    CWT claims: 1 iss (country), 4 exp, 6 iat (seconds since the epoch), -260 hcert → {1: DGC}

The signer is found by kid = first 8 bytes of SHA-256 over the DER of its X.509 certificate (the EU
rule); ES256 and PS256 signatures as the DCC specification allows. `at` evaluates the issued-at
time, the expiry and the certificate's validity period. The DGC content itself (vaccination/test/
recovery rules, schema) is reported in `claims`, not judged.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.utils.translation import gettext as _

from tongban.core.errors import ValidationFailed
from tongban.licenses.crypto import algorithms
from tongban.licenses.crypto.cose import sign1_from_cbor, sign1_verify
from tongban.licenses.crypto.qr import PREFIX_EU_DCC, qr_payload_load
from tongban.licenses.crypto.verdict import QrVerdict

CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_HCERT = -260
HCERT_DGC = 1
DCC_ALGORITHMS = (algorithms.ES256, algorithms.PS256)


def certificate_kid(certificate: x509.Certificate) -> bytes:
    """The EU DCC kid: first 8 bytes of SHA-256 over the certificate's DER."""
    return _certificate_facts(certificate)[0]


@lru_cache(maxsize=4096)
def _certificate_facts(certificate: x509.Certificate) -> tuple[bytes, str | None, bytes]:
    """(kid, algorithm, SPKI PEM) of a signer certificate."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm: str | None = algorithms.ES256
    elif isinstance(key, rsa.RSAPublicKey):
        algorithm = algorithms.PS256
    else:
        algorithm = None
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()[:8], algorithm, pem


class DccSigners:
    """Signer certificates indexed by kid. Build it once per trust-list version and pass it as
    `certificates`: looking a certificate up costs microseconds, while hashing every certificate
    of a plain list on each verification costs about 5 µs per certificate."""

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        self._certificates = tuple(certificates)
        by_kid: dict[bytes, list[tuple[x509.Certificate, str | None, bytes]]] = {}
        for certificate in self._certificates:
            kid, algorithm, pem = _certificate_facts(certificate)
            by_kid.setdefault(kid, []).append((certificate, algorithm, pem))
        self._by_kid = {kid: tuple(found) for kid, found in by_kid.items()}

    def signers(self, kid: bytes) -> tuple[tuple[x509.Certificate, str | None, bytes], ...]:
        return self._by_kid.get(kid, ())

    def __iter__(self) -> Iterator[x509.Certificate]:
        return iter(self._certificates)

    def __len__(self) -> int:
        return len(self._certificates)


_SCALARS = (str, int, float, bool, type(None))
_MAPS = (dict, cbor2.frozendict)


def _jsonable(value: Any) -> Any:
    # Exact type checks first: DGC claims are a few hundred small values and ABC checks add up.
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind in _MAPS or isinstance(value, Mapping):
        return {(k if type(k) in (str, int) else str(k)): _jsonable(v) for k, v in value.items()}
    if kind in (list, tuple):
        return [_jsonable(v) for v in value]
    if kind is bytes:
        return value.hex()
    if kind is cbor2.CBORTag:
        return _jsonable(value.value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if value is cbor2.undefined or isinstance(value, cbor2.CBORSimpleValue):
        return None
    return str(value)


def _claims(cwt: Mapping[Any, Any]) -> dict[str, Any]:
    names = {CLAIM_ISS: "iss", CLAIM_EXP: "exp", CLAIM_IAT: "iat", CLAIM_HCERT: "hcert"}
    return {names.get(key, str(key)): _jsonable(value) for key, value in cwt.items()}


def _when(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _verdict(
    reason: str, *, signature_valid: bool = False, issuer: str = "", claims: dict | None = None
) -> QrVerdict:
    return QrVerdict(
        valid=False,
        signature_valid=signature_valid,
        reason=reason,
        issuer=issuer,
        claims=claims or {},
    )


def hcert_verify(
    text: str, *, certificates: Iterable[x509.Certificate], at: datetime.datetime
) -> QrVerdict:
    """Never raises on bad input: every failure is a verdict with a plain-Chinese reason.
    `certificates`: any iterable of signer certificates, or a prebuilt `DccSigners` (fast)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.UTC)  # naive times are read as UTC
    try:
        prefix, _cose, value = qr_payload_load(text)
    except ValidationFailed as exc:
        return _verdict(exc.message)
    if prefix != PREFIX_EU_DCC:
        return _verdict(_("这不是欧盟数字新冠证书：其二维码应以 HC1: 开头。"))
    try:
        sign1 = sign1_from_cbor(value)
        cwt = cbor2.loads(sign1.payload)
    except ValidationFailed as exc:
        return _verdict(exc.message)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
        return _verdict(_("证书内容（CWT）不是有效的 CBOR 编码，二维码可能已损坏或被篡改。"))
    if not isinstance(cwt, Mapping):
        return _verdict(_("证书内容（CWT）结构错误：应为声明映射。"))
    claims = _claims(cwt)
    issuer = cwt.get(CLAIM_ISS) if isinstance(cwt.get(CLAIM_ISS), str) else ""

    if sign1.algorithm not in DCC_ALGORITHMS:
        return _verdict(
            _("不支持的签名算法（COSE alg %(alg)s）：欧盟数字新冠证书只允许 ES256 或 PS256。")
            % {"alg": sign1.alg},
            issuer=issuer,
            claims=claims,
        )
    if not sign1.kid:
        return _verdict(
            _("证书未标明签名密钥标识（kid），无法找到签名证书。"), issuer=issuer, claims=claims
        )
    index = certificates if isinstance(certificates, DccSigners) else DccSigners(certificates)
    signers = index.signers(sign1.kid)
    if not signers:
        return _verdict(
            _(
                "未找到签名证书（kid %(kid)s）：签发国的签名证书尚未导入信任列表，"
                "或二维码的签名密钥标识被篡改。"
            )
            % {"kid": sign1.kid.hex()},
            issuer=issuer,
            claims=claims,
        )
    candidates = [
        (algorithm, pem) for _c, algorithm, pem in signers if algorithm == sign1.algorithm
    ]
    signer = None
    for certificate, algorithm, pem in signers:
        if algorithm == sign1.algorithm and sign1_verify(
            sign1, algorithm_public_keys=[(algorithm, pem)]
        ):
            signer = certificate
            break
    if signer is None:
        reason = (
            _("签名无效：证书内容被篡改，或不是由该签名证书签发的。")
            if candidates
            else _("签名算法与签名证书的密钥类型不符，签名无效。")
        )
        return _verdict(reason, issuer=issuer, claims=claims)

    def dated(reason: str) -> QrVerdict:
        return _verdict(reason, signature_valid=True, issuer=issuer, claims=claims)

    if at < signer.not_valid_before_utc:
        return dated(
            _("签名证书在核验时间尚未生效（%(start)s 起有效）。")
            % {"start": signer.not_valid_before_utc.strftime("%Y-%m-%d %H:%M UTC")}
        )
    if at > signer.not_valid_after_utc:
        return dated(
            _("签名证书已过期（有效期至 %(end)s），其签发的证书不再可信。")
            % {"end": signer.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC")}
        )
    iat, exp = cwt.get(CLAIM_IAT), cwt.get(CLAIM_EXP)
    if not isinstance(iat, int) or not isinstance(exp, int):
        return dated(_("证书缺少签发时间（iat）或到期时间（exp），无法判断是否有效。"))
    now = at.timestamp()
    if now < iat:
        return dated(
            _("证书的签发时间（%(iat)s）晚于核验时间，证书尚不可用。") % {"iat": _when(iat)}
        )
    if now > exp:
        return dated(_("证书已过期（有效期至 %(exp)s）。") % {"exp": _when(exp)})
    hcert = cwt.get(CLAIM_HCERT)
    if not isinstance(hcert, Mapping) or not isinstance(hcert.get(HCERT_DGC), Mapping):
        return dated(_("签名有效，但其中没有欧盟数字新冠证书内容（hcert）。"))
    return QrVerdict(
        valid=True,
        signature_valid=True,
        reason=_("有效：签名由 %(issuer)s 的签名证书签发，且在有效期内（至 %(exp)s）。")
        % {"issuer": issuer or signer.subject.rfc4514_string(), "exp": _when(exp)},
        issuer=issuer,
        claims=claims,
    )
