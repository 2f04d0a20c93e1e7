"""Turn the demo catalog tables (`tongban.demo.catalog_data`) into organisations and an import
dataset, and load them.

The work is split so most of it needs no database: `demo_places` reads the packaged division
table, `plan_organisations` (catalog.departments) names every department and body, and
`build_dataset` writes the dataset in the exchange format of docs/catalog-import-format.md.
Only `ensure_organisations` and `load_demo_catalog` touch the database. Everything is
deterministic: the same tables give the same codes, phones and popularity on every run."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from tongban.audit.services import audit_record
from tongban.catalog.importer import FORMAT, ImportReport, catalog_import
from tongban.catalog.models import BasicItem
from tongban.core.models import Department, ImplementingBody, Region
from tongban.core.services.regions import division_data_packaged
from tongban.demo.catalog.departments import (
    CHONGQING_DISTRICTS,
    KINDS,
    MERGED_INTO_APPROVAL_BUREAU,
    TOWNSHIP_COUNTIES,
    Place,
    PlannedBody,
    center_address,
    places_from_records,
    plan_organisations,
)
from tongban.demo.catalog.spec import (
    CITY,
    LEVEL_CODES,
    LEVEL_NAMES,
    ORG_FIELDS,
    PERSON_FIELDS,
    PROVINCE,
    TOWNSHIP,
    Json,
    Matter,
)
from tongban.demo.catalog_data import BUNDLES, MATTERS, Bundle, matter_by_name

SICHUAN = "510000"
CHONGQING = "500000"
HOURS = "工作日 上午9:00-12:00，下午13:30-17:30（法定节假日除外）"
SUPERVISE_PHONE = "12345"
SOURCE = "国家基本目录（演示编码）"
SOURCE_NAME = "演示目录（tongban.demo.catalog_data）"
# Prefectures whose counties are sparsely populated: fewer cases per body.
_HIGHLAND = ("5132", "5133", "5134")


# --- Places and organisations -------------------------------------------------------------------


def demo_places(counties: Iterable[str] | None = None) -> list[Place]:
    """The places that get departments: 四川省, every city and county of it, five districts of
    重庆市, and the 街道 of TOWNSHIP_COUNTIES. `counties` restricts the counties (tests): their
    city and the province stay, other cities go."""
    wanted = set(counties) if counties is not None else None

    def kept(level: int, code: str, parent: str) -> bool:
        if level == 1:
            return code in (SICHUAN, CHONGQING)
        if level == 2:
            return code.startswith("51") and (
                wanted is None or any(c.startswith(code[:4]) for c in wanted)
            )
        if level == 3:
            return (code.startswith("51") or code in CHONGQING_DISTRICTS) and (
                wanted is None or code in wanted
            )
        return parent in TOWNSHIP_COUNTIES and (wanted is None or parent in wanted)

    records = [r for r in division_data_packaged().records if kept(r[0], r[1], r[2])]
    # 重庆市 itself only names its districts' departments: the demo has none of its own.
    return [p for p in places_from_records(records) if p.code != CHONGQING]


def _existing_organisations(
    places: Sequence[Place],
) -> tuple[dict[tuple[str, str], tuple[str, str, str]], set[str]]:
    codes = [p.code for p in places]
    existing: dict[tuple[str, str], tuple[str, str, str]] = {}
    for region, name, credit, phone, address in Department.objects.filter(
        region_id__in=codes
    ).values_list("region_id", "name", "credit_code", "phone", "address"):
        existing[(region, name)] = (credit, phone, address)
    for region, name, credit in ImplementingBody.objects.filter(region_id__in=codes).values_list(
        "region_id", "name", "credit_code"
    ):
        existing.setdefault((region, name), (credit, "", ""))
    taken = set(Department.objects.values_list("credit_code", flat=True))
    taken |= set(ImplementingBody.objects.values_list("credit_code", flat=True))
    return existing, taken


def used_organisations(
    planned: Sequence[PlannedBody], matters: Sequence[Matter] = MATTERS
) -> list[PlannedBody]:
    """The planned bodies some matter is implemented by, and their departments: a county's
    文广旅局 with nothing in the catalog would only be noise in every organisation list."""
    places = {b.place.code: b.place for b in planned}.values()
    used = {
        (place.code, kind)
        for place in places
        for matter in matters
        if (kind := implementing_kind(matter, place)) is not None
    }
    keep: set[int] = set()
    for body in planned:
        if (body.place.code, body.kind) in used:
            keep.add(id(body))
            if body.department is not None:
                keep.add(id(body.department))
    return [b for b in planned if id(b) in keep]


@dataclass
class OrganisationCounts:
    departments: int = 0
    bodies: int = 0


def ensure_organisations(
    *, actor: Any, places: Sequence[Place]
) -> tuple[list[PlannedBody], OrganisationCounts]:
    """Create the departments and bodies `places` lack; reuse the ones that exist (matched by
    region and name, e.g. those of the foundation demo loader)."""
    existing, taken = _existing_organisations(places)
    planned = used_organisations(plan_organisations(places, existing=existing, taken_codes=taken))
    counts = OrganisationCounts()
    with transaction.atomic():
        departments = {
            (d.region_id, d.name): d
            for d in Department.objects.filter(region_id__in=[p.code for p in places])
        }
        have_bodies = set(
            ImplementingBody.objects.filter(
                credit_code__in=[b.credit_code for b in planned]
            ).values_list("credit_code", flat=True)
        )
        new_departments = [
            Department(
                region_id=b.place.code,
                name=b.name,
                short_name=b.short_name,
                credit_code=b.credit_code,
                phone=b.phone,
                address=b.address,
            )
            for b in planned
            if b.is_department and (b.place.code, b.name) not in departments
        ]
        # About 4,000 departments and 5,000 bodies: a service call (and an audit entry) each
        # would take minutes and bury the audit log. They are demo reference data, already
        # checked by plan_organisations (official naming, credit codes with their check
        # characters, unique), so they are inserted in bulk and recorded by ONE audit entry
        # with the counts.
        Department.objects.bulk_create(new_departments, batch_size=1000)
        for d in new_departments:
            departments[(d.region_id, d.name)] = d
        new_bodies = []
        for b in planned:
            if b.credit_code in have_bodies:
                continue
            owner = b.department if b.department is not None else b
            new_bodies.append(
                ImplementingBody(
                    department=departments[(owner.place.code, owner.name)],
                    region_id=b.place.code,
                    name=b.name,
                    credit_code=b.credit_code,
                    nature=b.nature,
                )
            )
        ImplementingBody.objects.bulk_create(new_bodies, batch_size=1000)
        counts.departments, counts.bodies = len(new_departments), len(new_bodies)
        if new_departments or new_bodies:
            audit_record(
                actor=actor,
                action="demo.catalog.organizations",
                object_type="core.Department",
                object_id="demo-catalog",
                summary={
                    "departments": counts.departments,
                    "bodies": counts.bodies,
                    "places": len(places),
                },
            )
    return planned, counts


# --- Guides -------------------------------------------------------------------------------------


def implementing_kind(matter: Matter, place: Place) -> str | None:
    """The kind of body that exercises `matter` at `place`, or None when it is not exercised
    there. A 行政审批局 takes over the licences of the departments merged into it."""
    kind = matter.at.get(place.level)
    if kind is None or (matter.rural and place.name.endswith("街道")):
        return None
    if place.code.startswith(CHONGQING[:2]) and matter.cross is None:
        return None  # 重庆's bodies are in this (四川) catalog only for 川渝通办 and 跨省通办
    if (
        place.has_approval_bureau
        and matter.item_type == "01"
        and matter.mergeable
        and kind in MERGED_INTO_APPROVAL_BUREAU
    ):
        return "shenpi"
    return kind


def _jitter(seed: str) -> float:
    return 0.7 + (zlib.crc32(seed.encode()) % 601) / 1000


def popularity(matter: Matter, place: Place) -> int:
    """Typical monthly cases: the matter's county figure scaled by how many people the body
    serves (a 成都 district more than a highland county)."""
    if place.level == PROVINCE:
        factor = 3.0
    elif place.level == CITY:
        factor = 4.0 if place.in_chengdu else 0.5 if place.code.startswith(_HIGHLAND) else 1.5
    elif place.level == TOWNSHIP:
        factor = 0.2
    elif place.code.startswith("50"):
        factor = 1.5
    elif place.in_chengdu:
        factor = 2.0 if place.is_district else 1.2
    elif place.code.startswith(_HIGHLAND):
        factor = 0.3
    else:
        factor = 1.0 if place.is_district else 0.7
    return max(1, round(matter.popularity * factor * _jitter(place.code + matter.code)))


def workflow_steps(matter: Matter) -> list[Json]:
    """受理 → (现场核查) → 审核 → 办结, the days adding up to the promised time limit."""
    if matter.immediate:
        return [
            _step("accept", "受理", "window_clerk", ["accept", "refuse", "request_correction"], 0),
            _step("review", "审核", "window_clerk", ["approve", "reject"], 0),
            _step("finish", "办结", "window_clerk", ["issue", "deliver"], 0),
        ]
    total = matter.promised_days
    accept = 1 if total >= 3 else 0
    finish = 1 if total >= 5 else 0
    inspect = max(1, (total - accept - finish) // 3) if matter.inspection and total >= 4 else 0
    review = total - accept - finish - inspect
    steps = [
        _step("accept", "受理", "window_clerk", ["accept", "refuse", "request_correction"], accept)
    ]
    if inspect:
        steps.append(_step("inspect", "现场核查", "reviewer", ["forward", "return"], inspect))
    steps.append(
        _step("review", "审核", "reviewer", ["approve", "reject", "return", "extend"], review)
    )
    steps.append(_step("finish", "办结", "window_clerk", ["issue", "deliver"], finish))
    return steps


def _step(key: str, name: str, role: str, actions: list[str], days: int) -> Json:
    return {"key": key, "name": name, "role": role, "actions": actions, "days": days}


_STEP_TEXT = {
    "accept": "申请人提交申请材料，窗口工作人员当场核对：材料齐全、符合法定形式的予以受理；"
    "不齐全的一次性告知需要补正的全部内容。",
    "inspect": "工作人员到现场核查申请材料与实际情况是否一致。",
    "review": "承办人员对申请材料进行审查，作出准予或不予办理的决定；不予办理的说明理由。",
    "finish": "制作办理结果，通过窗口领取或邮寄送达；可出具电子证照的同步发放。",
}
_IMMEDIATE_TEXT = {
    "accept": "申请人提交申请材料，窗口工作人员当场核对。",
    "review": "材料齐全、符合条件的当场审核。",
    "finish": "当场出具办理结果。",
}


def _process(matter: Matter, workflow: list[Json]) -> list[Json]:
    texts = _IMMEDIATE_TEXT if matter.immediate else _STEP_TEXT
    return [
        {"name": s["name"], "description": texts[s["key"]], "days": s["days"]} for s in workflow
    ]


def _division(matter: Matter) -> str:
    if matter.division:
        return matter.division
    parts = [
        f"{LEVEL_NAMES[level]}{KINDS[kind].label}部门"
        for level, kind in sorted(matter.at.items(), key=lambda lk: LEVEL_CODES[lk[0]])
    ]
    return "由" + "、".join(parts) + "按属地管辖实施。"


def _result(matter: Matter) -> Json | None:
    if matter.result is None:
        return None
    name, license_code = matter.result
    if license_code:
        kind = "license"
    elif name.endswith(("决定书", "批复", "通知书", "证明", "意见")):
        kind = "approval_document"
    else:
        kind = "other"
    return {"name": name, "kind": kind, "license_type_code": license_code, "sample_url": ""}


def _place_text(body: PlannedBody, kind: str) -> str:
    place = body.place
    if KINDS[kind].registrar == "9":  # a utility: its own business hall
        return f"{body.address}（{body.name}营业厅）"
    return f"{center_address(place)}（{place.service_center}{KINDS[kind].label}窗口）"


def matter_shared(matter: Matter) -> Json:
    """The part of a guide every body of `matter` shares."""
    workflow = workflow_steps(matter)
    channels = ["online", "mobile"] if matter.online else []
    channels.append("appointment")
    if matter.kiosk:
        channels.append("kiosk")
    if matter.express:
        channels.append("post")
    depth = ["1", "2", "3", "4", "5", "6"] if matter.online else ["1", "2", "3", "6"]
    result = _result(matter)
    if result and result["license_type_code"]:
        depth.append("7")
    person = matter.objects[0] == "1"
    return {
        "name": matter.name,
        "item_type": matter.item_type,
        "legal_basis": matter.basis,
        "exercise_content": matter.content or f"{matter.name}的受理、审查和办理。",
        "power_division": _division(matter),
        "case_kind": "1" if matter.immediate else "2",
        "legal_days": matter.legal_days,
        "legal_days_note": matter.legal_note,
        "promised_days": matter.promised_days,
        "promised_days_note": matter.promised_note,
        "acceptance_conditions": list(matter.conditions),
        "materials": [dict(m) for m in matter.materials],
        "steps": _process(matter, workflow),
        "fees": {"charged": bool(matter.fees), "items": [dict(f) for f in matter.fees]},
        "service_objects": list(matter.objects),
        "person_themes": list(matter.person_themes),
        "corporate_themes": list(matter.corporate_themes),
        "handling_forms": ["1", "2", "3"] if matter.online else ["1", "2"],
        "online_depth": depth,
        "online_url": "",
        "channels": channels,
        "visits": 0 if matter.online else 1,
        "onsite_reason": "" if matter.online else matter.onsite,
        "cross_region": dict(matter.cross) if matter.cross else None,
        "quantity_limit": matter.quantity,
        "intermediary_services": matter.intermediary,
        "special_procedures": matter.special,
        "result": result,
        "joint_departments": list(matter.joint),
        "supports_appointment": True,
        "supports_online_payment": bool(matter.fees),
        "supports_express": matter.express,
        "faq": [{"question": q, "answer": a} for q, a in matter.faq],
        "form": {"fields": [*(PERSON_FIELDS if person else ORG_FIELDS), *matter.fields]},
        "workflow": {"steps": workflow},
    }


def guide_for(matter: Matter, body: PlannedBody, kind: str, shared: Json | None = None) -> Json:
    """The guide of `matter` at `body`: the shared part plus the body's place and phone."""
    guide = dict(shared if shared is not None else matter_shared(matter))
    guide["exercise_level"] = LEVEL_CODES[body.place.level]
    guide["place"] = _place_text(body, kind)
    guide["hours"] = HOURS
    guide["consult_phone"] = body.phone
    guide["supervise_phone"] = SUPERVISE_PHONE
    return guide


