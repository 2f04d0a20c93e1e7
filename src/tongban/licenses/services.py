"""Every write of the licenses app: keyword-only, one transaction, one audit entry each.

- license types (证照目录): `license_type_save`
- keys: `issuer_key_generate` (also rotation: the old key is retired, kept for verification),
  `platform_key_ensure`
- licenses: `license_issue` (staff, within scope), `license_issue_for_case` (the cases app's
  ResultIssuer), `license_renew` (换证: a new version supersedes the old), `license_revoke`,
  `licenses_expire` (the daily sweep)
- presentations (亮证): `presentation_create` (online token), `offline_qr_create` (COSE QR),
  `presentation_resolve` (a verifier reads an online token)
- use (用证): `use_grant_create`, `use_grant_revoke`, `use_access_record`
- trust: `trust_list_export`, `trust_list_import`, `trust_import_x509`, `revocation_list_publish`
- bulk import: `license_import_submit`, `license_import_run` (licenses.importer does the rows)
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import cbor2
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from tongban.core.identifiers import (
    mask_citizen_id,
    mask_credit_code,
    mask_name,
    validate_citizen_id,
    validate_credit_code,
)
from tongban.core.models import ImplementingBody
from tongban.licenses.crypto.algorithms import ALGORITHMS, generate_keypair, public_key_id, verify
from tongban.licenses.crypto.canonical import canonical_bytes
from tongban.licenses.crypto.cose import sign1_create
from tongban.licenses.crypto.qr import qr_payload_encode
from tongban.licenses.identifiers import license_identifier_build
from tongban.licenses.models import (
    HolderKind,
    ImportJob,
    IssuerKey,
    KeyStatus,
    License,
    LicenseCounter,
    LicenseEvent,
    LicenseEventKind,
    LicenseSource,
    LicenseStatus,
    LicenseType,
    Presentation,
    RevocationEntry,
    RevocationList,
    TrustedIssuer,
    TrustedKey,
    TrustedPlatform,
    TrustSource,
    UseAccess,
    UseGrant,
)
from tongban.licenses.permissions import (
    ADMIN_ROLES,
    check_can_issue,
    check_catalog_admin,
    check_platform_admin,
    holder_index,
    licenses_of_holder,
)
from tongban.licenses.signing import claims_of, license_claims, sign_bytes

DEFAULT_ALGORITHM = "SM2-SM3"
PRESENTATION_MINUTES = 5
PRESENTATION_MAX_MINUTES = 30
OFFLINE_QR_DAYS = 7
USE_GRANT_DAYS = 90
PURPOSE_MAX = 200
ONLINE_PREFIX = "TBT:"
OFFLINE_PREFIX = "TB1:"
TRUST_LIST_FORMAT = "tongban-trust-list/1"
REVOCATION_LIST_FORMAT = "tongban-revocation-list/1"
# Pseudo-fields a holder may disclose besides the type's own content fields.
HOLDER_FIELDS = {"holder_name": "持证主体", "holder_key": "持证主体代码", "number": "证照编号"}


def mask_holder_key(kind: str, value: str) -> str:
    return mask_citizen_id(value) if kind == HolderKind.PERSON else mask_credit_code(value)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _event(license: License, kind: str, actor: Any, note: str = "") -> None:
    LicenseEvent.objects.create(
        license=license, kind=kind, actor=_user_or_none(actor), note=note[:200]
    )


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


# --- license types -----------------------------------------------------------------------------


def _validate_fields(fields: Any) -> list[dict[str, Any]]:
    if not isinstance(fields, list):
        raise ValidationFailed(
            _("证照字段应为列表。"), fields=[FieldProblem("fields", _("格式错误"))]
        )
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(fields, start=1):
        key = str((item or {}).get("key", "")).strip() if isinstance(item, dict) else ""
        label = str(item.get("label", "")).strip() if isinstance(item, dict) else ""
        if not key or not label or key in seen or key in HOLDER_FIELDS:
            raise ValidationFailed(
                _("证照字段第 %(n)d 项需要唯一的 key 和中文名称 label。") % {"n": position},
                fields=[FieldProblem("fields", _("第 %(n)d 项有误") % {"n": position})],
            )
        seen.add(key)
        cleaned.append({"key": key, "label": label, "required": bool(item.get("required", False))})
    return cleaned


@transaction.atomic
def license_type_save(
    *,
    actor: Any,
    code: str,
    national_code: str,
    name: str,
    defining_department: str,
    defining_department_code: str,
    holder_kind: str,
    issuing_level: str = "4",
    validity_years: int | None = None,
    fields: list[dict[str, Any]] | None = None,
    replaces_materials: list[str] | None = None,
    is_active: bool = True,
) -> LicenseType:
    """Create or update the type with `code` (证照目录 maintenance, platform or catalog admins)."""
    check_catalog_admin(actor)
    problems: list[FieldProblem] = []
    if not code.startswith("CN-LIC-"):
        problems.append(FieldProblem("code", _("证照类型代码应以 CN-LIC- 开头。")))
    if len(national_code) != 21 or not national_code[-3:].isdigit():
        problems.append(
            FieldProblem(
                "national_code",
                _("国家证照类型代码应为定义机构统一社会信用代码（18位）加3位顺序号。"),
            )
        )
    elif national_code[:18] != defining_department_code:
        problems.append(
            FieldProblem("national_code", _("国家证照类型代码的前18位应与定义机构代码一致。"))
        )
    if holder_kind not in HolderKind.values:
        problems.append(FieldProblem("holder_kind", _("持证主体类型应为自然人或法人。")))
    if not name.strip():
        problems.append(FieldProblem("name", _("请填写证照类型名称。")))
    if problems:
        raise ValidationFailed(_("证照类型信息有误，请按提示修改。"), fields=problems)
    cleaned_fields = _validate_fields(fields or [])
    values = {
        "national_code": national_code,
        "name": name.strip(),
        "defining_department": defining_department,
        "defining_department_code": defining_department_code,
        "holder_kind": holder_kind,
        "issuing_level": issuing_level,
        "validity_years": validity_years,
        "fields": cleaned_fields,
        "replaces_materials": list(replaces_materials or []),
        "is_active": is_active,
    }
    clash = LicenseType.objects.filter(national_code=national_code).exclude(code=code).first()
    if clash is not None:
        raise Conflict(
            _("国家证照类型代码 %(c)s 已被“%(n)s”使用。") % {"c": national_code, "n": clash.name}
        )
    license_type, created = LicenseType.objects.update_or_create(code=code, defaults=values)
    audit_record(
        actor=actor,
        action="licenses.type.create" if created else "licenses.type.update",
        obj=license_type,
        summary={"code": code, "name": license_type.name},
    )
    return license_type


# --- keys --------------------------------------------------------------------------------------


def _new_key(*, body: ImplementingBody | None, algorithm: str, actor: Any) -> IssuerKey:
    if algorithm not in ALGORITHMS:
        raise ValidationFailed(
            _("不支持的签名算法 %(a)s，可选：%(list)s。")
            % {"a": algorithm, "list": "、".join(ALGORITHMS)},
            fields=[FieldProblem("algorithm", _("算法不受支持"))],
        )
    pair = generate_keypair(algorithm)
    kid = public_key_id(pair.public_pem).hex()
    active = (
        IssuerKey.objects.select_for_update().filter(body=body, status=KeyStatus.ACTIVE)
        if body is not None
        else IssuerKey.objects.select_for_update().filter(
            body__isnull=True, status=KeyStatus.ACTIVE
        )
    )
    active.update(status=KeyStatus.RETIRED, retired_at=timezone.now())
    return IssuerKey.objects.create(
        body=body,
        algorithm=algorithm,
        kid=kid,
        public_pem=pair.public_pem.decode(),
        private_pem=pair.private_pem.decode(),
        created_by=_user_or_none(actor),
    )


@transaction.atomic
def issuer_key_generate(
    *, actor: Any, body: ImplementingBody, algorithm: str = DEFAULT_ALGORITHM
) -> IssuerKey:
    """A new signing key for `body`; an active key is retired (rotation), never deleted, so the
    licenses it signed still verify."""
    if actor is not None:
        check_can_issue(actor, body, roles=ADMIN_ROLES)
    key = _new_key(body=body, algorithm=algorithm, actor=actor)
    platform_key_ensure(actor=actor)  # lists of our keys need the platform's signature
    audit_record(
        actor=actor,
        action="licenses.key.rotate",
        obj=key,
        summary={"body": body.credit_code, "algorithm": algorithm, "kid": key.kid},
    )
    return key


@transaction.atomic
def platform_key_ensure(*, actor: Any = None, algorithm: str = DEFAULT_ALGORITHM) -> IssuerKey:
    """The platform's key that signs trust lists and revocation lists (made on first use)."""
    key = IssuerKey.objects.filter(body__isnull=True, status=KeyStatus.ACTIVE).first()
    if key is not None:
        return key
    key = _new_key(body=None, algorithm=algorithm, actor=actor)
    audit_record(
        actor=actor,
        action="licenses.key.platform",
        obj=key,
        summary={"kid": key.kid, "algorithm": algorithm},
    )
    return key


