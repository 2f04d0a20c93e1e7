"""免提交: the "sharing" material source of the cases registry (cases/sources.py).

A guide material whose `data_resource_code` names a resource can be filled from shared data
instead of an upload when the platform may read that resource for this applicant: the resource
is shared unconditionally, or the platform's case system (an app named PLATFORM_SYSTEM_NAME)
holds an active grant for it, and the resource has a record under the applicant's key. The
applicant's consent is recorded per case (MaterialConsent); every read — at authorization and
each time a reviewer opens the evidence — is logged in the exchange log and the audit chain, so
the applicant sees it on the right-to-know page.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.sources import Holder, MaterialEvidence, MaterialNeed, MaterialOffer
from tongban.core.errors import NotFound, ValidationFailed
from tongban.sharing.models import (
    CallResult,
    DataRecord,
    DataResource,
    Grant,
    KeyKind,
    MaterialConsent,
    Operation,
    ResourceStatus,
    Sensitivity,
    ShareType,
)
from tongban.sharing.services import decode_payload, log_system_read, subject_index

PLATFORM_SYSTEM_NAME = "一网通办受理系统"
PLATFORM_LABEL = "一网通办平台"


def _key_kind(holder: Holder) -> str:
    return KeyKind.ID_NUMBER if holder.holder_kind == "person" else KeyKind.CREDIT_CODE


def _readable_fields(resource: DataResource) -> list[str] | None:
    """The fields the platform may read from `resource`, or None if it may not read it."""
    if resource.status != ResourceStatus.PUBLISHED or resource.share_type == ShareType.NONE:
        return None
    if resource.share_type == ShareType.UNCONDITIONAL:
        return [f.name for f in resource.fields.all() if f.sensitivity != Sensitivity.SENSITIVE]
    today = timezone.localdate()
    grant = (
        Grant.objects.filter(
            resource=resource,
            app__name=PLATFORM_SYSTEM_NAME,
            app__is_active=True,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .first()
    )
    return list(grant.fields) if grant else None


def _record(resource: DataResource, holder_key: str) -> DataRecord | None:
    return (
        DataRecord.objects.filter(
            resource=resource,
            key_index=subject_index(resource.key_kind, holder_key.strip().upper()),
        )
        .order_by("-id")
        .first()
    )


def _content(resource: DataResource, record: DataRecord, fields: list[str]) -> dict[str, Any]:
    row = decode_payload(record)
    labels = dict(resource.fields.values_list("name", "label"))
    return {labels.get(name, name): row.get(name) for name in fields}


def _resource_for(code: str) -> DataResource | None:
    if not code:
        return None
    return DataResource.objects.select_related("provider").filter(code=code).first()


class SharingMaterialSource:
    key = "sharing"

    def offers(self, *, holder: Holder, need: MaterialNeed) -> list[MaterialOffer]:
        resource = _resource_for(need.data_resource_code)
        if resource is None or resource.key_kind != _key_kind(holder):
            return []
        if _readable_fields(resource) is None or _record(resource, holder.holder_key) is None:
            return []
        return [
            MaterialOffer(
                source=self.key,
                reference=resource.code,
                label=_("共享数据：%(name)s（%(provider)s）")
                % {"name": resource.name, "provider": resource.provider.name},
                issuer=resource.provider.name,
            )
        ]

    def authorize(
        self, *, holder: Holder, need: MaterialNeed, reference: str, case_number: str, purpose: str
    ) -> MaterialEvidence:
        resource = _resource_for(reference)
        if resource is None or reference != need.data_resource_code:
            raise NotFound()
        fields = _readable_fields(resource)
        record = _record(resource, holder.holder_key) if fields is not None else None
        if fields is None or record is None or resource.key_kind != _key_kind(holder):
            raise ValidationFailed(_("该材料暂时无法通过数据共享获取，请上传材料。"))
        with transaction.atomic():
            consent = MaterialConsent.objects.create(
                user_id=holder.user_id,
                resource=resource,
                case_number=case_number,
                material_code=need.code,
                purpose=purpose[:500],
                subject_index=subject_index(resource.key_kind, holder.holder_key),
            )
            content = _content(resource, record, fields)
            log = log_system_read(
                actor=holder.user_id and _user(holder.user_id),
                consumer=None,
                consumer_label=f"{PLATFORM_LABEL}（{_('申请人授权')}）",
                resource=resource,
                operation=Operation.MATERIAL,
                purpose=purpose,
                reason=case_number,
                key=holder.holder_key,
                fields=fields,
                result=CallResult.OK,
                records=1,
            )
        return MaterialEvidence(
            source=self.key,
            reference=str(consent.public_id),
            label=_("共享数据：%(name)s") % {"name": resource.name},
            issuer=resource.provider.name,
            obtained_at=log.occurred_at.isoformat(),
            content=content,
        )

    def evidence_for_reviewer(
        self, *, reviewer: Any, evidence: MaterialEvidence, case_number: str, purpose: str
    ) -> MaterialEvidence:
        consent = (
            MaterialConsent.objects.select_related("resource__provider")
            .filter(public_id=evidence.reference, case_number=case_number)
            .first()
            if _is_uuid(evidence.reference)
            else None
        )
        if consent is None:
            raise NotFound()
        resource = consent.resource
        record = (
            DataRecord.objects.filter(resource=resource, key_index=consent.subject_index)
            .order_by("-id")
            .first()
        )
        fields = _readable_fields(resource)
        if record is None or fields is None:
            raise NotFound(_("提供部门的数据已不可用，请要求申请人补充材料。"))
        with transaction.atomic():
            content = _content(resource, record, fields)
            log = log_system_read(
                actor=reviewer,
                consumer=None,
                consumer_label=f"{PLATFORM_LABEL}（{_('审核人员查看')}）",
                resource=resource,
                operation=Operation.MATERIAL,
                purpose=purpose,
                reason=case_number,
                fields=fields,
                result=CallResult.OK,
                records=1,
            )
            # The log row carries the subject of the consent (the key is not known here).
            type(log).objects.filter(pk=log.pk).update(subject_index=consent.subject_index)
        when = timezone.localtime(log.occurred_at).strftime("%Y-%m-%d %H:%M")
        return MaterialEvidence(
            source=self.key,
            reference=evidence.reference,
            label=_("取自%(provider)s，%(time)s")
            % {"provider": resource.provider.name, "time": when},
            issuer=resource.provider.name,
            obtained_at=log.occurred_at.isoformat(),
            content=content,
        )


def _user(user_id: int) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