# --- The dataset --------------------------------------------------------------------------------


def basic_item_row(matter: Matter) -> Json:
    return {
        "code": matter.code,
        "name": matter.name,
        "item_type": matter.item_type,
        "parent_code": "",
        "legal_basis": matter.basis,
        "competent_department": matter.ministry,
        "service_objects": list(matter.objects),
        "exercise_levels": matter.exercise_levels,
        "source": SOURCE,
    }


def bundle_row(bundle: Bundle) -> Json:
    members = []
    asked: set[str] = set()  # the materials the members' guides ask for
    for stage, (_stage_name, names) in enumerate(bundle.stages, start=1):
        for name, note in names:
            matter = matter_by_name(name)
            members.append({"basic_code": matter.code, "stage": stage, "note": note})
            asked.update(m["name"] for m in matter.materials)
    shared_materials = [
        {**m, "replaces": [r for r in m["replaces"] if r in asked]} for m in bundle.shared_materials
    ]
    return {
        "code": bundle.code,
        "name": bundle.name,
        "audience": bundle.audience,
        "summary": bundle.summary,
        "is_national_key": True,
        "promised_days": bundle.promised_days,
        "members": members,
        "definition": {
            "stages": [
                {"stage": i, "name": stage_name}
                for i, (stage_name, _names) in enumerate(bundle.stages, start=1)
            ],
            "shared_fields": [dict(f) for f in bundle.shared_fields],
            "shared_materials": shared_materials,
        },
    }


