"""Every write of the sharing app.

Catalog, requests and approvals, consumer apps and their client credentials (RFC 6749 §4.4:
the secret is shown once and kept as a salted SM3 digest; access tokens are opaque, kept as SM3
digests, 10 minutes), and the exchange itself: look-ups that return only the granted fields,
verification services that answer yes or no, each call logged in the exchange log and the
hash-chained audit log in one transaction, so no data leaves without its log row.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import blind_index, decrypt_text, encrypt_text, sm3_hex
from tongban.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import mask_citizen_id, mask_credit_code
from tongban.core.models import Department
from tongban.identity.oidc.client_secrets import check_secret, hash_secret
from tongban.licenses import selectors as licenses_selectors
from tongban.sharing.models import (
    AppSecret,
    AppToken,
    CallResult,
    ConsumerApp,
    DataField,
    DataRecord,
    DataResource,
    DataType,
    ExchangeLog,
    Grant,
    KeyKind,
    OpenType,
    Operation,
    RequestStatus,
    ResourceStatus,
    Sensitivity,
    ShareType,
    SharingRequest,
    Verifier,
)
from tongban.sharing.permissions import require_department

PAYLOAD_CONTEXT = "sharing.DataRecord.payload"
TOKEN_SECONDS = 600
TOKEN_CACHE_SECONDS = 10
SECRET_GRACE = timedelta(days=7)
MAX_PERIOD_DAYS = 3 * 366
RECORD_CHUNK = 2000
BUSINESS_LICENCE_TYPE = "CN-LIC-BUSINESS-LICENSE"
MARRIAGE_TYPE = "CN-LIC-MARRIAGE-CERT"


# --- errors the exchange answers with (stable codes, nothing about the subject) ----------------


class ExchangeRefused(DomainError):
    """A refused call. The message says what the consumer can do; it never says whether a
    subject exists or what another app may see."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message=message, code=code, status=status)


def _refusal_no_grant() -> ExchangeRefused:
    return ExchangeRefused(
        _("本系统没有该资源的有效共享授权，或授权已到期。请在共享交换平台提交共享申请。"),
        code="no_grant",
        status=403,
    )


# --- keys and payloads -------------------------------------------------------------------------


def key_purpose(key_kind: str) -> str:
    return f"sharing.key.{key_kind}"


def subject_index(key_kind: str, key: str) -> str:
    return blind_index(key, purpose=key_purpose(key_kind))


def mask_key(key_kind: str, key: str) -> str:
    key = (key or "").strip().upper()
    if key_kind == KeyKind.ID_NUMBER:
        return mask_citizen_id(key) if len(key) == 18 else "****"
    if key_kind == KeyKind.CREDIT_CODE:
        return mask_credit_code(key) if len(key) == 18 else "****"
    if len(key) > 6:
        return key[:2] + "*" * (len(key) - 4) + key[-2:]
    return "****"


def resource_is_encrypted(fields: Iterable[DataField]) -> bool:
    return any(f.sensitivity != Sensitivity.PUBLIC for f in fields)


def encode_payload(row: dict[str, Any], *, encrypted: bool) -> str:
    text = json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str)
    return encrypt_text(text, context=PAYLOAD_CONTEXT) if encrypted else text


def decode_payload(record: DataRecord | tuple[str, bool]) -> dict[str, Any]:
    payload, encrypted = (
        (record.payload, record.encrypted) if isinstance(record, DataRecord) else record
    )
    text = decrypt_text(payload, context=PAYLOAD_CONTEXT) if encrypted else payload
    return json.loads(text)


def OPEN_NEEDS_PUBLIC() -> str:  # noqa: N802 - a translated constant
    return _("只有全部信息项都是“公开”级别的资源才能无条件开放；含个人信息的资源不能开放。")


# --- catalog -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    data_type: str = "string"
    sensitivity: str = Sensitivity.INTERNAL


FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def field_problems(fields: list[FieldSpec]) -> list[FieldProblem]:
    """What is wrong with a list of 信息项, each problem saying what to fix."""
    problems: list[FieldProblem] = []
    if not fields:
        problems.append(FieldProblem("fields", _("请至少登记一个信息项。")))
    seen: set[str] = set()
    for i, f in enumerate(fields, start=1):
        where = _("第 %(n)s 个信息项") % {"n": i}
        if not FIELD_NAME.match(f.name or ""):
            problems.append(
                FieldProblem(
                    f"fields.{i - 1}.name",
                    _(
                        "%(where)s的标识应以小写英文字母开头，只含小写字母、数字和下划线，例如 id_number。"
                    )
                    % {"where": where},
                )
            )
        elif f.name in seen:
            problems.append(
                FieldProblem(
                    f"fields.{i - 1}.name",
                    _("信息项标识“%(name)s”重复了，每个信息项的标识必须不同。") % {"name": f.name},
                )
            )
        seen.add(f.name)
        if not (f.label or "").strip() or len(f.label) > 100:
            problems.append(
                FieldProblem(
                    f"fields.{i - 1}.label",
                    _("请填写%(where)s的中文名称（100字以内）。") % {"where": where},
                )
            )
        if f.data_type not in DataType.values:
            problems.append(
                FieldProblem(
                    f"fields.{i - 1}.data_type",
                    _("请为%(where)s选择数据类型。") % {"where": where},
                )
            )
        if f.sensitivity not in Sensitivity.values:
            problems.append(
                FieldProblem(
                    f"fields.{i - 1}.sensitivity",
                    _("请为%(where)s选择敏感级别。") % {"where": where},
                )
            )
    return problems