def _active_key(body: ImplementingBody) -> IssuerKey:
    key = IssuerKey.objects.filter(body=body, status=KeyStatus.ACTIVE).first()
    if key is None:
        raise ValidationFailed(
            _("颁发机构“%(b)s”还没有签名密钥，请先在“信任与密钥”页面为其生成密钥。")
            % {"b": body.name},
            fields=[FieldProblem("issuer", _("缺少签名密钥"))],
        )
    return key


# --- licenses ----------------------------------------------------------------------------------


def validate_holder(kind: str, key: str, name: str) -> tuple[str, str]:
    """The normalised holder key and name, or ValidationFailed saying what to fix."""
    if not (name or "").strip():
        raise ValidationFailed(
            _("请填写持证主体名称。"), fields=[FieldProblem("holder_name", _("不能为空"))]
        )
    if kind == HolderKind.PERSON:
        key = validate_citizen_id(key, field="holder_key")
    elif kind == HolderKind.ORGANISATION:
        key = validate_credit_code(key, field="holder_key")
    else:
        raise ValidationFailed(
            _("持证主体类型应为自然人或法人。"), fields=[FieldProblem("holder_kind", _("无效"))]
        )
    return key, name.strip()


def validate_content(license_type: LicenseType, content: dict[str, Any]) -> dict[str, Any]:
    known = {f["key"]: f for f in license_type.fields}
    problems: list[FieldProblem] = []
    cleaned: dict[str, Any] = {}
    for key, value in (content or {}).items():
        if key not in known:
            problems.append(
                FieldProblem(key, _("“%(t)s”没有字段 %(k)s。") % {"t": license_type.name, "k": key})
            )
            continue
        text = "" if value is None else str(value).strip()
        if len(text) > 500:
            problems.append(FieldProblem(key, _("%(l)s 超过500字。") % {"l": known[key]["label"]}))
        if text:
            cleaned[key] = text
    for key, spec in known.items():
        if spec.get("required") and not cleaned.get(key):
            problems.append(FieldProblem(key, _("请填写%(l)s。") % {"l": spec["label"]}))
    if problems:
        raise ValidationFailed(_("证照内容有误，请按提示修改。"), fields=problems)
    return cleaned


