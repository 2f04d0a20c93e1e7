"""Verification of whatever a verifier pastes or scans (核验), with the reason in plain Chinese.

Accepted input:
- "TB1:…"  an offline QR: COSE_Sign1 over CBOR claims, checked against our issuers' keys (active
           and retired) and the keys of trusted issuers imported from other platforms' signed
           trust lists; then the QR's own period, the license's validity and revocation lists;
- "TBT:…"  an online presentation token (亮证): resolved here, so a screenshot stops working
           when the token expires; shows only the fields the holder chose;
- "HC1:…"  an EU Digital COVID Certificate, against imported X.509 signer certificates;
- "1.2.156.3005.2.…" a license identifier: status and signature of the stored license, with no
           personal data (anyone may ask);
- a URL of our verifier page carrying any of these in `?code=`.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import cbor2
from cryptography import x509
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import mask_name
from tongban.licenses.crypto.cose import sign1_from_cbor, sign1_verify
from tongban.licenses.crypto.hcert import hcert_verify
from tongban.licenses.crypto.qr import qr_payload_load
from tongban.licenses.crypto.verdict import QrVerdict
from tongban.licenses.identifiers import license_identifier_parse
from tongban.licenses.models import (
    IssuerKey,
    License,
    LicenseStatus,
    RevocationEntry,
    TrustedKey,
    TrustSource,
)
from tongban.licenses.signing import verify_license_signature

IDENTIFIER_ROOT = "1.2.156.3005.2."
STATUS_REASONS = {
    LicenseStatus.REVOKED: gettext_lazy("该证照已被颁发机构撤销"),
    LicenseStatus.SUPERSEDED: gettext_lazy("该证照已换发新证，旧证不再有效"),
    LicenseStatus.EXPIRED: gettext_lazy("该证照已超过有效期"),
}


def _fail(
    reason: str, *, signature_valid: bool = False, issuer: str = "", claims: dict | None = None
) -> QrVerdict:
    return QrVerdict(False, signature_valid, reason, issuer, claims or {})


def _extract(text: str) -> str:
    text = (text or "").strip()
    if text.lower().startswith(("http://", "https://")):
        code = parse_qs(urlparse(text).query).get("code")
        if code:
            return code[0].strip()
    return text


def verify_text(text: str, *, at: datetime | None = None) -> QrVerdict:
    """Never raises on bad input: every failure is a verdict saying why."""
    at = at or timezone.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if not 1970 < at.year < 9000:
        return _fail(_("核验时间超出范围：请给出1970年至9000年之间的时间。"))
    code = _extract(text)
    if not code:
        return _fail(_("请粘贴二维码内容或证照标识。"))
    upper = code[:4].upper()
    if upper == "HC1:":
        return verify_hcert(code, at=at)
    if upper == "TB1:":
        return verify_offline(code, at=at)
    if upper == "TBT:":
        return verify_presentation(code[4:].strip(), at=at)
    if code.startswith(IDENTIFIER_ROOT):
        return verify_identifier(code, at=at)
    return _fail(
        _(
            "无法识别的内容：应为通办亮证二维码（TB1: 或 TBT: 开头）、电子证照标识（1.2.156.3005.2 开头）或欧盟数字新冠证书（HC1: 开头）。"
        )
    )


# --- EU DCC ------------------------------------------------------------------------------------


def _x509_certificates() -> list[x509.Certificate]:
    certificates = []
    for pem in (
        TrustedKey.objects.filter(
            is_active=True, issuer__is_active=True, issuer__source=TrustSource.X509
        )
        .exclude(certificate_pem="")
        .values_list("certificate_pem", flat=True)
    ):
        try:
            certificates.append(x509.load_pem_x509_certificate(pem.encode()))
        except ValueError:
            continue
    return certificates


def verify_hcert(text: str, *, at: datetime) -> QrVerdict:
    return hcert_verify(text, certificates=_x509_certificates(), at=at)


# --- offline TB1 -------------------------------------------------------------------------------


def _revocation_reason(identifier: str) -> str | None:
    local = License.objects.filter(identifier=identifier).values_list("status", flat=True).first()
    if local is not None:  # ours: the license row is the truth
        if local in (LicenseStatus.REVOKED, LicenseStatus.SUPERSEDED):
            return str(STATUS_REASONS[local])
        return None
    if RevocationEntry.objects.filter(identifier=identifier).exists():  # imported lists
        return str(STATUS_REASONS[LicenseStatus.REVOKED])
    return None


# Public keys by kid, per process, for a short while: verification is hot and keys change
# rarely (a rotation adds a kid, which simply misses). Revocation is never cached.
KEY_CACHE_SECONDS = 60.0
_key_cache: dict[str, tuple[float, list[tuple[str, bytes]], str]] = {}


def clear_key_cache() -> None:
    _key_cache.clear()
    _stored_key_cache.clear()


def _keys_for_kid(kid_hex: str) -> tuple[list[tuple[str, bytes]], str]:
    """Candidate (algorithm, public PEM) pairs for a kid and the issuer's name; ours first."""
    now = time.monotonic()
    cached = _key_cache.get(kid_hex)
    if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
        return cached[1], cached[2]
    candidates, name = _keys_for_kid_uncached(kid_hex)
    if candidates:
        if len(_key_cache) > 10_000:
            _key_cache.clear()
        _key_cache[kid_hex] = (now, candidates, name)
    return candidates, name