def _resource_summary(resource: DataResource) -> dict[str, Any]:
    return {
        "code": resource.code,
        "provider": resource.provider_id,
        "share_type": resource.share_type,
        "open_type": resource.open_type,
        "status": resource.status,
    }


@transaction.atomic
def resource_create(
    *,
    actor: Any,
    provider: Department,
    code: str,
    name: str,
    legal_basis: str,
    fields: list[FieldSpec],
    **attrs: Any,
) -> DataResource:
    """Publish a resource of `provider` with its fields (信息项)."""
    require_department(actor, provider)
    problems: list[FieldProblem] = []
    code = code.strip()
    if not code:
        problems.append(FieldProblem("code", _("请填写信息资源代码。")))
    if not name.strip():
        problems.append(FieldProblem("name", _("请填写信息资源名称。")))
    if not legal_basis.strip():
        problems.append(
            FieldProblem("legal_basis", _("请填写法律依据；不予共享的资源必须写明依据。"))
        )
    problems += field_problems(fields)
    names = [f.name for f in fields]
    key_field = attrs.get("key_field", "")
    if key_field and key_field not in names:
        problems.append(FieldProblem("key_field", _("标识信息项必须是本资源的信息项之一。")))
    if attrs.get("open_type") == OpenType.OPEN and any(
        f.sensitivity != Sensitivity.PUBLIC for f in fields
    ):
        problems.append(FieldProblem("open_type", OPEN_NEEDS_PUBLIC()))
    if problems:
        raise ValidationFailed(_("信息资源登记不完整，请按提示补充。"), fields=problems)
    if DataResource.objects.filter(code=code).exists():
        raise Conflict(_("信息资源代码 %(code)s 已被使用，请换一个代码。") % {"code": code})
    resource = DataResource.objects.create(
        provider=provider,
        code=code,
        name=name.strip(),
        legal_basis=legal_basis.strip(),
        published_on=attrs.pop("published_on", None) or timezone.localdate(),
        **attrs,
    )
    DataField.objects.bulk_create(
        DataField(
            resource=resource,
            name=f.name,
            label=f.label,
            data_type=f.data_type,
            sensitivity=f.sensitivity,
            position=i,
        )
        for i, f in enumerate(fields)
    )
    audit_record(
        actor=actor,
        action="sharing.resource.create",
        obj=resource,
        summary={**_resource_summary(resource), "fields": names},
    )
    return resource


@transaction.atomic
def resource_update(*, actor: Any, resource: DataResource, **changes: Any) -> DataResource:
    """Change catalog attributes (share type, open type, status, …) of a resource."""
    require_department(actor, resource.provider)
    allowed = {
        "name",
        "summary",
        "share_type",
        "share_condition",
        "open_type",
        "update_frequency",
        "format",
        "legal_basis",
        "status",
        "license",
        "keywords",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("这些属性不能修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    if (
        changes.get("open_type") == OpenType.OPEN
        and resource.fields.exclude(sensitivity=Sensitivity.PUBLIC).exists()
    ):
        raise ValidationFailed(
            OPEN_NEEDS_PUBLIC(), fields=[FieldProblem("open_type", OPEN_NEEDS_PUBLIC())]
        )
    before = _resource_summary(resource)
    for key, value in changes.items():
        setattr(resource, key, value)
    try:
        resource.full_clean(exclude=["provider"])
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("资源属性有误，请按提示修改。"),
            fields=[
                FieldProblem(name, "；".join(str(m) for m in messages))
                for name, messages in exc.message_dict.items()
            ],
        ) from exc
    resource.save()
    audit_record(
        actor=actor,
        action="sharing.resource.update",
        obj=resource,
        summary={"before": before, "after": _resource_summary(resource)},
    )
    return resource


def _fields_in_use(resource: DataResource) -> set[str]:
    """Fields a live grant or an open request names: removing them would break an agreement."""
    today = timezone.localdate()
    used: set[str] = set()
    for names in Grant.objects.filter(
        resource=resource, revoked_at__isnull=True, valid_until__gte=today
    ).values_list("fields", flat=True):
        used.update(names or [])
    for names in SharingRequest.objects.filter(
        resource=resource, status__in=[RequestStatus.PENDING, RequestStatus.NEEDS_INFO]
    ).values_list("fields", flat=True):
        used.update(names or [])
    return used