def _validity(
    license_type: LicenseType, issued_on: date, valid_from: date | None, valid_until: date | None
) -> tuple[date, date | None]:
    start = valid_from or issued_on
    end = valid_until
    if end is None and license_type.validity_years:
        end = _add_years(start, license_type.validity_years) - timedelta(days=1)
    if end is not None and end < start:
        raise ValidationFailed(
            _("有效期截止日期不能早于起始日期。"),
            fields=[FieldProblem("valid_until", _("早于起始日期"))],
        )
    return start, end


def reserve_serials(
    *, license_type: LicenseType, issuer: ImplementingBody, year: int, count: int
) -> int:
    """Reserve `count` consecutive serial numbers; returns the first. Must run in a transaction."""
    LicenseCounter.objects.get_or_create(license_type=license_type, issuer=issuer, year=year)
    counter = LicenseCounter.objects.select_for_update().get(
        license_type=license_type, issuer=issuer, year=year
    )
    first = counter.next_value
    LicenseCounter.objects.filter(pk=counter.pk).update(next_value=F("next_value") + count)
    return first


def serial_text(year: int, value: int) -> str:
    return f"{year}{value:07d}"


def build_license(
    *,
    license_type: LicenseType,
    issuer: ImplementingBody,
    key: IssuerKey,
    serial: str,
    version: int,
    holder_kind: str,
    holder_key: str,
    holder_name: str,
    content: dict[str, Any],
    number: str,
    issued_on: date,
    valid_from: date,
    valid_until: date | None,
    source: str,
    case_number: str = "",
    issued_by: Any = None,
    supersedes: License | None = None,
    import_job: ImportJob | None = None,
    signature: str | None = None,
) -> License:
    """An unsaved, signed License (also used by the bulk importer, which saves in batches).
    `signature`: the Base64 signature already made by an earlier call with the same arguments
    (the importer signs in one pass and inserts in another); skips signing."""
    identifier = license_identifier_build(
        type_code=license_type.national_code,
        issuer_code=issuer.credit_code,
        serial=serial,
        version=version,
    )
    if signature is None:
        claims = license_claims(
            identifier=identifier,
            type_code=license_type.national_code,
            type_name=license_type.name,
            number=number,
            issuer_code=issuer.credit_code,
            issuer_name=issuer.name,
            holder_kind=holder_kind,
            holder_key=holder_key,
            holder_name=holder_name,
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            content=content,
        )
        signature = sign_bytes(key, canonical_bytes(claims))
    return License(
        identifier=identifier,
        serial=serial,
        version=version,
        license_type=license_type,
        number=number,
        issuer=issuer,
        issuer_code=issuer.credit_code,
        issuer_name=issuer.name,
        region_id=issuer.region_id,
        department_id=issuer.department_id,
        holder_kind=holder_kind,
        holder_key=holder_key,
        holder_key_index=holder_index(holder_key),
        holder_name=holder_name,
        content=content,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=valid_until,
        status=LicenseStatus.VALID,
        source=source,
        case_number=case_number,
        algorithm=key.algorithm,
        kid=key.kid,
        signature=signature,
        issued_by=_user_or_none(issued_by),
        supersedes=supersedes,
        import_job=import_job,
    )


def _issue(
    *,
    actor: Any,
    license_type: LicenseType,
    issuer: ImplementingBody,
    holder_key: str,
    holder_name: str,
    content: dict[str, Any],
    number: str,
    issued_on: date | None,
    valid_from: date | None,
    valid_until: date | None,
    source: str,
    case_number: str,
) -> License:
    if not license_type.is_active:
        raise ValidationFailed(
            _("证照类型“%(t)s”已停用，不能签发。") % {"t": license_type.name},
            fields=[FieldProblem("license_type", _("已停用"))],
        )
    key_text, name = validate_holder(license_type.holder_kind, holder_key, holder_name)
    cleaned = validate_content(license_type, content)
    today = timezone.localdate()
    issued = issued_on or today
    start, end = _validity(license_type, issued, valid_from, valid_until)
    key = _active_key(issuer)
    first = reserve_serials(license_type=license_type, issuer=issuer, year=issued.year, count=1)
    serial = serial_text(issued.year, first)
    license = build_license(
        license_type=license_type,
        issuer=issuer,
        key=key,
        serial=serial,
        version=1,
        holder_kind=license_type.holder_kind,
        holder_key=key_text,
        holder_name=name,
        content=cleaned,
        number=(number or "").strip() or serial,
        issued_on=issued,
        valid_from=start,
        valid_until=end,
        source=source,
        case_number=case_number,
        issued_by=actor,
    )
    license.save()
    _event(
        license,
        LicenseEventKind.ISSUED,
        actor,
        case_number and _("办件 %(n)s") % {"n": case_number},
    )
    audit_record(
        actor=actor,
        action="licenses.license.issue",
        obj=license,
        summary={
            "identifier": license.identifier,
            "type": license_type.code,
            "holder": mask_holder_key(license.holder_kind, key_text),
            "holder_name": mask_name(name),
            "source": source,
            "case_number": case_number,
        },
    )
    return license