def item_rows(planned: Sequence[PlannedBody], matters: Sequence[Matter] = MATTERS) -> list[Json]:
    """One item per (matter, body of the right kind at a level where the matter is exercised)."""
    by_place_kind = {(b.place.code, b.kind): b for b in planned}
    places = list({b.place.code: b.place for b in planned}.values())
    rows: list[Json] = []
    for matter in matters:
        shared = matter_shared(matter)
        for place in places:
            kind = implementing_kind(matter, place)
            body = by_place_kind.get((place.code, kind)) if kind else None
            if body is None or kind is None:
                continue
            rows.append(
                {
                    "basic_code": matter.code,
                    "body_credit_code": body.credit_code,
                    "popularity": popularity(matter, place),
                    "guide": guide_for(matter, body, kind, shared),
                }
            )
    return rows


def build_dataset(
    planned: Sequence[PlannedBody],
    *,
    matters: Sequence[Matter] = MATTERS,
    bundles: Sequence[Bundle] = BUNDLES,
) -> Json:
    return {
        "format": FORMAT,
        "basic_items": [basic_item_row(m) for m in matters],
        "items": item_rows(planned, matters),
        "bundles": [bundle_row(b) for b in bundles],
    }


# --- Loading ------------------------------------------------------------------------------------


@dataclass
class CatalogLoadResult:
    departments: int = 0
    bodies: int = 0
    report: ImportReport | None = None
    skipped: bool = False