@transaction.atomic
def resource_fields_set(
    *, actor: Any, resource: DataResource, fields: list[FieldSpec], open_type: str | None = None
) -> DataResource:
    """Replace the 信息项 of a resource: add, relabel, retype, reclassify, remove (not those a
    live grant, an open request or the look-up key needs). `open_type` is the open type the
    resource will have, when the caller changes it in the same edit."""
    require_department(actor, resource.provider)
    problems = field_problems(fields)
    names = [f.name for f in fields]
    current = {f.name: f for f in resource.fields.all()}
    removed = sorted(set(current) - set(names))
    if resource.key_field and resource.key_field in removed:
        problems.append(
            FieldProblem(
                "fields",
                _("信息项“%(name)s”是本资源的查询标识，不能删除。") % {"name": resource.key_field},
            )
        )
    in_use = sorted(set(removed) & _fields_in_use(resource))
    if in_use:
        problems.append(
            FieldProblem(
                "fields",
                _(
                    "信息项“%(names)s”正被有效的共享授权或待答复的申请使用，不能删除；请先终止授权或答复申请。"
                )
                % {"names": "、".join(in_use)},
            )
        )
    if (open_type or resource.open_type) == OpenType.OPEN and any(
        f.sensitivity != Sensitivity.PUBLIC for f in fields
    ):
        problems.append(FieldProblem("open_type", OPEN_NEEDS_PUBLIC()))
    if problems:
        raise ValidationFailed(_("信息项有误，请按提示修改。"), fields=problems)
    changed = []
    for position, spec in enumerate(fields):
        row = current.get(spec.name)
        values = {
            "label": spec.label.strip(),
            "data_type": spec.data_type,
            "sensitivity": spec.sensitivity,
            "position": position,
        }
        if row is None:
            DataField.objects.create(resource=resource, name=spec.name, **values)
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            if (row.label, row.data_type, row.sensitivity) != (
                values["label"],
                values["data_type"],
                values["sensitivity"],
            ):
                changed.append(spec.name)
            DataField.objects.filter(pk=row.pk).update(**values)
    if removed:
        DataField.objects.filter(resource=resource, name__in=removed).delete()
    added = [n for n in names if n not in current]
    if added or removed or changed:
        audit_record(
            actor=actor,
            action="sharing.resource.fields",
            obj=resource,
            summary={"added": added, "removed": removed, "changed": changed},
        )
    return resource


@transaction.atomic
def resource_revise(
    *, actor: Any, resource: DataResource, fields: list[FieldSpec], **changes: Any
) -> DataResource:
    """One edit of a resource's catalog entry: its fields and its attributes, all or nothing."""
    resource_fields_set(
        actor=actor, resource=resource, fields=fields, open_type=changes.get("open_type")
    )
    return resource_update(actor=actor, resource=resource, **changes)


def _row_key(resource: DataResource, row: dict[str, Any]) -> str:
    if resource.key_kind == KeyKind.NONE or not resource.key_field:
        return ""
    value = str(row.get(resource.key_field) or "").strip()
    if not value:
        raise ValidationFailed(
            _("数据行缺少标识信息项 %(f)s。") % {"f": resource.key_field},
            fields=[FieldProblem(resource.key_field, _("此项为必填项。"))],
        )
    return subject_index(resource.key_kind, value)


def records_load(
    *, actor: Any, resource: DataResource, rows: Iterable[dict[str, Any]], replace: bool = False
) -> int:
    """Load records into a resource in chunks (streamed: `rows` may be a generator of millions).
    Rows are cut to the resource's fields; a key that is already there is replaced."""
    require_department(actor, resource.provider)
    fields = list(resource.fields.all())
    names = [f.name for f in fields]
    encrypted = resource_is_encrypted(fields)
    total = 0
    if replace:
        with transaction.atomic():
            DataRecord.objects.filter(resource=resource).delete()
    chunk: list[DataRecord] = []

    def flush() -> None:
        with transaction.atomic():
            keys = [r.key_index for r in chunk if r.key_index]
            if keys and not replace:
                DataRecord.objects.filter(resource=resource, key_index__in=keys).delete()
            DataRecord.objects.bulk_create(chunk, batch_size=500)
        chunk.clear()

    for row in rows:
        clean = {name: row.get(name) for name in names}
        chunk.append(
            DataRecord(
                resource=resource,
                key_index=_row_key(resource, clean),
                payload=encode_payload(clean, encrypted=encrypted),
                encrypted=encrypted,
            )
        )
        total += 1
        if len(chunk) >= RECORD_CHUNK:
            flush()
    if chunk:
        flush()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="sharing.records.load",
            obj=resource,
            summary={"rows": total, "replace": replace},
        )
    return total


# --- requests and approvals ------------------------------------------------------------------