@transaction.atomic
def license_issue(
    *,
    actor: Any,
    license_type: LicenseType,
    issuer: ImplementingBody,
    holder_key: str,
    holder_name: str,
    content: dict[str, Any],
    number: str = "",
    issued_on: date | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> License:
    """Manual issuance by authorized staff, for a body in their scope."""
    check_can_issue(actor, issuer)
    return _issue(
        actor=actor,
        license_type=license_type,
        issuer=issuer,
        holder_key=holder_key,
        holder_name=holder_name,
        content=content,
        number=number,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=valid_until,
        source=LicenseSource.MANUAL,
        case_number="",
    )


@transaction.atomic
def license_issue_for_case(
    *,
    license_type_code: str,
    implementing_body_id: int,
    holder_key: str,
    holder_name: str,
    form_data: dict[str, Any],
    case_number: str,
    actor: Any = None,
) -> License:
    """The result of an approved case (called through the cases ResultIssuer registry). The cases
    app has already decided; form values whose keys are fields of the type become its content."""
    license_type = LicenseType.objects.filter(code=license_type_code).first()
    if license_type is None:
        raise ValidationFailed(
            _("证照目录中没有类型 %(c)s，无法签发办件结果。") % {"c": license_type_code},
            fields=[FieldProblem("license_type_code", _("未知证照类型"))],
        )
    issuer = ImplementingBody.objects.filter(pk=implementing_body_id).first()
    if issuer is None:
        raise NotFound()
    existing = License.objects.filter(
        case_number=case_number, license_type=license_type, source=LicenseSource.CASE
    ).first()
    if existing is not None:  # the cases app may retry: issuing is idempotent per case
        return existing
    keys = set(license_type.field_keys)
    content = {k: v for k, v in (form_data or {}).items() if k in keys and v not in (None, "")}
    return _issue(
        actor=actor,
        license_type=license_type,
        issuer=issuer,
        holder_key=holder_key,
        holder_name=holder_name,
        content=content,
        number="",
        issued_on=None,
        valid_from=None,
        valid_until=None,
        source=LicenseSource.CASE,
        case_number=case_number,
    )


def _lock(license: License) -> License:
    return (
        License.objects.select_for_update()
        .select_related("license_type", "issuer")
        .get(pk=license.pk)
    )


@transaction.atomic
def license_renew(
    *,
    actor: Any,
    license: License,
    content: dict[str, Any] | None = None,
    valid_until: date | None = None,
    reason: str = "",
) -> License:
    """换证: a new version (same serial, version + 1) supersedes the old license."""
    check_can_issue(actor, license.issuer)
    old = _lock(license)
    if old.status in (LicenseStatus.REVOKED, LicenseStatus.SUPERSEDED):
        raise Conflict(
            _("该证照状态为“%(s)s”，不能换证。") % {"s": old.get_status_display()},
            code="license_not_renewable",
        )
    license_type = old.license_type
    cleaned = validate_content(license_type, content if content is not None else old.content)
    today = timezone.localdate()
    start, end = _validity(license_type, today, today, valid_until)
    key = _active_key(old.issuer)
    new = build_license(
        license_type=license_type,
        issuer=old.issuer,
        key=key,
        serial=old.serial,
        version=old.version + 1,
        holder_kind=old.holder_kind,
        holder_key=old.holder_key,
        holder_name=old.holder_name,
        content=cleaned,
        number=old.number,
        issued_on=today,
        valid_from=start,
        valid_until=end,
        source=LicenseSource.RENEWAL,
        issued_by=actor,
        supersedes=old,
    )
    old.status = LicenseStatus.SUPERSEDED
    old.status_changed_at = timezone.now()
    old.status_reason = (reason or _("换证"))[:200]
    old.save(update_fields=["status", "status_changed_at", "status_reason", "updated_at"])
    new.save()
    _event(old, LicenseEventKind.SUPERSEDED, actor, new.identifier)
    _event(new, LicenseEventKind.RENEWED, actor, reason or old.identifier)
    audit_record(
        actor=actor,
        action="licenses.license.renew",
        obj=new,
        summary={"old": old.identifier, "new": new.identifier, "reason": reason[:200]},
    )
    return new


@transaction.atomic
def license_revoke(*, actor: Any, license: License, reason: str) -> License:
    check_can_issue(actor, license.issuer)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed(
            _("请填写撤销原因（200字以内）。"),
            fields=[FieldProblem("reason", _("必填，200字以内"))],
        )
    locked = _lock(license)
    if locked.status == LicenseStatus.REVOKED:
        raise Conflict(_("该证照已被撤销。"), code="license_already_revoked")
    now = timezone.now()
    locked.status = LicenseStatus.REVOKED
    locked.status_changed_at = now
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_changed_at", "status_reason", "updated_at"])
    RevocationEntry.objects.create(
        identifier=locked.identifier, issuer_code=locked.issuer_code, revoked_at=now, reason=reason
    )
    _event(locked, LicenseEventKind.REVOKED, actor, reason)
    from tongban.licenses.tasks import revocation_list_publish_task

    transaction.on_commit(lambda: revocation_list_publish_task.enqueue())
    audit_record(
        actor=actor,
        action="licenses.license.revoke",
        obj=locked,
        summary={"identifier": locked.identifier, "reason": reason},
    )
    return locked


@transaction.atomic
def licenses_expire(*, actor: Any = None, today: date | None = None) -> int:
    """Mark valid licenses past their end date as expired (daily sweep); returns how many."""
    today = today or timezone.localdate()
    due = list(
        License.objects.select_for_update()
        .filter(status=LicenseStatus.VALID, valid_until__lt=today)
        .values_list("pk", flat=True)
    )
    if not due:
        return 0
    now = timezone.now()
    License.objects.filter(pk__in=due).update(
        status=LicenseStatus.EXPIRED,
        status_changed_at=now,
        status_reason=_("有效期届满"),
        updated_at=now,
    )
    LicenseEvent.objects.bulk_create(
        [
            LicenseEvent(license_id=pk, kind=LicenseEventKind.EXPIRED, note=_("有效期届满"))
            for pk in due
        ]
    )
    audit_record(
        actor=actor,
        action="licenses.license.expire",
        object_type="licenses.License",
        summary={"count": len(due), "today": today},
    )
    return len(due)


# --- presentations (亮证) ----------------------------------------------------------------------


def disclosable_fields(license: License) -> list[tuple[str, str]]:
    """(key, label) pairs the holder may choose to disclose."""
    pairs = list(HOLDER_FIELDS.items())
    pairs += [
        (f["key"], f["label"]) for f in license.license_type.fields if f["key"] in license.content
    ]
    return pairs


def disclosed_values(license: License, fields: Iterable[str]) -> dict[str, Any]:
    chosen = set(fields)
    values: dict[str, Any] = {}
    for key, label in disclosable_fields(license):
        if key not in chosen:
            continue
        if key == "holder_name":
            values[label] = license.holder_name
        elif key == "holder_key":
            values[label] = license.holder_key
        elif key == "number":
            values[label] = license.number
        else:
            values[label] = license.content.get(key, "")
    return values


def _check_fields(license: License, fields: list[str]) -> list[str]:
    allowed = {k for k, _label in disclosable_fields(license)}
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise ValidationFailed(
            _("不能出示这些字段：%(f)s。") % {"f": "、".join(unknown)},
            fields=[FieldProblem("fields", _("字段不存在"))],
        )
    return list(dict.fromkeys(fields))


def _check_holder(actor: Any, license: License) -> None:
    """Only the holder (or an agent of the holding enterprise) presents a license."""
    if not licenses_of_holder(actor).filter(pk=license.pk).exists():
        raise NotFound()


def _check_presentable(license: License) -> None:
    # Re-read: the caller's copy may predate a revocation or renewal.
    license.refresh_from_db(fields=["status", "valid_until"])
    status = effective_status(license)
    if status != LicenseStatus.VALID:
        raise Conflict(
            _("该证照状态为“%(s)s”，不能亮证。") % {"s": LicenseStatus(status).label},
            code="license_not_valid",
        )


def effective_status(license: License, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if (
        license.status == LicenseStatus.VALID
        and license.valid_until
        and license.valid_until < today
    ):
        return LicenseStatus.EXPIRED
    return license.status


def token_digest(token: str) -> str:
    return sm3_hex(token.encode())


@dataclass(frozen=True)
class PresentationResult:
    qr_text: str
    expires_at: datetime
    mode: str
    presentation: Presentation | None = None


@transaction.atomic
def presentation_create(
    *, actor: Any, license: License, fields: list[str], minutes: int = PRESENTATION_MINUTES
) -> PresentationResult:
    """An online presentation token for the QR (在线亮证): bound to this holder and license,
    valid for `minutes`, resolved by the verifier through the API so a screenshot expires."""
    _check_holder(actor, license)
    fields = _check_fields(license, fields)
    _check_presentable(license)
    if not 1 <= minutes <= PRESENTATION_MAX_MINUTES:
        raise ValidationFailed(
            _("亮证二维码有效期应为1至%(m)d分钟。") % {"m": PRESENTATION_MAX_MINUTES},
            fields=[FieldProblem("minutes", _("超出范围"))],
        )
    token = secrets.token_urlsafe(24)
    expires = timezone.now() + timedelta(minutes=minutes)
    presentation = Presentation.objects.create(
        license=license,
        holder=actor,
        token_digest=token_digest(token),
        disclosed_fields=fields,
        expires_at=expires,
    )
    audit_record(
        actor=actor,
        action="licenses.presentation.create",
        obj=presentation,
        summary={"identifier": license.identifier, "fields": fields, "minutes": minutes},
    )
    return PresentationResult(ONLINE_PREFIX + token, expires, "online", presentation)


def offline_claims(
    license: License, fields: list[str], *, now: datetime, days: int
) -> dict[Any, Any]:
    exp = now + timedelta(days=days)
    if license.valid_until is not None:
        end_of_validity = datetime.combine(
            license.valid_until + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo
        )
        exp = min(exp, end_of_validity)
    return {
        1: license.issuer_code,
        4: int(exp.timestamp()),
        6: int(now.timestamp()),
        "tb": {
            "v": 1,
            "id": license.identifier,
            "t": license.license_type.national_code,
            "tn": license.license_type.name,
            "in": license.issuer_name,
            "vf": license.valid_from.isoformat(),
            "vu": license.valid_until.isoformat() if license.valid_until else None,
            "f": disclosed_values(license, fields),
        },
    }


@transaction.atomic
def offline_qr_create(
    *, actor: Any, license: License, fields: list[str], days: int = OFFLINE_QR_DAYS
) -> PresentationResult:
    """An offline QR (离线亮证): the chosen fields as CBOR claims in a COSE_Sign1 signed by the
    issuer's current key, zlib + Base45 behind "TB1:" (the EU DCC stack)."""
    _check_holder(actor, license)
    fields = _check_fields(license, fields)
    _check_presentable(license)
    key = _active_key(license.issuer)
    now = timezone.now().replace(microsecond=0)
    claims = offline_claims(license, fields, now=now, days=days)
    payload = cbor2.dumps(claims, canonical=True)
    cose = sign1_create(
        payload,
        algorithm=key.algorithm,
        private_pem=key.private_pem.encode(),
        kid=bytes.fromhex(key.kid),
    )
    text = qr_payload_encode(cose, prefix=OFFLINE_PREFIX)
    audit_record(
        actor=actor,
        action="licenses.presentation.offline",
        obj=license,
        summary={"identifier": license.identifier, "fields": fields},
    )
    return PresentationResult(text, datetime.fromtimestamp(claims[4], tz=now.tzinfo), "offline")


@transaction.atomic
def presentation_resolve(*, token: str, now: datetime | None = None) -> Presentation | None:
    """The presentation of an online token, counted; None if unknown. Expiry is the caller's
    verdict (it says why)."""
    presentation = (
        Presentation.objects.select_for_update()
        .select_related("license", "license__license_type")
        .filter(token_digest=token_digest(token))
        .first()
    )
    if presentation is None:
        return None
    now = now or timezone.now()
    if presentation.expires_at > now:
        Presentation.objects.filter(pk=presentation.pk).update(
            resolved_count=F("resolved_count") + 1, last_resolved_at=now
        )
    return presentation


# --- use instead of paper (用证) -------------------------------------------------------------


def _check_purpose(purpose: str) -> str:
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationFailed(
            _("请填写用证事由。"), fields=[FieldProblem("purpose", _("不能为空"))]
        )
    if len(purpose) > PURPOSE_MAX:
        raise ValidationFailed(
            _("用证事由不能超过200字。"), fields=[FieldProblem("purpose", _("超过200字"))]
        )
    return purpose


@transaction.atomic
def use_grant_create(
    *,
    actor: Any,
    license: License,
    holder_key: str,
    case_number: str,
    material_code: str,
    material_name: str,
    purpose: str,
    days: int = USE_GRANT_DAYS,
) -> UseGrant:
    """The holder (or the enterprise's agent: `holder_key` is then its credit code) authorizes
    this license for one material of one case."""
    purpose = _check_purpose(purpose)
    if license.holder_key_index != holder_index(holder_key or ""):
        raise NotFound()
    if effective_status(license) != LicenseStatus.VALID:
        raise Conflict(_("该证照已失效，不能授权使用。"), code="license_not_valid")
    if not case_number:
        raise ValidationFailed(_("缺少办件编号。"), fields=[FieldProblem("case_number", _("必填"))])
    grant = UseGrant.objects.create(
        license=license,
        grantor=actor,
        case_number=case_number,
        material_code=material_code[:64],
        material_name=material_name[:200],
        purpose=purpose,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action="licenses.grant.create",
        obj=grant,
        summary={"identifier": license.identifier, "case_number": case_number, "purpose": purpose},
    )
    return grant


@transaction.atomic
def use_grant_revoke(*, actor: Any, grant: UseGrant) -> UseGrant:
    locked = UseGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.grantor_id != getattr(actor, "pk", None):
        raise NotFound()
    if locked.revoked_at is not None:
        raise Conflict(_("该授权已撤销。"), code="grant_revoked")
    if locked.used_at is not None:
        raise Conflict(_("该授权已被办件使用，不能撤销。"), code="grant_used")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="licenses.grant.revoke",
        obj=locked,
        summary={"case_number": locked.case_number},
    )
    return locked


@transaction.atomic
def use_access_record(*, actor: Any, grant: UseGrant, purpose: str, case_number: str) -> UseAccess:
    """A reviewer reads the licensed content for the case: checked against the grant, logged."""
    purpose = _check_purpose(purpose)
    locked = UseGrant.objects.select_for_update().select_related("license").get(pk=grant.pk)
    now = timezone.now()
    if locked.case_number != case_number:
        raise NotFound()
    if locked.revoked_at is not None:
        raise Conflict(_("持证人已撤销该用证授权。"), code="grant_revoked")
    if locked.expires_at <= now:
        raise Conflict(_("该用证授权已过期。"), code="grant_expired")
    if locked.used_at is None:
        locked.used_at = now
        locked.save(update_fields=["used_at", "updated_at"])
    label = getattr(actor, "display_name", "") or getattr(actor, "username", "") or _("系统")
    access = UseAccess.objects.create(
        grant=locked,
        license=locked.license,
        identifier=locked.license.identifier,
        accessor=_user_or_none(actor),
        accessor_label=str(label)[:200],
        purpose=purpose,
        case_number=case_number,
    )
    audit_record(
        actor=actor,
        action="licenses.license.use",
        obj=locked.license,
        summary={"case_number": case_number, "purpose": purpose},
        reason=purpose,
    )
    return access


# --- trust lists and revocation lists ----------------------------------------------------------


def _forget_cached_keys() -> None:
    from tongban.licenses.verification import clear_key_cache

    transaction.on_commit(clear_key_cache)


def platform_id() -> str:
    return f"tongban-{settings.TONGBAN_HOME_REGION}"


def _signed_document(payload: dict[str, Any], key: IssuerKey) -> dict[str, Any]:
    return {
        "payload": payload,
        "signature": {
            "alg": key.algorithm,
            "kid": key.kid,
            "public_pem": key.public_pem,
            "value": sign_bytes(key, canonical_bytes(payload)),
        },
    }


def check_signed_document(
    document: Any, *, expected_format: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(payload, signature) of a signed trust or revocation list whose signature verifies
    against the key it names; ValidationFailed saying what is wrong otherwise."""
    if isinstance(document, bytes | str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise ValidationFailed(_("文件不是有效的 JSON。")) from exc
    if not isinstance(document, dict) or not isinstance(document.get("payload"), dict):
        raise ValidationFailed(_("文件缺少 payload，不是通办签名列表。"))
    payload, signature = document["payload"], document.get("signature") or {}
    if payload.get("format") != expected_format:
        raise ValidationFailed(
            _("列表格式为 %(f)s，应为 %(e)s。") % {"f": payload.get("format"), "e": expected_format}
        )
    try:
        public_pem = str(signature["public_pem"]).encode()
        algorithm = str(signature["alg"])
        raw = base64.b64decode(signature["value"], validate=True)
        kid = public_key_id(public_pem).hex()
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(_("签名信息不完整或无法解析。")) from exc
    if kid != signature.get("kid"):
        raise ValidationFailed(_("签名密钥标识与公钥不一致。"))
    if not verify(algorithm, public_pem, canonical_bytes(payload), raw):
        raise ValidationFailed(_("列表签名验证失败：文件可能被篡改。"), code="signature_invalid")
    return payload, signature


def trust_list_document() -> dict[str, Any] | None:
    """Our issuers' public keys (active and retired) as a list signed by the platform key, or
    None before the platform has a key. Reads only (signing writes nothing)."""
    key = IssuerKey.objects.filter(body__isnull=True, status=KeyStatus.ACTIVE).first()
    if key is None:
        return None
    issuers: dict[int, dict[str, Any]] = {}
    for issuer_key in (
        IssuerKey.objects.filter(body__isnull=False)
        .select_related("body")
        .defer("private_pem")
        .order_by("body_id", "created_at")
    ):
        body = issuer_key.body
        entry = issuers.setdefault(
            body.pk,
            {
                "code": body.credit_code,
                "name": body.name,
                "region_code": body.region_id,
                "keys": [],
            },
        )
        entry["keys"].append(
            {
                "kid": issuer_key.kid,
                "alg": issuer_key.algorithm,
                "public_pem": issuer_key.public_pem,
                "status": issuer_key.status,
            }
        )
    now = timezone.now()
    payload = {
        "format": TRUST_LIST_FORMAT,
        "platform": {"id": platform_id(), "name": settings.TONGBAN_PLATFORM_NAME},
        "sequence": int(now.timestamp()),
        "issued_at": now.isoformat(),
        "issuers": list(issuers.values()),
    }
    return _signed_document(payload, key)


@transaction.atomic
def trust_list_export(*, actor: Any = None) -> dict[str, Any]:
    """The signed trust list for another platform (makes the platform key on first use)."""
    platform_key_ensure(actor=actor)
    document = trust_list_document()
    if document is None:  # pragma: no cover - platform_key_ensure just made the key
        raise Conflict(_("平台签名密钥不可用。"))
    audit_record(
        actor=actor,
        action="licenses.trust.export",
        object_type="licenses.TrustList",
        summary={"issuers": len(document["payload"]["issuers"])},
    )
    return document


@transaction.atomic
def trust_list_import(*, actor: Any, document: Any) -> TrustedPlatform:
    """Import or refresh another platform's signed trust list. The platform's signing key is
    pinned at first import; later lists must be signed by it and be newer."""
    check_platform_admin(actor)
    payload, signature = check_signed_document(document, expected_format=TRUST_LIST_FORMAT)
    platform_info = payload.get("platform") or {}
    pid = str(platform_info.get("id") or "").strip()
    if not pid:
        raise ValidationFailed(_("信任列表缺少平台标识。"))
    if pid == platform_id():
        raise ValidationFailed(_("这是本平台自己的信任列表，无需导入。"))
    sequence = int(payload.get("sequence") or 0)
    platform = TrustedPlatform.objects.select_for_update().filter(platform_id=pid).first()
    if platform is None:
        platform = TrustedPlatform.objects.create(
            platform_id=pid,
            name=str(platform_info.get("name") or pid)[:200],
            algorithm=signature["alg"],
            kid=signature["kid"],
            public_pem=signature["public_pem"],
        )
    else:
        if platform.kid != signature["kid"]:
            raise ValidationFailed(
                _("该列表由未登记的密钥签名（%(k)s），与平台“%(p)s”已登记的密钥不符。")
                % {"k": signature["kid"], "p": platform.name},
                code="signature_untrusted",
            )
        if sequence <= platform.last_sequence:
            raise Conflict(_("该信任列表不比已导入的版本新（序号 %(s)d）。") % {"s": sequence})
    TrustedKey.objects.filter(issuer__platform=platform).update(is_active=False)
    issuer_count = key_count = 0
    for item in payload.get("issuers") or []:
        code = str(item.get("code") or "")[:100]
        if not code:
            continue
        issuer, _created = TrustedIssuer.objects.update_or_create(
            source=TrustSource.TRUST_LIST,
            country="CN",
            code=code,
            defaults={
                "platform": platform,
                "name": str(item.get("name") or code)[:300],
                "region_code": str(item.get("region_code") or "")[:12],
                "is_active": True,
            },
        )
        issuer_count += 1
        for key_item in item.get("keys") or []:
            public_pem = str(key_item.get("public_pem") or "")
            try:
                kid = public_key_id(public_pem.encode()).hex()
            except (ValueError, TypeError):
                continue
            if kid != key_item.get("kid") or key_item.get("alg") not in ALGORITHMS:
                continue
            TrustedKey.objects.update_or_create(
                issuer=issuer,
                kid=kid,
                defaults={
                    "algorithm": key_item["alg"],
                    "public_pem": public_pem,
                    "is_active": True,
                },
            )
            key_count += 1
    _forget_cached_keys()
    platform.last_sequence = sequence
    platform.last_imported_at = timezone.now()
    platform.save(update_fields=["last_sequence", "last_imported_at", "updated_at"])
    audit_record(
        actor=actor,
        action="licenses.trust.import",
        obj=platform,
        summary={"platform": pid, "sequence": sequence, "issuers": issuer_count, "keys": key_count},
    )
    return platform


@transaction.atomic
def trust_import_x509(*, actor: Any, pem: bytes, country: str = "") -> list[TrustedKey]:
    """Trust X.509 signer certificates (EU DCC document signers): kid = the first 8 bytes of the
    SHA-256 of the certificate's DER, as the EU DCC specification defines."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    check_platform_admin(actor)
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ValidationFailed(_("文件不是 PEM 格式的 X.509 证书。")) from exc
    keys: list[TrustedKey] = []
    for certificate in certificates:
        der = certificate.public_bytes(serialization.Encoding.DER)
        kid = hashlib.sha256(der).digest()[:8].hex()
        public = certificate.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            algorithm = "ES256"
        elif isinstance(public, rsa.RSAPublicKey):
            algorithm = "PS256"
        else:
            raise ValidationFailed(_("证书公钥类型不受支持（仅支持 EC P-256 与 RSA）。"))
        subject_country = [
            a.value for a in certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
        ]
        cc = (country or (subject_country[0] if subject_country else "") or "XX").upper()[:2]
        names = [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        orgs = [
            a.value for a in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        ]
        name = str((orgs or names or [cc])[0])
        issuer, _created = TrustedIssuer.objects.update_or_create(
            source=TrustSource.X509,
            country=cc,
            code=name[:100],
            defaults={"name": name[:300], "is_active": True},
        )
        key, _created = TrustedKey.objects.update_or_create(
            issuer=issuer,
            kid=kid,
            defaults={
                "algorithm": algorithm,
                "public_pem": public.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode(),
                "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
                "not_before": certificate.not_valid_before_utc,
                "not_after": certificate.not_valid_after_utc,
                "is_active": True,
            },
        )
        keys.append(key)
    if not keys:
        raise ValidationFailed(_("文件中没有证书。"))
    audit_record(
        actor=actor,
        action="licenses.trust.import_x509",
        object_type="licenses.TrustedKey",
        summary={"kids": [k.kid for k in keys], "country": country},
    )
    return keys


@transaction.atomic
def revocation_list_publish(*, actor: Any = None) -> RevocationList:
    """Sign and store the current list of our revoked licenses (for offline verifiers)."""
    key = platform_key_ensure(actor=actor)
    entries = [
        {
            "id": e.identifier,
            "issuer": e.issuer_code,
            "revoked_at": e.revoked_at.isoformat(),
            "reason": e.reason,
        }
        for e in RevocationEntry.objects.filter(platform__isnull=True).order_by("revoked_at", "id")
    ]
    last = RevocationList.objects.select_for_update().order_by("-sequence").first()
    sequence = (last.sequence if last else 0) + 1
    now = timezone.now()
    payload = {
        "format": REVOCATION_LIST_FORMAT,
        "platform": {"id": platform_id(), "name": settings.TONGBAN_PLATFORM_NAME},
        "sequence": sequence,
        "issued_at": now.isoformat(),
        "entries": entries,
    }
    published = RevocationList.objects.create(
        sequence=sequence,
        issued_at=now,
        document=_signed_document(payload, key),
        entry_count=len(entries),
    )
    audit_record(
        actor=actor,
        action="licenses.revocation.publish",
        obj=published,
        summary={"sequence": sequence, "entries": len(entries)},
    )
    return published


@transaction.atomic
def revocation_list_import(*, actor: Any, document: Any) -> int:
    """Import another (already trusted) platform's signed revocation list."""
    check_platform_admin(actor)
    payload, signature = check_signed_document(document, expected_format=REVOCATION_LIST_FORMAT)
    pid = str((payload.get("platform") or {}).get("id") or "")
    platform = TrustedPlatform.objects.filter(platform_id=pid).first()
    if platform is None or platform.kid != signature["kid"]:
        raise ValidationFailed(
            _("请先导入该平台的信任列表，再导入其撤销列表。"), code="signature_untrusted"
        )
    count = 0
    for entry in payload.get("entries") or []:
        identifier = str(entry.get("id") or "")[:120]
        if not identifier:
            continue
        try:
            revoked_at = datetime.fromisoformat(str(entry.get("revoked_at")))
        except ValueError:
            revoked_at = timezone.now()
        _obj, created = RevocationEntry.objects.get_or_create(
            identifier=identifier,
            platform=platform,
            defaults={
                "issuer_code": str(entry.get("issuer") or "")[:100],
                "revoked_at": revoked_at,
                "reason": str(entry.get("reason") or "")[:200],
            },
        )
        count += int(created)
    audit_record(
        actor=actor,
        action="licenses.revocation.import",
        obj=platform,
        summary={"new_entries": count},
    )
    return count


# --- bulk import -------------------------------------------------------------------------------


@transaction.atomic
def license_import_submit(
    *, actor: Any, license_type: LicenseType, issuer: ImplementingBody, filename: str, data: bytes
) -> ImportJob:
    """Queue a legacy registry file (CSV or Excel) for import; runs as a background task."""
    if actor is not None:
        check_can_issue(actor, issuer, roles=ADMIN_ROLES)
    name = (filename or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise ValidationFailed(
            _("请上传 CSV 或 Excel（.xlsx）文件。"),
            fields=[FieldProblem("file", _("文件类型不支持"))],
        )
    if not data:
        raise ValidationFailed(_("文件为空。"), fields=[FieldProblem("file", _("文件为空"))])
    _active_key(issuer)
    job = ImportJob.objects.create(
        license_type=license_type,
        issuer=issuer,
        filename=filename[:200],
        data=data,
        created_by=_user_or_none(actor),
    )
    audit_record(
        actor=actor,
        action="licenses.import.submit",
        obj=job,
        summary={"type": license_type.code, "issuer": issuer.credit_code, "bytes": len(data)},
    )
    from tongban.licenses.tasks import license_import_task

    transaction.on_commit(lambda: license_import_task.enqueue(job_id=job.pk))
    return job


def license_import_run(*, job_id: int) -> ImportJob:
    """Run one queued import (see licenses.importer); all rows or none."""
    from tongban.licenses.importer import run_import

    return run_import(job_id=job_id)


def claims_for_display(license: License) -> dict[str, Any]:
    return claims_of(license)
