"""一件事 (bundles): one combined application fans out to a member case per matter, handled in
parallel within a stage and stage after stage as the catalog Bundle defines; the parent shows
one combined status and completes when every member has.

Shared form fields are asked once: the combined form is the union of the members' fields by key
(a member receives the keys its own form knows). Materials are grouped by e-license type (or by
name), so one upload or authorization satisfies every member that asks for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases.models import Case, CaseKindChoice, CaseMaterial, CaseStatus, Channel
from tongban.cases.models.case import FINAL_STATUSES
from tongban.cases.models.handling import EventStage
from tongban.cases.permissions import require_can_apply_for
from tongban.cases.services.apply import (
    SubmitResult,
    _build_case,
    _check_complete,
    _new_verification_code,
    case_material_authorize,
    case_material_upload,
    case_number_next,
    require_assurance_to_apply,
    submit_locked,
    verification_digest,
)
from tongban.cases.services.common import (
    case_guide,
    lock_case,
    record_event,
    require_applicant,
    save_case,
    today,
    transition,
)
from tongban.cases.services.forms import form_clean
from tongban.catalog.guide_schema import FormField
from tongban.catalog.models import Bundle
from tongban.catalog.selectors import bundle_get, bundle_members_for_region
from tongban.core.errors import FieldProblem, NotFound, ValidationFailed
from tongban.core.models import Region


def members_of(parent: Case) -> list[Case]:
    return list(
        Case.objects.filter(parent=parent)
        .select_related("guide_version", "item")
        .order_by("bundle_stage", "id")
    )


@transaction.atomic
def bundle_case_start(
    *,
    actor: Any,
    bundle_code: str,
    region_code: str,
    legal_person: Any = None,
    form_data: dict[str, Any] | None = None,
    channel: str = Channel.ONLINE,
) -> Case:
    """Start a bundle application for a resident of `region_code`: a parent case and one draft
    member per matter, each routed to the implementation nearest the applicant."""
    require_can_apply_for(actor, legal_person)
    bundle: Bundle = bundle_get(bundle_code)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise NotFound(_("未找到该行政区划。"))
    chosen = bundle_members_for_region(bundle, region_code)
    missing = [code for code, item in chosen.items() if item is None]
    if missing:
        raise ValidationFailed(
            _("本地区暂未开通该“一件事”的全部事项，暂不能合并申请。"),
            fields=[
                FieldProblem("bundle", _("缺少事项：%(codes)s") % {"codes": "、".join(missing)})
            ],
        )
    stages = {m.basic_item.code: m.stage for m in bundle.members.all()}
    parent = Case.objects.create(
        number=case_number_next(region_code),
        kind=CaseKindChoice.BUNDLE,
        item_name=bundle.name,
        bundle=bundle,
        applicant=actor,
        legal_person=legal_person,
        applicant_kind="organisation" if legal_person else "person",
        applicant_name=legal_person.name if legal_person else actor.display_name,
        applicant_id_number=legal_person.credit_code if legal_person else actor.id_number,
        contact_phone=actor.phone,
        contact_address=actor.address,
        handling_region=region,
        channel=channel,
    )
    for code, item in chosen.items():
        assert item is not None  # noqa: S101 - checked above
        member = _build_case(
            applicant=actor,
            item=item,
            legal_person=legal_person,
            channel=channel,
            form_data={},
            parent=parent,
            bundle=bundle,
            bundle_stage=stages.get(code, 1),
        )
        record_event(
            member, action="save_draft", actor=actor, stage=EventStage.APPLY, from_status=""
        )
    if form_data:
        _distribute(parent, form_data, complete=False)
    record_event(parent, action="save_draft", actor=actor, stage=EventStage.APPLY, from_status="")
    audit_record(
        actor=actor,
        action="cases.bundle.start",
        obj=parent,
        summary={"number": parent.number, "bundle": bundle.code, "members": len(chosen)},
    )
    return parent


def bundle_form_fields(parent: Case) -> list[FormField]:
    """The combined form: each field key once, in member order."""
    seen: dict[str, FormField] = {}
    for member in members_of(parent):
        for f in case_guide(member).form.fields:
            seen.setdefault(f.key, f)
    return list(seen.values())


def _distribute(parent: Case, data: dict[str, Any], *, complete: bool) -> None:
    known = {f.key for f in bundle_form_fields(parent)}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ValidationFailed(
            _("申请表中没有这些项：%(keys)s") % {"keys": "、".join(unknown)},
            fields=[FieldProblem(f"form.{k}", _("申请表中没有此项。")) for k in unknown],
        )
    problems: list[FieldProblem] = []
    for member in members_of(parent):
        form = case_guide(member).form
        keys = {f.key for f in form.fields}
        mine = {k: v for k, v in data.items() if k in keys}
        try:
            member.form_data = form_clean(form, {**member.form_data, **mine}, complete=complete)
        except ValidationFailed as exc:
            problems += [p for p in exc.fields if p not in problems]
            continue
        save_case(member, ["form_data"])
    if problems:
        raise ValidationFailed(
            _("申请表有%(n)s处需要修改。") % {"n": len(problems)}, fields=problems
        )
    parent.form_data = {**parent.form_data, **data}
    save_case(parent, ["form_data"])


@transaction.atomic
def bundle_draft_save(*, actor: Any, case: Case, form_data: dict[str, Any]) -> Case:
    require_applicant(actor, case)
    parent = lock_case(case)
    transition(parent, "save_draft")
    _distribute(parent, form_data, complete=False)
    audit_record(
        actor=actor,
        action="cases.bundle.draft_save",
        obj=parent,
        summary={"number": parent.number, "fields": sorted(form_data)},
    )
    return parent


@dataclass(frozen=True)
class BundleMaterial:
    """One material of the combined application and the member materials it satisfies."""

    key: str  # "lic:<license type>" or "name:<material name>"
    name: str
    license_type_code: str
    data_resource_code: str
    targets: tuple[tuple[str, str], ...]  # (member case number, material code)
    provided: bool


def bundle_materials(parent: Case) -> list[BundleMaterial]:
    groups: dict[str, dict[str, Any]] = {}
    for member in members_of(parent):
        rows = {m.code: m for m in CaseMaterial.objects.filter(case=member)}
        for i, m in enumerate(case_guide(member).materials, start=1):
            code = m.code or f"m{i}"
            key = f"lic:{m.license_type_code}" if m.license_type_code else f"name:{m.name}"
            g = groups.setdefault(
                key,
                {
                    "name": m.name,
                    "lic": m.license_type_code,
                    "data": m.data_resource_code,
                    "targets": [],
                    "provided": True,
                },
            )
            g["targets"].append((member.number, code))
            row = rows.get(code)
            if row is None or row.status == "pending":
                g["provided"] = False
    return [
        BundleMaterial(k, g["name"], g["lic"], g["data"], tuple(g["targets"]), g["provided"])
        for k, g in groups.items()
    ]


def _targets(parent: Case, key: str) -> list[tuple[Case, str]]:
    by_number = {m.number: m for m in members_of(parent)}
    for group in bundle_materials(parent):
        if group.key == key:
            return [(by_number[n], code) for n, code in group.targets]
    raise NotFound(_("没有这项材料。"))


@transaction.atomic
def bundle_material_upload(
    *, actor: Any, case: Case, key: str, file_name: str, content: bytes, content_type: str = ""
) -> int:
    """One upload for every member that asks for this material; returns how many it satisfied."""
    require_applicant(actor, case)
    targets = _targets(case, key)
    for member, code in targets:
        case_material_upload(
            actor=actor,
            case=member,
            code=code,
            file_name=file_name,
            content=content,
            content_type=content_type,
        )
    return len(targets)


@transaction.atomic
def bundle_material_authorize(
    *, actor: Any, case: Case, key: str, source: str, reference: str
) -> int:
    require_applicant(actor, case)
    targets = _targets(case, key)
    for member, code in targets:
        case_material_authorize(
            actor=actor, case=member, code=code, source=source, reference=reference
        )
    return len(targets)


@transaction.atomic
def bundle_submit(*, actor: Any, case: Case, request_tolerance: bool = False) -> SubmitResult:
    """Submit the combined application: every member is checked now; the first stage's members
    go to their departments at once, later stages when the earlier ones complete."""
    require_applicant(actor, case)
    require_assurance_to_apply(actor)
    parent = lock_case(case)
    from_status = transition(parent, "submit")
    members = members_of(parent)
    problems: list[FieldProblem] = []
    for member in members:
        try:
            _check_complete(member, request_tolerance=request_tolerance, commitment=False)
        except ValidationFailed as exc:
            problems += [
                FieldProblem(p.field, f"{member.item_name}：{p.message}")
                for p in exc.fields
                if p.field.startswith("materials.") or p not in problems
            ]
    if problems:
        raise ValidationFailed(
            _("合并申请还有%(n)s处需要补充。") % {"n": len(problems)}, fields=problems
        )
    code = _new_verification_code()
    first = min(m.bundle_stage for m in members)
    for member in members:
        if member.bundle_stage == first:
            submit_locked(actor=actor, case=member, request_tolerance=request_tolerance)
        member.verification_digest = verification_digest(code)
        member.save(update_fields=["verification_digest"])
    parent.status = CaseStatus.SUBMITTED
    parent.submitted_at = timezone.now()
    parent.received_on = today()
    parent.verification_digest = verification_digest(code)
    save_case(parent, ["status", "submitted_at", "received_on", "verification_digest"])
    record_event(
        parent, action="submit", actor=actor, stage=EventStage.APPLY, from_status=from_status
    )
    audit_record(
        actor=actor,
        action="cases.bundle.submit",
        obj=parent,
        summary={"number": parent.number, "members": [m.number for m in members]},
    )
    return SubmitResult(case=parent, verification_code=code)


def combined_status(members: list[Case]) -> str:
    if not members:
        return CaseStatus.DRAFT
    statuses = {m.status for m in members}
    if statuses <= {CaseStatus.DRAFT}:
        return CaseStatus.DRAFT
    if statuses <= {CaseStatus.WITHDRAWN}:
        return CaseStatus.WITHDRAWN
    if all(s in FINAL_STATUSES for s in statuses):
        return CaseStatus.COMPLETED
    if statuses <= {CaseStatus.SUBMITTED, CaseStatus.DRAFT}:
        return CaseStatus.SUBMITTED
    return CaseStatus.IN_PROGRESS


@dataclass
class BundleOverview:
    parent: Case
    status: str
    members: list[Case] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)


def bundle_overview(parent: Case) -> BundleOverview:
    members = members_of(parent)
    names = (
        {
            s.get("stage"): s.get("name", "")
            for s in (parent.bundle.definition or {}).get("stages", [])
        }
        if parent.bundle
        else {}
    )
    stages: dict[int, list[Case]] = {}
    for m in members:
        stages.setdefault(m.bundle_stage, []).append(m)
    return BundleOverview(
        parent=parent,
        status=combined_status(members),
        members=members,
        stages=[
            {
                "stage": s,
                "name": names.get(s, ""),
                "members": ms,
                "done": all(m.status in FINAL_STATUSES for m in ms),
            }
            for s, ms in sorted(stages.items())
        ],
    )


def bundle_refresh(*, parent_id: int, actor: Any) -> Case:
    """After a member changes: submit the next stage when the current one is done, and set the
    parent's combined status (办结 when every member is). Runs inside the member's transaction."""
    parent = Case.objects.select_for_update().get(pk=parent_id)
    if parent.status == CaseStatus.WITHDRAWN:
        return parent
    members = members_of(parent)
    open_stages = sorted({m.bundle_stage for m in members if m.status not in FINAL_STATUSES})
    if open_stages:
        stage = open_stages[0]
        current = [m for m in members if m.bundle_stage == stage]
        # The next stage starts only when every earlier member succeeded (办结/送达).
        earlier_done = all(
            m.status in (CaseStatus.COMPLETED, CaseStatus.DELIVERED)
            for m in members
            if m.bundle_stage < stage
        )
        if earlier_done and parent.status != CaseStatus.DRAFT:
            for m in current:
                if m.status == CaseStatus.DRAFT:
                    locked = lock_case(m, check_version=False)
                    digest = locked.verification_digest
                    submit_locked(actor=None, case=locked)
                    locked.verification_digest = digest
                    locked.save(update_fields=["verification_digest"])
    members = members_of(parent)
    status = combined_status(members)
    if status != parent.status and parent.status != CaseStatus.DRAFT:
        from_status = parent.status
        parent.status = status
        fields = ["status"]
        if status in FINAL_STATUSES:
            parent.completed_at = parent.closed_at = timezone.now()
            fields += ["completed_at", "closed_at"]
        save_case(parent, fields)
        record_event(
            parent,
            action="complete" if status == CaseStatus.COMPLETED else "forward",
            actor=actor,
            stage=EventStage.RESULT if status in FINAL_STATUSES else EventStage.PROCESS,
            from_status=from_status,
            label=_("一件事状态更新：%(s)s") % {"s": CaseStatus(status).label},
        )
    return parent