def _check_fields(resource: DataResource, wanted: list[str], *, field: str) -> list[str]:
    names = list(resource.fields.values_list("name", flat=True))
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        raise ValidationFailed(
            _("请至少选择一个信息项；按最小必要原则，只选业务确实需要的信息项。"),
            fields=[FieldProblem(field, _("请至少选择一个信息项。"))],
        )
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise ValidationFailed(
            _("这些信息项不属于该资源：%(f)s") % {"f": "、".join(unknown)},
            fields=[FieldProblem(field, _("请从资源的信息项中选择。"))],
        )
    return [n for n in names if n in wanted]


def _request_summary(req: SharingRequest) -> dict[str, Any]:
    return {
        "resource": req.resource.code,
        "consumer": req.consumer_id,
        "system": req.system_name,
        "purpose": req.purpose,
        "fields": req.fields,
        "approved_fields": req.approved_fields,
        "period": [req.valid_from, req.valid_until],
        "status": req.status,
    }


def _app_for(department: Department, system_name: str) -> ConsumerApp:
    app, _created = ConsumerApp.objects.get_or_create(
        department=department,
        name=system_name,
        defaults={"client_id": "tbx_" + secrets.token_hex(10)},
    )
    return app


def _issue_grant(req: SharingRequest, fields: list[str]) -> Grant:
    app = _app_for(req.consumer, req.system_name)
    req.app = app
    req.approved_fields = fields
    req.status = RequestStatus.APPROVED
    req.save()
    return Grant.objects.create(
        request=req,
        app=app,
        resource=req.resource,
        fields=fields,
        purpose=req.purpose,
        valid_from=req.valid_from,
        valid_until=req.valid_until,
    )


@transaction.atomic
def request_submit(
    *,
    actor: Any,
    resource: DataResource,
    consumer: Department,
    system_name: str,
    purpose: str,
    legal_basis: str,
    fields: list[str],
    valid_from: date,
    valid_until: date,
) -> SharingRequest:
    """A consumer department asks for a resource. Unconditional resources are granted at once
    (no conditions may be added to them); 不予共享 resources cannot be requested."""
    require_department(actor, consumer)
    if resource.status != ResourceStatus.PUBLISHED:
        raise NotFound()
    if resource.share_type == ShareType.NONE:
        raise ValidationFailed(
            _("该资源不予共享（依据：%(basis)s），无法申请。如有疑义请联系提供部门。")
            % {"basis": resource.legal_basis}
        )
    problems: list[FieldProblem] = []
    if not system_name.strip():
        problems.append(FieldProblem("system_name", _("请填写使用该数据的应用系统名称。")))
    if not purpose.strip():
        problems.append(FieldProblem("purpose", _("请写明用途和应用场景。")))
    if not legal_basis.strip():
        problems.append(FieldProblem("legal_basis", _("请写明申请依据（法律法规或职责文件）。")))
    if valid_until < valid_from:
        problems.append(FieldProblem("valid_until", _("使用期限的结束日期不能早于开始日期。")))
    elif (valid_until - valid_from).days > MAX_PERIOD_DAYS:
        problems.append(FieldProblem("valid_until", _("使用期限最长三年，到期后可再次申请。")))
    if valid_until < timezone.localdate():
        problems.append(FieldProblem("valid_until", _("使用期限已经过去，请重新选择。")))
    if problems:
        raise ValidationFailed(_("共享申请不完整，请按提示修改。"), fields=problems)
    chosen = _check_fields(resource, fields, field="fields")
    req = SharingRequest.objects.create(
        resource=resource,
        consumer=consumer,
        system_name=system_name.strip(),
        purpose=purpose.strip(),
        legal_basis=legal_basis.strip(),
        fields=chosen,
        valid_from=valid_from,
        valid_until=valid_until,
        requested_by=actor,
    )
    if resource.share_type == ShareType.UNCONDITIONAL:
        req.decided_at = timezone.now()
        req.reply = _("无条件共享资源，自动授权。")
        _issue_grant(req, chosen)
    audit_record(
        actor=actor, action="sharing.request.submit", obj=req, summary=_request_summary(req)
    )
    return req


