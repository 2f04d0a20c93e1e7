"""The licenses app's answers to the cases registries (cases/sources.py):

- `LicenseMaterialSource` ("license"): an applicant's valid licenses can stand in for a material
  whose guide names their type (用证 / 免提交); authorizing creates a UseGrant for the case; a
  reviewer's read re-verifies the signature and is logged (UseAccess) with its purpose (事由).
- `LicenseResultIssuer` ("license"): an approved case whose result is a license issues it, its
  content taken from the case's form where the keys (or known aliases) match and derived from
  the holder where they can be; a missing optional field never stops it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.sources import (
    CaseResult,
    Holder,
    IssuedResult,
    MaterialEvidence,
    MaterialNeed,
    MaterialOffer,
)
from tongban.core.errors import Conflict, NotFound
from tongban.licenses.models import License, LicenseType, UseGrant
from tongban.licenses.selectors import licenses_valid_for_holder

SOURCE_KEY = "license"


def _label(license: License) -> str:
    return _("电子证照：%(t)s（%(i)s %(d)s 签发）") % {
        "t": license.license_type.name,
        "i": license.issuer_name,
        "d": license.issued_on.isoformat(),
    }


def verified_content(license: License) -> dict[str, Any]:
    """The license as the reviewer sees it: labelled fields plus the metadata."""
    labels = {f["key"]: f["label"] for f in license.license_type.fields}
    content: dict[str, Any] = {
        _("证照名称"): license.license_type.name,
        _("电子证照标识"): license.identifier,
        _("证照编号"): license.number,
        _("持证主体"): license.holder_name,
        _("颁发机构"): license.issuer_name,
        _("颁发日期"): license.issued_on.isoformat(),
        _("有效期"): f"{license.valid_from.isoformat()} 至 "
        + (license.valid_until.isoformat() if license.valid_until else _("长期")),
    }
    for key, value in license.content.items():
        content[labels.get(key, key)] = value
    return content


class LicenseMaterialSource:
    key = SOURCE_KEY

    def offers(self, *, holder: Holder, need: MaterialNeed) -> list[MaterialOffer]:
        if not need.license_type_code:
            return []
        return [
            MaterialOffer(
                source=self.key, reference=lic.identifier, label=_label(lic), issuer=lic.issuer_name
            )
            for lic in licenses_valid_for_holder(
                license_type_code=need.license_type_code, holder_key=holder.holder_key
            )
        ]

    def authorize(
        self, *, holder: Holder, need: MaterialNeed, reference: str, case_number: str, purpose: str
    ) -> MaterialEvidence:
        from django.contrib.auth import get_user_model

        from tongban.licenses.services import use_grant_create

        license = (
            License.objects.select_related("license_type")
            .filter(identifier=reference, license_type__code=need.license_type_code)
            .first()
        )
        if license is None:
            raise NotFound()
        actor = get_user_model().objects.filter(pk=holder.user_id).first()
        if actor is None:
            raise NotFound()
        grant = use_grant_create(
            actor=actor,
            license=license,
            holder_key=holder.holder_key,
            case_number=case_number,
            material_code=need.code,
            material_name=need.name,
            purpose=purpose,
        )
        return MaterialEvidence(
            source=self.key,
            reference=str(grant.public_id),
            label=_label(license),
            issuer=license.issuer_name,
            obtained_at=grant.created_at.isoformat(),
            content=verified_content(license),
        )

    def evidence_for_reviewer(
        self, *, reviewer: Any, evidence: MaterialEvidence, case_number: str, purpose: str
    ) -> MaterialEvidence:
        from tongban.licenses.services import use_access_record
        from tongban.licenses.verification import check_license

        grant = (
            UseGrant.objects.select_related("license", "license__license_type")
            .filter(public_id=evidence.reference)
            .first()
            if _is_uuid(evidence.reference)
            else None
        )
        if grant is None:
            raise NotFound()
        use_access_record(actor=reviewer, grant=grant, purpose=purpose, case_number=case_number)
        license = grant.license
        _valid, signature_valid, reason = check_license(license, at=timezone.now())
        if not signature_valid:
            raise Conflict(reason, code="license_signature_invalid")
        content = verified_content(license)
        content[_("核验结果")] = reason
        return MaterialEvidence(
            source=self.key,
            reference=evidence.reference,
            label=_label(license),
            issuer=license.issuer_name,
            obtained_at=timezone.now().isoformat(),
            content=content,
        )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# A license type's field keys are the licenses catalog's; a guide's form keys are the catalog
# editors'. Where the keys differ, these form keys (tried in order) carry the same fact.
_FORM_ALIASES: dict[str, tuple[str, ...]] = {
    "legal_rep": ("legal_representative", "legal_person", "representative", "principal"),
    "address": ("residence", "domicile", "registered_address", "premises", "location"),
    "premises": ("business_address", "business_premises", "address", "location"),
    "location": ("property_address", "property_location", "address"),
    "category": ("categories", "business_category", "business_type", "operator_kind"),
    "items": ("categories", "business_items", "business_scope", "scope"),
    "scope": ("business_scope", "categories", "items"),
    "entity_type": ("enterprise_type", "company_type", "organisation_type", "operator_kind"),
    "capital": ("registered_capital",),
    "household_address": ("hukou_address", "registered_residence"),
    "birth_place": ("native_place",),
    "spouse_name": ("spouse",),
}


def _text(value: Any) -> str:
    """A form value as license content text (content fields are plain text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        return "".join(t for t in (_text(v) for v in value.values()) if t)
    return str(value).strip()


def _from_holder(result: CaseResult) -> dict[str, str]:
    """Facts the holder's identity itself carries: a citizen ID number gives the birth date and
    sex (GB 11643) and is the social security number; an enterprise's legal representative is
    on record."""
    holder = result.holder
    facts: dict[str, str] = {}
    if holder.holder_kind == "person":
        number = holder.holder_key.strip().upper()
        if len(number) == 18 and number[:17].isdigit():
            born = number[6:14]
            facts["birth_date"] = f"{born[:4]}-{born[4:6]}-{born[6:]}"
            facts["sex"] = _("男") if int(number[16]) % 2 else _("女")
            facts["ss_number"] = number
        facts["legal_rep"] = holder.holder_name  # 个体工商户: the operator answers for it
    else:
        from tongban.identity.models import LegalPerson

        representative = (
            LegalPerson.objects.filter(credit_code=holder.holder_key)
            .values_list("legal_representative", flat=True)
            .first()
        )
        if representative:
            facts["legal_rep"] = representative
    return facts


def license_content_for_case(result: CaseResult, field_keys: list[str]) -> dict[str, str]:
    """The content of the license an approved case issues: each field of the type from the
    form value of the same key, else of a known alias, else derived from the holder. Fields
    nothing supplies stay empty (the type decides which it requires)."""
    form = result.form_data or {}
    derived = _from_holder(result)
    content: dict[str, str] = {}
    for key in field_keys:
        for candidate in (key, *_FORM_ALIASES.get(key, ())):
            text = _text(form.get(candidate))
            if text:
                content[key] = text[:500]
                break
        else:
            if derived.get(key):
                content[key] = derived[key]
    return content


class LicenseResultIssuer:
    key = SOURCE_KEY

    def issue_for_case(self, *, result: CaseResult) -> IssuedResult:
        from tongban.licenses.services import license_issue_for_case

        fields = (
            LicenseType.objects.filter(code=result.license_type_code)
            .values_list("fields", flat=True)
            .first()
        )
        keys = [f["key"] for f in fields or []]
        license = license_issue_for_case(
            license_type_code=result.license_type_code,
            implementing_body_id=result.implementing_body_id,
            holder_key=result.holder.holder_key,
            holder_name=result.holder.holder_name,
            form_data=license_content_for_case(result, keys),
            case_number=result.case_number,
        )
        return IssuedResult(
            reference=license.identifier,
            label=_("电子证照：%(t)s") % {"t": license.license_type.name},
            url=f"/my/licenses/{license.public_id}/",
        )