def load_demo_catalog(actor: Any, *, counties: Iterable[str] | None = None) -> CatalogLoadResult:
    """Create the demo organisations and import the demo catalog, published. Skipped when the
    first basic item exists (the catalog is loaded already) or when the setting
    `TONGBAN_DEMO_CATALOG` is False (test settings: the foundation demo tests need no
    catalog). `actor` must be allowed to add basic items (a provincial catalog or platform
    administrator). `counties` (or the setting `TONGBAN_DEMO_CATALOG_COUNTIES`) restricts the
    load to some counties, their city and the province."""
    if not getattr(settings, "TONGBAN_DEMO_CATALOG", True):
        return CatalogLoadResult(skipped=True)
    if BasicItem.objects.filter(code=MATTERS[0].code).exists():
        return CatalogLoadResult(skipped=True)
    if counties is None:
        counties = getattr(settings, "TONGBAN_DEMO_CATALOG_COUNTIES", None)
    places = demo_places(counties)
    known = set(
        Region.objects.filter(code__in=[p.code for p in places]).values_list("code", flat=True)
    )
    places = [p for p in places if p.code in known]
    with transaction.atomic():
        planned, counts = ensure_organisations(actor=actor, places=places)
        report = catalog_import(
            actor=actor, dataset=build_dataset(planned), publish=True, source_name=SOURCE_NAME
        )
    return CatalogLoadResult(departments=counts.departments, bodies=counts.bodies, report=report)
