"""A service guide as a CPSV-AP 3.x JSON-LD document (EU Core Public Service Vocabulary
Application Profile), so catalogs can be exchanged with tools built for that vocabulary.

Property names follow the CPSV-AP 3.2.0 context (SEMICeu/CPSV-AP releases/3.2.0/context): note
that `hasInput` and `produces` stay in the `cpsv:` namespace, the contact point is
`cv:contactPoint`, a cost's amount is `cv:hasValue`, and acceptance conditions are
`cv:holdsRequirement` → `cv:Requirement` (2.x called it `hasCriterion`).

Pure function, no database access: the API endpoint and the portal's guide page
(`<script type="application/ld+json">`) both call `public_service_jsonld`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.guide_schema import (
    CHANNELS,
    CROSS_REGION_SCOPES,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    GuideContent,
    is_web_url,
)
from tongban.core.codes import (
    CaseKind,
    HandlingForm,
    ItemType,
    LegalPersonTheme,
    NaturalPersonTheme,
    ServiceObject,
)

CONTEXT: dict[str, str] = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LANG = "zh"
# EU Publications Office authority tables (the values CPSV-AP recommends).
LANGUAGE_ZH = "http://publications.europa.eu/resource/authority/language/ZHO"
CURRENCY_CNY = "http://publications.europa.eu/resource/authority/currency/CNY"
# Identifiers of our own resources, and concept schemes for the national code tables of
# GB/T 39046 (standards.md §2.3), which have no published URIs.
URN = "urn:tongban:"
SCHEME = f"{URN}codes:"

RESULT_KINDS = {"license": "证照", "approval_document": "批准文件", "other": "其他"}

# A fee standard like "每证10元" or "工本费 5.5 元/本" names one amount: only then is it a number.
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*元")


def _zh(text: str) -> dict[str, str]:
    return {"@language": LANG, "@value": text}


def _concept(scheme: str, code: str, label: str) -> dict[str, Any]:
    return {
        "@type": "skos:Concept",
        "skos:notation": code,
        "skos:prefLabel": _zh(label),
        "skos:inScheme": {"@id": f"{SCHEME}{scheme}"},
    }


def _link(*urls: str) -> str:
    """The first of `urls` that is a web link (http(s) or a site path), else "": guide text
    comes from many editors and imports, and consumers of the export follow these links."""
    return next((url for url in urls if url and is_web_url(url)), "")


def _label(table: Any, code: str) -> str:
    return str(table(code).label) if code in table.values else code


def _location(region: Any) -> dict[str, Any]:
    return {
        "@id": f"{URN}region:{region.code}",
        "@type": "dct:Location",
        "dct:identifier": region.code,
        "skos:prefLabel": _zh(getattr(region, "full_name", "") or region.name),
    }


def fee_amount(standard: str) -> float | None:
    """The amount of a fee standard when it states exactly one (in 元), else None."""
    amounts = _AMOUNT.findall(standard or "")
    return float(amounts[0]) if len(amounts) == 1 else None


def _material_description(material: Any) -> str:
    parts = [
        _("材料形式：%(forms)s") % {"forms": "、".join(MATERIAL_FORMS[f] for f in material.forms)},
    ]
    if material.original_copies:
        parts.append(_("原件%(n)s份") % {"n": material.original_copies})
    if material.copy_copies:
        parts.append(_("复印件%(n)s份") % {"n": material.copy_copies})
    parts.append(_("来源：%(source)s") % {"source": MATERIAL_SOURCES[material.source]})
    if material.issuer:
        parts.append(_("出具单位：%(issuer)s") % {"issuer": material.issuer})
    if material.specification:
        parts.append(_("规格：%(spec)s") % {"spec": material.specification})
    parts.append(_("必要材料") if material.required else _("非必要材料"))
    if material.condition:
        parts.append(_("提交情形：%(condition)s") % {"condition": material.condition})
    if material.notes:
        parts.append(material.notes)
    if material.legal_basis:
        parts.append(_("依据：%(basis)s") % {"basis": material.legal_basis})
    return "；".join(parts)


def _evidence(item_code: str, index: int, material: Any) -> dict[str, Any]:
    identifier = material.code or f"M{index + 1:03d}"
    node: dict[str, Any] = {
        # Material codes are only unique within a guide: the item code makes the IRI unique.
        "@id": f"{URN}evidence:{item_code}:{identifier}",
        "@type": "cv:Evidence",
        "dct:identifier": identifier,
        "dct:title": _zh(material.name),
        "dct:description": _zh(_material_description(material)),
    }
    url = _link(material.blank_form_url, material.sample_url)
    if url:
        node["schema:url"] = url
    return node


def _costs(content: GuideContent, authority_id: str) -> list[dict[str, Any]]:
    if not content.fees.charged:
        return [
            {
                "@type": "cv:Cost",
                "cv:hasValue": {"@value": 0, "@type": "xsd:double"},
                "cv:currency": {"@id": CURRENCY_CNY},
                "dct:description": _zh(_("不收费")),
                "cv:isDefinedBy": {"@id": authority_id},
            }
        ]
    costs = []
    for fee in content.fees.items:
        text = _("%(name)s：%(standard)s。收费依据：%(basis)s") % {
            "name": fee.name,
            "standard": fee.standard,
            "basis": fee.legal_basis,
        }
        if fee.reducible:
            text += _("。可减免，依据：%(basis)s") % {"basis": fee.reduction_basis or "—"}
        node: dict[str, Any] = {
            "@type": "cv:Cost",
            "dct:identifier": fee.name,
            "cv:currency": {"@id": CURRENCY_CNY},
            "dct:description": _zh(text),
            "cv:isDefinedBy": {"@id": authority_id},
        }
        amount = fee_amount(fee.standard)
        if amount is not None:
            node["cv:hasValue"] = {"@value": amount, "@type": "xsd:double"}
        costs.append(node)
    return costs


def _channels(content: GuideContent, hours: dict[str, Any]) -> list[dict[str, Any]]:
    online_url = _link(content.online_url)
    out = []
    for code in content.handling_forms:
        node: dict[str, Any] = {
            "@type": "cv:Channel",
            "dct:identifier": f"handling_form:{code}",
            "dct:type": _concept("handling_form", code, _label(HandlingForm, code)),
        }
        if code == HandlingForm.WINDOW:
            node["dct:description"] = _zh(_("办理地点：%(place)s") % {"place": content.place})
            node["cv:openingHours"] = hours
        elif code in {HandlingForm.ONLINE_PC, HandlingForm.ONLINE_MOBILE} and online_url:
            node["schema:url"] = online_url
        out.append(node)
    for code in content.channels:
        node = {
            "@type": "cv:Channel",
            "dct:identifier": f"channel:{code}",
            "dct:type": _concept("channel", code, CHANNELS[code]),
        }
        if code == "online" and online_url:
            node["schema:url"] = online_url
        out.append(node)
    return out


def _events(content: GuideContent) -> list[dict[str, Any]]:
    events = [
        {
            "@type": "cv:LifeEvent",
            "dct:identifier": code,
            "dct:title": _zh(_label(NaturalPersonTheme, code)),
            "dct:type": _concept("theme_person", code, _label(NaturalPersonTheme, code)),
        }
        for code in content.person_themes
    ]
    events += [
        {
            "@type": "cv:BusinessEvent",
            "dct:identifier": code,
            "dct:title": _zh(_label(LegalPersonTheme, code)),
            "dct:type": _concept("theme_corporate", code, _label(LegalPersonTheme, code)),
        }
        for code in content.corporate_themes
    ]
    return events


def _service_description(content: GuideContent) -> str:
    parts = []
    if content.exercise_content:
        parts.append(content.exercise_content)
    kind = _label(CaseKind, content.case_kind)
    parts.append(
        _(
            "%(kind)s。承诺办结时限%(promised)s个工作日，法定办结时限%(legal)s个工作日"
            "（cv:processingTime 以天表示，实际按工作日计算，不含法定节假日）。"
        )
        % {"kind": kind, "promised": content.promised_days, "legal": content.legal_days}
    )
    parts.append(_("到办事现场次数：%(n)s次。") % {"n": content.visits})
    if content.cross_region:
        parts.append(
            _("通办范围：%(scope)s。") % {"scope": CROSS_REGION_SCOPES[content.cross_region.scope]}
        )
    return "\n".join(parts)


def public_service_jsonld(
    *,
    item: Any,
    content: GuideContent,
    service_url: str = "",
    version: int | None = None,
    published_at: datetime | None = None,
) -> dict[str, Any]:
    """The guide of `item` (an ImplementationItem with region, body and department loaded, or
    any object with the same attributes) as one cpsv:PublicService node with its parts inline.
    `service_url` (absolute URL of the portal's guide page) becomes the node's @id."""
    code = item.code
    body = item.body
    region = item.region
    service_id = service_url or f"{URN}service:{code}"
    authority_id = f"{URN}organisation:{body.credit_code}"
    hours = {"@type": "time:TemporalEntity", "dct:description": _zh(content.hours)}
    spatial = _location(region)

    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": service_id,
        "@type": "cpsv:PublicService",
        "dct:identifier": code,
        "dct:title": _zh(content.name),
        "dct:description": _zh(_service_description(content)),
        "dct:language": [{"@id": LANGUAGE_ZH}],
        "dct:spatial": [spatial],
        "dct:type": _concept("item_type", content.item_type, _label(ItemType, content.item_type)),
        "dct:audience": [
            _concept("service_object", c, _label(ServiceObject, c)) for c in content.service_objects
        ],
        "cv:hasCompetentAuthority": [
            {
                "@id": authority_id,
                "@type": "cv:PublicOrganisation",
                "skos:prefLabel": _zh(body.name),
                "dct:identifier": body.credit_code,
                "dct:spatial": [spatial],
            }
        ],
        "cpsv:hasInput": [
            _evidence(code, i, material) for i, material in enumerate(content.materials)
        ],
        "cv:hasCost": _costs(content, authority_id),
        "cv:hasLegalResource": [
            {
                "@type": "eli:LegalResource",
                "dct:description": _zh(content.legal_basis),
            }
        ],
        "cv:processingTime": {"@value": f"P{content.promised_days}D", "@type": "xsd:duration"},
        "cv:hasChannel": _channels(content, hours),
        "cv:contactPoint": [
            {
                "@type": "cv:ContactPoint",
                "dct:description": _zh(_("咨询电话")),
                "cv:telephone": content.consult_phone,
                "cv:openingHours": [hours],
            },
            {
                "@type": "cv:ContactPoint",
                "dct:description": _zh(_("监督投诉电话")),
                "cv:telephone": content.supervise_phone,
            },
        ],
        "cv:holdsRequirement": [
            {
                "@type": "cv:Requirement",
                "dct:identifier": f"{code}-C{i + 1:02d}",
                "dct:title": _zh(condition),
            }
            for i, condition in enumerate(content.acceptance_conditions)
        ],
        "cv:isGroupedBy": _events(content),
    }
    if content.result is not None:
        output: dict[str, Any] = {
            "@type": "cv:Output",
            "dct:title": _zh(content.result.name),
            "dct:type": _concept(
                "result_kind",
                content.result.kind,
                RESULT_KINDS.get(content.result.kind, content.result.kind),
            ),
        }
        if content.result.license_type_code:
            output["dct:identifier"] = content.result.license_type_code
        doc["cpsv:produces"] = [output]
    if version is not None:
        doc["schema:version"] = str(version)
    if published_at is not None:
        doc["dct:issued"] = {"@value": published_at.isoformat(), "@type": "xsd:dateTime"}
    return doc