def _keys_for_kid_uncached(kid_hex: str) -> tuple[list[tuple[str, bytes]], str]:
    ours = list(
        IssuerKey.objects.filter(kid=kid_hex, body__isnull=False)
        .select_related("body")
        .only("algorithm", "public_pem", "body__name")
    )
    if ours:
        return [(k.algorithm, k.public_pem.encode()) for k in ours], ours[0].body.name
    theirs = list(
        TrustedKey.objects.filter(
            kid=kid_hex,
            is_active=True,
            issuer__is_active=True,
            issuer__source=TrustSource.TRUST_LIST,
        ).select_related("issuer")
    )
    if theirs:
        return [(k.algorithm, k.public_pem.encode()) for k in theirs], theirs[0].issuer.name
    return [], ""


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def verify_offline(text: str, *, at: datetime) -> QrVerdict:
    try:
        _prefix, _cose, value = qr_payload_load(text)
        sign1 = sign1_from_cbor(value)
    except ValidationFailed as exc:
        return _fail(exc.message)
    if sign1.kid is None:
        return _fail(_("二维码签名中缺少密钥标识（kid），无法确定签发机构。"))
    kid_hex = sign1.kid.hex()
    candidates, issuer_name = _keys_for_kid(kid_hex)
    if not candidates:
        return _fail(
            _("签发机构不在信任列表中（密钥标识 %(kid)s）：请导入其所在平台的信任列表后再核验。")
            % {"kid": kid_hex}
        )
    if not sign1_verify(sign1, algorithm_public_keys=candidates):
        return _fail(
            _("签名验证失败：二维码内容被篡改，或不是由该签发机构签发。"), issuer=issuer_name
        )
    try:
        claims = cbor2.loads(sign1.payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        return _fail(
            _("二维码内容不是有效的 CBOR 声明：%(e)s") % {"e": exc},
            signature_valid=True,
            issuer=issuer_name,
        )
    if not isinstance(claims, dict) or not isinstance(claims.get("tb"), dict):
        return _fail(_("二维码内容缺少通办证照声明。"), signature_valid=True, issuer=issuer_name)
    body = claims["tb"]
    shown = {
        "iss": claims.get(1),
        "iat": _when(claims.get(6)),
        "exp": _when(claims.get(4)),
        "license": _jsonable(body),
    }
    stamp = int(at.timestamp())
    iat, exp = claims.get(6), claims.get(4)
    if isinstance(iat, int) and stamp < iat - 300:
        return _fail(
            _("二维码的签发时间晚于核验时间，请检查核验设备的时间。"),
            signature_valid=True,
            issuer=issuer_name,
            claims=shown,
        )
    if isinstance(exp, int) and stamp >= exp:
        return _fail(
            _("二维码已于 %(t)s 过期，请持证人重新生成。") % {"t": shown["exp"]},
            signature_valid=True,
            issuer=issuer_name,
            claims=shown,
        )
    day = at.astimezone(timezone.get_current_timezone()).date()
    valid_from, valid_until = _date(body.get("vf")), _date(body.get("vu"))
    if valid_from and day < valid_from:
        return _fail(
            _("证照尚未生效（有效期自 %(d)s）。") % {"d": valid_from},
            signature_valid=True,
            issuer=issuer_name,
            claims=shown,
        )
    if valid_until and day > valid_until:
        return _fail(
            _("证照已于 %(d)s 到期。") % {"d": valid_until},
            signature_valid=True,
            issuer=issuer_name,
            claims=shown,
        )
    revoked = _revocation_reason(str(body.get("id") or ""))
    if revoked:
        return _fail(revoked + _("。"), signature_valid=True, issuer=issuer_name, claims=shown)
    return QrVerdict(
        True,
        True,
        _("有效：签名验证通过，签发机构可信，在有效期内，未被撤销。"),
        issuer_name,
        shown,
    )


def _when(seconds: Any) -> str | None:
    if not isinstance(seconds, int):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


# --- stored licenses ---------------------------------------------------------------------------


_stored_key_cache: dict[tuple[str, int], tuple[float, str]] = {}


def _stored_public_pem(license: License) -> str | None:
    """The public key that signed a stored license (cached briefly; kids never change)."""
    cache_key = (license.kid, license.issuer_id)
    now = time.monotonic()
    cached = _stored_key_cache.get(cache_key)
    if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
        return cached[1]
    pem = (
        IssuerKey.objects.filter(kid=license.kid, body_id=license.issuer_id)
        .values_list("public_pem", flat=True)
        .first()
    )
    if pem is not None:
        if len(_stored_key_cache) > 10_000:
            _stored_key_cache.clear()
        _stored_key_cache[cache_key] = (now, pem)
    return pem


def check_license(license: License, *, at: datetime) -> tuple[bool, bool, str]:
    """(valid, signature_valid, reason) of a stored license."""
    public_pem = _stored_public_pem(license)
    if public_pem is None or not verify_license_signature(license, public_pem, license.algorithm):
        return False, False, _("签名验证失败：证照数据与签发时不一致，可能被篡改。")
    if license.status in STATUS_REASONS:
        return False, True, str(STATUS_REASONS[license.status]) + _("。")
    day = at.astimezone(timezone.get_current_timezone()).date()
    if license.valid_from and day < license.valid_from:
        return False, True, _("证照尚未生效（有效期自 %(d)s）。") % {"d": license.valid_from}
    if license.valid_until and day > license.valid_until:
        return False, True, _("证照已于 %(d)s 到期。") % {"d": license.valid_until}
    return True, True, _("有效：签名验证通过，签发机构可信，在有效期内，未被撤销。")


def public_summary(license: License) -> dict[str, Any]:
    return {
        "identifier": license.identifier,
        "type": license.license_type.name,
        "type_code": license.license_type.national_code,
        "issuer": license.issuer_name,
        "holder_name": mask_name(license.holder_name),
        "valid_from": license.valid_from.isoformat(),
        "valid_until": license.valid_until.isoformat() if license.valid_until else None,
        "status": license.status,
    }


def verify_identifier(text: str, *, at: datetime) -> QrVerdict:
    try:
        parsed = license_identifier_parse(text)
    except ValidationFailed as exc:
        return _fail(exc.message)
    license = License.objects.select_related("license_type").filter(identifier=parsed.value).first()
    if license is None:
        revoked = _revocation_reason(parsed.value)
        if revoked:
            return _fail(revoked + _("。"))
        return _fail(
            _(
                "本平台没有该电子证照（标识校验位正确，但查无此证）；其他平台签发的证照请扫描其亮证二维码核验。"
            )
        )
    valid, signature_valid, reason = check_license(license, at=at)
    return QrVerdict(valid, signature_valid, reason, license.issuer_name, public_summary(license))


def verify_presentation(token: str, *, at: datetime) -> QrVerdict:
    from tongban.licenses.services import disclosed_values, presentation_resolve

    if not token:
        return _fail(_("亮证码为空。"))
    presentation = presentation_resolve(token=token, now=at)
    if presentation is None:
        return _fail(_("亮证码无效：请让持证人在“我的证照”中重新生成二维码。"))
    license = presentation.license
    if presentation.expires_at <= at:
        return _fail(
            _("亮证码已于 %(t)s 失效（在线亮证码只在几分钟内有效），请持证人重新生成。")
            % {"t": timezone.localtime(presentation.expires_at).strftime("%Y-%m-%d %H:%M")},
            issuer=license.issuer_name,
        )
    valid, signature_valid, reason = check_license(license, at=at)
    claims = public_summary(license)
    claims["disclosed"] = disclosed_values(license, presentation.disclosed_fields)
    claims["presented_until"] = presentation.expires_at.isoformat()
    return QrVerdict(valid, signature_valid, reason, license.issuer_name, claims)