@transaction.atomic
def request_decide(
    *,
    actor: Any,
    request: SharingRequest,
    decision: str,
    fields: list[str] | None = None,
    reply: str = "",
) -> SharingRequest:
    """The provider answers: "approve" (possibly fewer fields), "refuse" (with a reason) or
    "ask" (asks the consumer for more)."""
    require_department(actor, request.resource.provider)
    if request.status not in (RequestStatus.PENDING, RequestStatus.NEEDS_INFO):
        raise Conflict(_("该申请已经答复，不能重复处理。"))
    reply = reply.strip()
    if decision == "approve":
        approved = _check_fields(request.resource, fields or request.fields, field="fields")
        extra = [f for f in approved if f not in request.fields]
        if extra:
            raise ValidationFailed(
                _("只能同意申请中的信息项，不能增加：%(f)s") % {"f": "、".join(extra)},
                fields=[FieldProblem("fields", _("请从申请的信息项中选择。"))],
            )
        request.reply = reply
        request.decided_by = actor
        request.decided_at = timezone.now()
        _issue_grant(request, approved)
    elif decision in ("refuse", "ask"):
        if not reply:
            message = (
                _("拒绝共享必须说明理由和依据。")
                if decision == "refuse"
                else _("请写明需要申请部门补充的内容。")
            )
            raise ValidationFailed(message, fields=[FieldProblem("reply", message)])
        request.status = RequestStatus.REFUSED if decision == "refuse" else RequestStatus.NEEDS_INFO
        request.reply = reply
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save()
    else:
        raise ValidationFailed(_("请选择同意、拒绝或要求补充。"))
    audit_record(
        actor=actor,
        action=f"sharing.request.{decision}",
        obj=request,
        summary=_request_summary(request),
        reason=reply[:500],
    )
    return request


@transaction.atomic
def request_supplement(
    *,
    actor: Any,
    request: SharingRequest,
    supplement: str,
    purpose: str = "",
    legal_basis: str = "",
) -> SharingRequest:
    """The consumer answers the provider's question; the request goes back to the provider."""
    require_department(actor, request.consumer)
    if request.status != RequestStatus.NEEDS_INFO:
        raise Conflict(_("只有“待补充”的申请可以补充材料。"))
    if not supplement.strip():
        raise ValidationFailed(
            _("请填写补充说明。"), fields=[FieldProblem("supplement", _("请填写补充说明。"))]
        )
    request.supplement = supplement.strip()
    if purpose.strip():
        request.purpose = purpose.strip()
    if legal_basis.strip():
        request.legal_basis = legal_basis.strip()
    request.status = RequestStatus.PENDING
    request.save()
    audit_record(
        actor=actor,
        action="sharing.request.supplement",
        obj=request,
        summary=_request_summary(request),
    )
    return request


@transaction.atomic
def grant_revoke(*, actor: Any, grant: Grant, reason: str) -> Grant:
    require_department(actor, grant.resource.provider)
    if not reason.strip():
        raise ValidationFailed(_("请写明终止授权的理由。"))
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="sharing.grant.revoke",
        obj=grant,
        summary={"app": grant.app.client_id, "resource": grant.resource.code},
        reason=reason.strip()[:500],
    )
    return grant


# --- consumer apps and credentials -------------------------------------------------------------


@transaction.atomic
def app_secret_issue(*, actor: Any, app: ConsumerApp) -> tuple[AppSecret, str]:
    """A new client secret (shown once). Older secrets stay valid for a grace period so the
    consumer can switch without downtime (key rotation), then stop working."""
    require_department(actor, app.department)
    now = timezone.now()
    raw = secrets.token_urlsafe(36)
    for old in app.secrets.filter(revoked_at__isnull=True):
        if old.expires_at is None or old.expires_at > now + SECRET_GRACE:
            old.expires_at = now + SECRET_GRACE
            old.save(update_fields=["expires_at"])
    secret = AppSecret.objects.create(app=app, secret_hash=hash_secret(raw), hint=raw[-4:])
    audit_record(
        actor=actor,
        action="sharing.app.secret_issue",
        obj=app,
        summary={"client_id": app.client_id, "secret": secret.pk, "hint": secret.hint},
    )
    return secret, raw


@transaction.atomic
def app_secret_revoke(*, actor: Any, secret: AppSecret) -> AppSecret:
    require_department(actor, secret.app.department)
    if secret.revoked_at is None:
        secret.revoked_at = timezone.now()
        secret.save(update_fields=["revoked_at"])
        AppToken.objects.filter(app=secret.app).delete()
    audit_record(
        actor=actor,
        action="sharing.app.secret_revoke",
        obj=secret.app,
        summary={"client_id": secret.app.client_id, "secret": secret.pk},
    )
    return secret


@transaction.atomic
def app_set_limits(
    *, actor: Any, app: ConsumerApp, daily_quota: int, rate_per_minute: int, is_active: bool = True
) -> ConsumerApp:
    require_department(actor, app.department)
    if daily_quota < 1 or rate_per_minute < 1:
        raise ValidationFailed(_("调用上限必须是正整数。"))
    app.daily_quota, app.rate_per_minute, app.is_active = daily_quota, rate_per_minute, is_active
    app.save(update_fields=["daily_quota", "rate_per_minute", "is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="sharing.app.limits",
        obj=app,
        summary={
            "daily_quota": daily_quota,
            "rate_per_minute": rate_per_minute,
            "active": is_active,
        },
    )
    return app


class InvalidClient(DomainError):
    def __init__(self) -> None:
        super().__init__(
            message=_("客户端标识或密钥不正确，或密钥已失效。"), code="invalid_client", status=401
        )


@transaction.atomic
def token_issue(*, client_id: str, client_secret: str) -> tuple[str, int]:
    """OAuth 2.0 client credentials grant: a bearer token for `TOKEN_SECONDS`."""
    now = timezone.now()
    app = ConsumerApp.objects.filter(client_id=client_id, is_active=True).first()
    if app is None:
        raise InvalidClient()
    live = [
        s
        for s in app.secrets.filter(revoked_at__isnull=True)
        if s.expires_at is None or s.expires_at > now
    ]
    if not any(check_secret(client_secret, s.secret_hash) for s in live):
        raise InvalidClient()
    raw = secrets.token_urlsafe(32)
    AppToken.objects.filter(app=app, expires_at__lt=now).delete()
    AppToken.objects.create(
        app=app,
        token_digest=sm3_hex(raw.encode()),
        expires_at=now + timedelta(seconds=TOKEN_SECONDS),
    )
    audit_record(actor=app, action="sharing.token.issue", obj=app, summary={"client_id": client_id})
    return raw, TOKEN_SECONDS


def app_for_token(raw: str) -> ConsumerApp | None:
    """The app a bearer token belongs to, or None (unknown, expired, app disabled)."""
    if not raw:
        return None
    digest = sm3_hex(raw.encode())
    cache_key = f"sharing:token:{digest}"
    app_id = cache.get(cache_key)
    if app_id is None:
        token = (
            AppToken.objects.filter(token_digest=digest, expires_at__gt=timezone.now())
            .only("app_id", "expires_at")
            .first()
        )
        if token is None:
            return None
        app_id = token.app_id
        ttl = int((token.expires_at - timezone.now()).total_seconds())
        if ttl > 1:
            # Short: a revoked secret or disabled app must stop working within seconds on
            # every worker (a per-process cache cannot be invalidated from another one).
            cache.set(cache_key, app_id, min(ttl, TOKEN_CACHE_SECONDS))
    return (
        ConsumerApp.objects.select_related("department").filter(pk=app_id, is_active=True).first()
    )


# --- the exchange --------------------------------------------------------------------------


def _count_call(app: ConsumerApp) -> None:
    """Rate limit per minute and daily quota per app (cache counters: Redis in production)."""
    now = timezone.now()
    minute_key = f"sharing:rate:{app.pk}:{now:%Y%m%d%H%M}"
    cache.add(minute_key, 0, 120)
    try:
        used = cache.incr(minute_key)
    except ValueError:
        cache.set(minute_key, 1, 120)
        used = 1
    if used > app.rate_per_minute:
        raise ExchangeRefused(
            _("调用过于频繁：本系统每分钟最多调用 %(n)d 次，请稍后重试。")
            % {"n": app.rate_per_minute},
            code="rate_limited",
            status=429,
        )
    today = timezone.localdate()
    day_key = f"sharing:quota:{app.pk}:{today:%Y%m%d}"
    if cache.get(day_key) is None:
        start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
        cache.add(
            day_key,
            ExchangeLog.objects.filter(app=app, occurred_at__gte=start).count(),
            2 * 86400,
        )
    try:
        used_today = cache.incr(day_key)
    except ValueError:
        used_today = 1
    if used_today > app.daily_quota:
        raise ExchangeRefused(
            _("本系统今日调用次数已达上限（%(n)d 次），明日恢复；如需提高请联系提供部门。")
            % {"n": app.daily_quota},
            code="quota_exceeded",
            status=429,
        )


def active_grant(app: ConsumerApp, resource: DataResource) -> Grant | None:
    today = timezone.localdate()
    return (
        Grant.objects.filter(
            app=app,
            resource=resource,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .first()
    )


def _published(code: str) -> DataResource | None:
    return (
        DataResource.objects.select_related("provider")
        .filter(code=code, status=ResourceStatus.PUBLISHED)
        .first()
    )


@dataclass(frozen=True)
class CallContext:
    app: ConsumerApp
    reason: str


def _log(
    *,
    app: ConsumerApp | None,
    consumer: Department | None,
    consumer_label: str,
    resource: DataResource | None,
    operation: str,
    purpose: str,
    reason: str,
    key_kind: str,
    key: str,
    fields: list[str],
    result: str,
    refusal_code: str = "",
    records: int = 0,
    nbytes: int = 0,
    actor: Any = None,
) -> ExchangeLog:
    """Exchange log row + audit entry; call inside the transaction that releases the data."""
    index = subject_index(key_kind, key) if key and key_kind != KeyKind.NONE else ""
    log = ExchangeLog.objects.create(
        occurred_at=timezone.now(),
        app=app,
        consumer=consumer,
        consumer_label=consumer_label[:200],
        resource=resource,
        operation=operation,
        purpose=purpose[:500],
        reason=reason[:200],
        subject_index=index,
        subject_masked=mask_key(key_kind, key) if index else "",
        fields=fields,
        result=result,
        refusal_code=refusal_code,
        records=records,
        bytes=nbytes,
    )
    entry = audit_record(
        actor=actor if actor is not None else app,
        action=f"sharing.exchange.{operation}",
        obj=log,
        summary={
            "app": app.client_id if app else "",
            "consumer": consumer_label,
            "resource": resource.code if resource else "",
            "subject": index,
            "fields": fields,
            "result": result,
            "refusal": refusal_code,
            "purpose": purpose,
        },
        reason=reason,
    )
    log.audit_entry = entry  # the entry names the log row (object_id), not the reverse
    return log


def _refuse(
    ctx: CallContext,
    *,
    error: ExchangeRefused,
    resource: DataResource | None,
    operation: str,
    key_kind: str = KeyKind.NONE,
    key: str = "",
) -> ExchangeRefused:
    """Log a refused call (in its own transaction: the refusal is the answer) and return the
    error to raise."""
    with transaction.atomic():
        _log(
            app=ctx.app,
            consumer=ctx.app.department,
            consumer_label=f"{ctx.app.department.name}·{ctx.app.name}",
            resource=resource,
            operation=operation,
            purpose="",
            reason=ctx.reason,
            key_kind=key_kind,
            key=key,
            fields=[],
            result=CallResult.REFUSED,
            refusal_code=error.code,
        )
    return error


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("每次调用都必须写明事由（如办件编号），用于告知数据主体。"),
            fields=[FieldProblem("reason", _("此项为必填项。"))],
        )
    return reason[:200]


def _checked_grant(
    ctx: CallContext, code: str, operation: str, *, key_kind: str = KeyKind.NONE, key: str = ""
) -> tuple[DataResource, Grant]:
    today = timezone.localdate()
    # The common case in one query: the app's live grant with its published resource.
    grant = (
        Grant.objects.select_related("resource__provider")
        .filter(
            app=ctx.app,
            resource__code=code,
            resource__status=ResourceStatus.PUBLISHED,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .first()
    )
    resource = grant.resource if grant is not None else _published(code)
    if resource is None:
        # A code that does not exist and one this app may not use read the same.
        raise _refuse(ctx, error=_refusal_no_grant(), resource=None, operation=operation)
    if grant is None:
        raise _refuse(
            ctx,
            error=_refusal_no_grant(),
            resource=resource,
            operation=operation,
            key_kind=resource.key_kind,
            key=key,
        )
    try:
        _count_call(ctx.app)
    except ExchangeRefused as exc:
        raise _refuse(
            ctx,
            error=exc,
            resource=resource,
            operation=operation,
            key_kind=resource.key_kind,
            key=key,
        ) from None
    return resource, grant


def _normalised_key(resource: DataResource, key: str) -> str:
    key = (key or "").strip().upper()
    if not key:
        raise ValidationFailed(
            _("请提供查询标识（%(kind)s）。") % {"kind": resource.get_key_kind_display()},
            fields=[FieldProblem("key", _("此项为必填项。"))],
        )
    return key


def exchange_lookup(*, app: ConsumerApp, resource_code: str, key: str, reason: str) -> dict:
    """Look up one record by its key; only the granted fields leave."""
    ctx = CallContext(app=app, reason=_require_reason(reason))
    resource, grant = _checked_grant(ctx, resource_code, Operation.LOOKUP, key=key)
    if resource.key_kind == KeyKind.NONE or resource.verifier:
        raise _refuse(
            ctx,
            error=ExchangeRefused(
                _("该资源不提供按标识查询，请使用批量交换或核验接口。"),
                code="not_lookup",
                status=400,
            ),
            resource=resource,
            operation=Operation.LOOKUP,
        )
    key = _normalised_key(resource, key)
    index = subject_index(resource.key_kind, key)
    # Read and decrypt before the write transaction (SQLite takes its write lock at BEGIN);
    # nothing is returned unless the log row and audit entry below have committed.
    record = (
        DataRecord.objects.filter(resource=resource, key_index=index)
        .only("payload", "encrypted")
        .order_by("-id")
        .first()
    )
    data: dict[str, Any] = {}
    if record is not None:
        row = decode_payload(record)
        data = {name: row.get(name) for name in grant.fields}
    body = json.dumps(data, ensure_ascii=False).encode() if record else b""
    with transaction.atomic():
        log = _log(
            app=app,
            consumer=app.department,
            consumer_label=f"{app.department.name}·{app.name}",
            resource=resource,
            operation=Operation.LOOKUP,
            purpose=grant.purpose,
            reason=ctx.reason,
            key_kind=resource.key_kind,
            key=key,
            fields=list(grant.fields) if record else [],
            result=CallResult.OK if record else CallResult.NOT_FOUND,
            records=1 if record else 0,
            nbytes=len(body),
        )
    return {
        "resource": resource.code,
        "found": record is not None,
        "fields": data,
        "provider": resource.provider.name,
        "log_id": str(log.pk),
    }


def _verify_person(payload: dict[str, Any]) -> tuple[str, str, bool]:
    from tongban.identity.registries import person_registry

    name = str(payload.get("name") or "").strip()
    number = str(payload.get("id_number") or "").strip().upper()
    if not name or not number:
        raise ValidationFailed(
            _("请提供姓名和公民身份号码。"),
            fields=[
                FieldProblem(f, _("此项为必填项。"))
                for f, v in (("name", name), ("id_number", number))
                if not v
            ],
        )
    answer = person_registry().verify(name=name, id_number=number)
    return KeyKind.ID_NUMBER, number, answer.matched


def _licenses_selectors() -> Any:
    """The electronic licence registry (a seam: a deployment without it answers 503)."""
    return licenses_selectors


def _verify_licence(
    payload: dict[str, Any], *, license_type: str, key_name: str
) -> tuple[str, str, bool]:
    key = str(payload.get(key_name) or "").strip().upper()
    if not key:
        raise ValidationFailed(
            _("请提供查询标识。"), fields=[FieldProblem(key_name, _("此项为必填项。"))]
        )
    selectors = _licenses_selectors()
    if selectors is None:
        raise ExchangeRefused(
            _("电子证照库暂不可用，请稍后重试。"), code="source_unavailable", status=503
        )
    valid = selectors.licenses_valid_for_holder(license_type_code=license_type, holder_key=key)
    kind = KeyKind.ID_NUMBER if key_name == "id_number" else KeyKind.CREDIT_CODE
    return kind, key, bool(valid)


def exchange_verify(
    *, app: ConsumerApp, resource_code: str, payload: dict[str, Any], reason: str
) -> bool:
    """A verification service (核验): true or false, never data."""
    ctx = CallContext(app=app, reason=_require_reason(reason))
    resource, grant = _checked_grant(ctx, resource_code, Operation.VERIFY)
    # The log names only what the verifier read, not whatever else the caller sent along.
    if resource.verifier == Verifier.PERSON_NAME_ID:
        kind, key, ok = _verify_person(payload)
        read = ["id_number", "name"]
    elif resource.verifier == Verifier.BUSINESS_LICENCE:
        kind, key, ok = _verify_licence(
            payload, license_type=BUSINESS_LICENCE_TYPE, key_name="credit_code"
        )
        read = ["credit_code"]
    elif resource.verifier == Verifier.MARRIAGE:
        kind, key, ok = _verify_licence(payload, license_type=MARRIAGE_TYPE, key_name="id_number")
        read = ["id_number"]
    else:
        raise _refuse(
            ctx,
            error=ExchangeRefused(
                _("该资源不是核验服务，请使用数据查询接口。"), code="not_verification", status=400
            ),
            resource=resource,
            operation=Operation.VERIFY,
        )
    with transaction.atomic():
        _log(
            app=app,
            consumer=app.department,
            consumer_label=f"{app.department.name}·{app.name}",
            resource=resource,
            operation=Operation.VERIFY,
            purpose=grant.purpose,
            reason=ctx.reason,
            key_kind=kind,
            key=key,
            fields=read,
            result=CallResult.MATCH if ok else CallResult.MISMATCH,
            records=0,
            nbytes=0,
        )
    return ok


# --- records read for a whole resource (bulk export, open data) -------------------------------


def iter_rows(
    resource: DataResource, *, fields: list[str], after_id: int = 0, chunk: int = 5000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record id, row) in id order from `after_id`, streamed chunk by chunk (keyset paging:
    never the whole table in memory)."""
    last = after_id
    while True:
        batch = list(
            DataRecord.objects.filter(resource=resource, id__gt=last)
            .order_by("id")
            .values_list("id", "payload", "encrypted")[:chunk]
        )
        if not batch:
            return
        for pk, payload, encrypted in batch:
            row = decode_payload((payload, encrypted))
            yield pk, {name: row.get(name) for name in fields}
        last = batch[-1][0]


@transaction.atomic
def log_system_read(
    *,
    actor: Any,
    consumer: Department | None,
    consumer_label: str,
    resource: DataResource,
    operation: str,
    purpose: str,
    reason: str,
    key: str = "",
    fields: list[str],
    result: str,
    records: int = 0,
    nbytes: int = 0,
) -> ExchangeLog:
    """Log a read that is not an app call (免提交 by the case system, bulk, open-data download)."""
    return _log(
        app=None,
        consumer=consumer,
        consumer_label=consumer_label,
        resource=resource,
        operation=operation,
        purpose=purpose,
        reason=reason,
        key_kind=resource.key_kind if key else KeyKind.NONE,
        key=key,
        fields=fields,
        result=result,
        records=records,
        nbytes=nbytes,
        actor=actor,
    )


def ensure_not_refused(resource: DataResource) -> None:
    if resource.share_type == ShareType.NONE:
        raise PermissionDenied(_("该资源不予共享。"))
