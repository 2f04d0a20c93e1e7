"""Applying (办事申请): drafts saved as you go, materials (upload, e-license, shared data, paper at
the window), submission checked against the guide, withdrawal, and resubmission after 补正.

The case pins the exact guide version it was started under (form and workflow included); a new
version of the guide does not change a case already in flight."""

from __future__ import annotations

import logging
import mimetypes
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases import sources
from tongban.cases.models import (
    ApplicantKind,
    Case,
    CaseMaterial,
    CaseSequence,
    CaseStatus,
    Channel,
    MaterialStatus,
    SatisfiedBy,
    ScanStatus,
)
from tongban.cases.models.handling import EventStage
from tongban.cases.permissions import require_can_apply_for
from tongban.cases.services.common import (
    accept_step,
    case_guide,
    lock_case,
    record_event,
    require_applicant,
    save_case,
    today,
    transition,
)
from tongban.cases.services.forms import form_clean
from tongban.cases.services.notifications import notify_applicant, title_for
from tongban.cases.services.routing import cross_region_mode, route_for_item, window_of
from tongban.catalog.guide_schema import GuideContent
from tongban.catalog.models import ImplementationItem, ItemStatus
from tongban.core.crypto import blind_index, constant_time_equal, sm3_hex
from tongban.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import mask_name
from tongban.identity.models import AssuranceLevel

logger = logging.getLogger("tongban.cases.apply")

ALLOWED_UPLOAD_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),  # OFD (GB/T 33190) is a zip container
}
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


# --- numbers and codes ---------------------------------------------------------------------------


def case_number_next(region_code: str) -> str:
    """办件编号: handling region, date, six-digit daily sequence — 510104-20261122-000017. The
    counter row is incremented with F() inside the caller's transaction (no read-check-write)."""
    day = today()
    CaseSequence.objects.get_or_create(region_code=region_code, day=day)
    CaseSequence.objects.filter(region_code=region_code, day=day).update(last=F("last") + 1)
    last = CaseSequence.objects.get(region_code=region_code, day=day).last
    return f"{region_code}-{day:%Y%m%d}-{last:06d}"


def verification_digest(code: str) -> str:
    return blind_index(code.strip(), purpose="cases.progress")


def verification_matches(case: Case, code: str) -> bool:
    return bool(case.verification_digest) and constant_time_equal(
        case.verification_digest, verification_digest(code)
    )


def _new_verification_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


# --- who applies -----------------------------------------------------------------------------------


def holder_for(case: Case) -> sources.Holder:
    if case.applicant_kind == ApplicantKind.ORGANISATION and case.legal_person is not None:
        return sources.Holder(
            user_id=case.applicant_id,
            holder_kind="organisation",
            holder_key=case.legal_person.credit_code,
            holder_name=case.legal_person.name,
        )
    return sources.Holder(
        user_id=case.applicant_id,
        holder_kind="person",
        holder_key=case.applicant_id_number,
        holder_name=case.applicant_name,
    )


def material_needs(guide: GuideContent) -> list[tuple[str, Any]]:
    """(code, material) for every material of the guide; materials without a code get a stable
    positional one (m1, m2 …)."""
    return [(m.code or f"m{i}", m) for i, m in enumerate(guide.materials, start=1)]


def _published_item(item_code: str) -> ImplementationItem:
    item = (
        ImplementationItem.objects.select_related("published_version", "region")
        .filter(code=item_code.upper(), status=ItemStatus.ACTIVE)
        .first()
    )
    if item is None or item.published_version is None:
        raise NotFound(_("未找到该事项，或该事项暂未开放网上申请。"))
    return item


def _build_case(
    *,
    applicant: Any,
    item: ImplementationItem,
    legal_person: Any,
    channel: str,
    form_data: dict[str, Any],
    parent: Case | None = None,
    bundle: Any = None,
    bundle_stage: int = 0,
    accepting: Any = None,
) -> Case:
    from tongban.cases.models import ItemCasePolicy

    version = item.published_version
    route = route_for_item(item)
    case = Case(
        number=case_number_next(route.region_code),
        item=item,
        guide_version=version,
        guide_digest=version.content_digest,
        item_code=item.code,
        item_name=item.name,
        case_kind=item.case_kind,
        applicant=applicant,
        applicant_kind=ApplicantKind.ORGANISATION if legal_person else ApplicantKind.PERSON,
        legal_person=legal_person,
        applicant_name=legal_person.name if legal_person else applicant.display_name,
        applicant_id_type="001" if legal_person else "111",
        applicant_id_number=legal_person.credit_code if legal_person else applicant.id_number,
        agent_name=applicant.display_name if legal_person else "",
        agent_id_number=applicant.id_number if legal_person else "",
        contact_phone=applicant.phone,
        contact_address=applicant.address,
        handling_body_id=route.body_id,
        handling_department_id=route.department_id,
        handling_region_id=route.region_code,
        channel=channel,
        form_data=form_data,
        parent=parent,
        bundle=bundle,
        bundle_stage=bundle_stage,
        is_joint=ItemCasePolicy.objects.filter(item=item, is_joint=True).exists(),
    )
    if accepting is not None:
        case.accepting_region = accepting.region
        case.accepting_department = accepting.department
        case.cross_region_mode = cross_region_mode(
            handling_region=route.region_code, accepting_region=accepting.region.code
        )
    guide = case_guide(case)
    case.form_data = form_clean(guide.form, form_data or {}, complete=False)
    case.save()
    CaseMaterial.objects.bulk_create(
        CaseMaterial(
            case=case,
            code=code,
            name=m.name,
            required=m.required,
            is_key=m.is_key,
            copies=m.original_copies + m.copy_copies,
        )
        for code, m in material_needs(guide)
    )
    return case


@transaction.atomic
def case_draft_create(
    *,
    actor: Any,
    item_code: str,
    legal_person: Any = None,
    channel: str = Channel.ONLINE,
    form_data: dict[str, Any] | None = None,
) -> Case:
    """Start an application for a published item (暂存). An agent passes the enterprise they act
    for (needs the "apply" grant)."""
    require_assurance_to_apply(actor)
    require_can_apply_for(actor, legal_person)
    item = _published_item(item_code)
    case = _build_case(
        applicant=actor,
        item=item,
        legal_person=legal_person,
        channel=channel,
        form_data=form_data or {},
    )
    record_event(case, action="save_draft", actor=actor, stage=EventStage.APPLY, from_status="")
    audit_record(
        actor=actor,
        action="cases.case.draft_create",
        obj=case,
        summary={"number": case.number, "item": item.code, "enterprise": bool(legal_person)},
    )
    return case


@transaction.atomic
def case_create_at_window(
    *,
    actor: Any,
    item_code: str,
    applicant: Any,
    legal_person: Any = None,
    form_data: dict[str, Any] | None = None,
) -> Case:
    """A window clerk enters an application for a person at the counter (一窗受理 / 异地代收):
    the case belongs to the applicant's account, the clerk's window is the accepting one, and
    the item may be implemented anywhere (跨省通办)."""
    window = window_of(actor)
    if window is None:
        raise PermissionDenied(_("只有窗口人员可以代为录入申请。"))
    item = _published_item(item_code)
    case = _build_case(
        applicant=applicant,
        item=item,
        legal_person=legal_person,
        channel=Channel.WINDOW,
        form_data=form_data or {},
        accepting=window,
    )
    record_event(
        case,
        action="save_draft",
        actor=actor,
        stage=EventStage.APPLY,
        from_status="",
        label=_("窗口代录申请"),
        data={"accepting_region": window.region.code, "cross_region": case.cross_region_mode},
    )
    audit_record(
        actor=actor,
        action="cases.case.window_create",
        obj=case,
        summary={
            "number": case.number,
            "item": item.code,
            "applicant": mask_name(applicant.display_name),
            "accepting_region": window.region.code,
        },
    )
    return case


def _check_editable(actor: Any, case: Case) -> None:
    if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION):
        raise Conflict(
            _("办件当前状态为“%(status)s”，不能再修改申请内容。")
            % {"status": CaseStatus(case.status).label},
            code="invalid_transition",
        )


def require_assurance_to_apply(actor: Any) -> None:
    """Applying online binds the applicant to what is declared: the account must be real-name
    verified (L2) first, whichever interface it comes through (the portal checks it too)."""
    if int(getattr(actor, "assurance_level", 0) or 0) < AssuranceLevel.L2:
        raise PermissionDenied(
            _(
                "在线申办须先完成实名认证（%(level)s）。请在“我的账号”中完成实名认证后再申请，"
                "或携带身份证件到政务服务窗口办理。"
            )
            % {"level": AssuranceLevel.L2.label},
            code="assurance_required",
        )


def _require_editor(actor: Any, case: Case) -> None:
    """The applicant side, or the window clerk who entered it at the counter."""
    from tongban.cases.services.common import staff_covers_case

    if getattr(actor, "kind", "") == "staff" and case.channel == Channel.WINDOW:
        if staff_covers_case(actor, case, roles=["window_clerk"]):
            return
        raise NotFound()
    require_applicant(actor, case)


@transaction.atomic
def case_draft_save(
    *,
    actor: Any,
    case: Case,
    form_data: dict[str, Any],
    delivery_preference: str | None = None,
    contact_phone: str | None = None,
    contact_address: str | None = None,
) -> Case:
    """Save the form as you go: unknown keys and malformed values are refused, gaps are fine."""
    _require_editor(actor, case)
    locked = lock_case(case)
    _check_editable(actor, locked)
    guide = case_guide(locked)
    locked.form_data = form_clean(guide.form, {**locked.form_data, **form_data}, complete=False)
    fields = ["form_data"]
    if delivery_preference is not None:
        if delivery_preference not in {"", "online", "mail", "window"}:
            raise ValidationFailed(
                _("结果领取方式不正确。"),
                fields=[FieldProblem("delivery_preference", _("请选择网上、邮寄或窗口领取。"))],
            )
        locked.delivery_preference = delivery_preference
        fields.append("delivery_preference")
    if contact_phone is not None:
        locked.contact_phone = contact_phone
        fields.append("contact_phone")
    if contact_address is not None:
        locked.contact_address = contact_address
        fields.append("contact_address")
    save_case(locked, fields)
    audit_record(
        actor=actor,
        action="cases.case.draft_save",
        obj=locked,
        summary={"number": locked.number, "fields": sorted(form_data)},
    )
    return locked


# --- materials ---------------------------------------------------------------------------------


def _material(case: Case, code: str) -> CaseMaterial:
    material = CaseMaterial.objects.filter(case=case, code=code).first()
    if material is None:
        raise NotFound(_("本事项没有编码为“%(code)s”的材料。") % {"code": code})
    return material


def _material_editable(case: Case, material: CaseMaterial) -> None:
    if case.status in (CaseStatus.DRAFT, CaseStatus.CORRECTION):
        return
    if material.status == MaterialStatus.TOLERATED and case.is_open:
        return  # 容缺: the missing material may be supplied while the case runs
    raise Conflict(
        _("办件已提交，材料不能再修改。如需补充，请等待补正通知。"), code="invalid_transition"
    )


def _scan(path: str, content: bytes) -> str:
    """The virus-scan hook: TONGBAN_CASES_SCANNER names a callable(path, content) returning
    "clean" or "infected"; without one the file is marked "skipped"."""
    dotted = getattr(settings, "TONGBAN_CASES_SCANNER", "")
    if not dotted:
        return ScanStatus.SKIPPED
    verdict = import_string(dotted)(path, content)
    return ScanStatus.INFECTED if verdict == "infected" else ScanStatus.CLEAN


def _check_upload(file_name: str, content: bytes, content_type: str) -> str:
    problems: list[FieldProblem] = []
    limit = int(getattr(settings, "TONGBAN_CASES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))
    guessed = content_type or mimetypes.guess_type(file_name)[0] or ""
    if guessed == "application/octet-stream" and file_name.lower().endswith(".ofd"):
        guessed = "application/ofd"
    if not content:
        problems.append(FieldProblem("file", _("文件是空的，请重新选择。")))
    elif len(content) > limit:
        problems.append(
            FieldProblem(
                "file",
                _("文件超过%(mb)sMB，请压缩后再上传。") % {"mb": limit // (1024 * 1024)},
            )
        )
    magic = ALLOWED_UPLOAD_TYPES.get(guessed)
    if magic is None:
        problems.append(FieldProblem("file", _("只能上传PDF、JPG、PNG或OFD格式的文件。")))
    elif content and not any(content.startswith(m) for m in magic):
        problems.append(FieldProblem("file", _("文件内容与其类型不符，请上传原始文件。")))
    if problems:
        raise ValidationFailed(_("文件不能上传。"), fields=problems)
    return guessed


@transaction.atomic
def case_material_upload(
    *, actor: Any, case: Case, code: str, file_name: str, content: bytes, content_type: str = ""
) -> CaseMaterial:
    """Store an uploaded material (type, size and content checked; SM3 recorded; scan hook)."""
    _require_editor(actor, case)
    locked = lock_case(case, check_version=False)
    material = _material(locked, code)
    _material_editable(locked, material)
    kind = _check_upload(file_name, content, content_type)
    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(kind, ".ofd")
    path = default_storage.save(
        f"cases/{locked.public_id}/{code}/{uuid.uuid4().hex}{ext}", ContentFile(content)
    )
    verdict = _scan(path, content)
    if verdict == ScanStatus.INFECTED:
        default_storage.delete(path)
        raise ValidationFailed(
            _("文件未通过安全检查，已拒收。"),
            fields=[FieldProblem("file", _("文件可能含有病毒，请检查后重新上传。"))],
        )
    old_path = material.file_path
    was_tolerated = material.status == MaterialStatus.TOLERATED
    material.file_path = path
    material.file_name = file_name[:200]
    material.content_type = kind
    material.size = len(content)
    material.sm3 = sm3_hex(content)
    material.scan_status = verdict
    material.satisfied_by = SatisfiedBy.UPLOAD
    material.evidence = {}
    material.status = MaterialStatus.PROVIDED
    material.supplied_at = timezone.now()
    material.save()
    if old_path:
        transaction.on_commit(lambda: default_storage.delete(old_path))
    if was_tolerated:
        _after_tolerated_supplied(actor, locked, material)
    audit_record(
        actor=actor,
        action="cases.material.upload",
        obj=locked,
        summary={"number": locked.number, "code": code, "size": len(content), "sm3": material.sm3},
    )
    return material


def _after_tolerated_supplied(actor: Any, case: Case, material: CaseMaterial) -> None:
    from tongban.cases.workflow import require_action

    require_action("supply_material", case.status)
    still = CaseMaterial.objects.filter(case=case, status=MaterialStatus.TOLERATED).exists()
    fields: list[str] = []
    if not still:
        case.tolerated_due_date = None
        fields.append("tolerated_due_date")
    save_case(case, fields)
    record_event(
        case,
        action="supply_material",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=case.status,
        data={"material": material.code, "all_supplied": not still},
    )


@transaction.atomic
def case_material_authorize(
    *, actor: Any, case: Case, code: str, source: str, reference: str
) -> CaseMaterial:
    """Let an e-license (用证) or shared data (免提交) stand in for a material: the source records
    the applicant's consent for this case and returns the evidence kept on the material."""
    _require_editor(actor, case)
    locked = lock_case(case, check_version=False)
    material = _material(locked, code)
    _material_editable(locked, material)
    provider = sources.material_source(source)
    if provider is None:
        raise ValidationFailed(
            _("暂不支持该材料来源。"),
            fields=[FieldProblem("source", _("未知的材料来源“%(s)s”。") % {"s": source})],
        )
    guide = case_guide(locked)
    need_material = dict(material_needs(guide)).get(code)
    need = sources.MaterialNeed(
        code=code,
        name=material.name,
        license_type_code=getattr(need_material, "license_type_code", ""),
        data_resource_code=getattr(need_material, "data_resource_code", ""),
    )
    evidence = provider.authorize(
        holder=holder_for(locked),
        need=need,
        reference=reference,
        case_number=locked.number,
        purpose=_("办理“%(item)s”") % {"item": locked.item_name},
    )
    was_tolerated = material.status == MaterialStatus.TOLERATED
    material.satisfied_by = SatisfiedBy.LICENSE if source == "license" else SatisfiedBy.SHARING
    material.evidence = {
        "source": evidence.source,
        "reference": evidence.reference,
        "label": evidence.label,
        "issuer": evidence.issuer,
        "obtained_at": evidence.obtained_at,
        "content": evidence.content,
    }
    material.file_path = ""
    material.file_name = ""
    material.content_type = ""
    material.size = 0
    material.sm3 = ""
    material.scan_status = ScanStatus.NONE
    material.status = MaterialStatus.PROVIDED
    material.supplied_at = timezone.now()
    material.save()
    if was_tolerated:
        _after_tolerated_supplied(actor, locked, material)
    audit_record(
        actor=actor,
        action="cases.material.authorize",
        obj=locked,
        summary={"number": locked.number, "code": code, "source": source},
    )
    return material


@transaction.atomic
def case_material_clear(*, actor: Any, case: Case, code: str) -> CaseMaterial:
    """Remove what satisfied a material (the applicant changed their mind)."""
    _require_editor(actor, case)
    locked = lock_case(case, check_version=False)
    material = _material(locked, code)
    _check_editable(actor, locked)
    old_path = material.file_path
    material.status = MaterialStatus.PENDING
    material.satisfied_by = SatisfiedBy.NONE
    material.evidence = {}
    material.file_path = material.file_name = material.content_type = material.sm3 = ""
    material.size = 0
    material.scan_status = ScanStatus.NONE
    material.supplied_at = None
    material.save()
    if old_path:
        transaction.on_commit(lambda: default_storage.delete(old_path))
    audit_record(
        actor=actor,
        action="cases.material.clear",
        obj=locked,
        summary={"number": locked.number, "code": code},
    )
    return material


@transaction.atomic
def case_material_receive_paper(
    *, actor: Any, case: Case, code: str, copies: int = 1
) -> CaseMaterial:
    """A window clerk records a paper material received at the counter (收取方式: 纸质)."""
    from tongban.cases.services.common import require_role

    require_role(actor, case, "window_clerk")
    locked = lock_case(case, check_version=False)
    material = _material(locked, code)
    if locked.status not in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CORRECTION):
        _material_editable(locked, material)
    was_tolerated = material.status == MaterialStatus.TOLERATED
    material.satisfied_by = SatisfiedBy.PAPER
    material.status = MaterialStatus.PROVIDED
    material.copies = copies
    material.supplied_at = timezone.now()
    material.save()
    if was_tolerated:
        _after_tolerated_supplied(actor, locked, material)
    audit_record(
        actor=actor,
        action="cases.material.paper",
        obj=locked,
        summary={"number": locked.number, "code": code, "copies": copies},
    )
    return material


def missing_materials(case: Case) -> list[CaseMaterial]:
    """Required materials nothing satisfies yet (not counting 容缺 ones already tolerated)."""
    return list(
        CaseMaterial.objects.filter(case=case, required=True, status=MaterialStatus.PENDING)
    )


# --- submission ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    verification_code: str  # shown once (and sent by SMS): for progress queries without sign-in


def _check_complete(case: Case, *, request_tolerance: bool, commitment: bool) -> None:
    from tongban.cases.services.instant import policy_for

    guide = case_guide(case)
    case.form_data = form_clean(guide.form, case.form_data, complete=True)
    missing = missing_materials(case)
    if not missing:
        return
    policy = policy_for(case.item_id)
    problems: list[FieldProblem] = []
    for m in missing:
        if commitment and policy.allows_commitment:
            continue  # 告知承诺: the written commitment stands in for the proof
        if request_tolerance and policy.allows_tolerance and not m.is_key:
            continue  # 容缺: the clerk decides at acceptance and sets the deadline
        hint = (
            _("核心材料不能容缺，请上传或使用电子证照。")
            if m.is_key and request_tolerance
            else _("请上传或选择电子证照/共享数据。")
        )
        problems.append(FieldProblem(f"materials.{m.code}", f"{m.name}：{hint}"))
    if problems:
        raise ValidationFailed(
            _("还有%(n)s项必要材料未提供。") % {"n": len(problems)}, fields=problems
        )


def submit_locked(
    *,
    actor: Any,
    case: Case,
    request_tolerance: bool = False,
    commitment: bool = False,
    commitment_text: str = "",
) -> str:
    """The submission itself, on a locked case (shared with bundle submission)."""
    from tongban.cases.services.instant import policy_for

    from_status = transition(case, "submit")
    _check_complete(case, request_tolerance=request_tolerance, commitment=commitment)
    if commitment:
        policy = policy_for(case.item_id)
        if not policy.allows_commitment:
            raise ValidationFailed(_("本事项未实行告知承诺制，请提供全部材料。"))
        if not (commitment_text or policy.commitment_template).strip():
            raise ValidationFailed(
                _("请阅读并签署告知承诺书。"),
                fields=[FieldProblem("commitment_text", _("承诺书内容不能为空。"))],
            )
        case.commitment = True
        case.commitment_text = commitment_text or policy.commitment_template
        case.commitment_signed_at = timezone.now()
    code = _new_verification_code()
    now = timezone.now()
    step = accept_step(case)
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    case.received_on = today()
    case.current_step = step.key
    case.current_step_name = step.name
    case.current_role = step.role
    case.step_started_at = now
    case.verification_digest = verification_digest(code)
    save_case(
        case,
        [
            "status",
            "submitted_at",
            "received_on",
            "current_step",
            "current_step_name",
            "current_role",
            "step_started_at",
            "verification_digest",
            "form_data",
            "commitment",
            "commitment_text",
            "commitment_signed_at",
        ],
    )
    record_event(
        case,
        action="submit",
        actor=actor,
        stage=EventStage.APPLY,
        from_status=from_status,
        data={
            "channel": case.channel,
            "handling_form": Channel.handling_form(case.channel),
            "request_tolerance": request_tolerance,
            "commitment": commitment,
        },
    )
    notify_applicant(
        case=case,
        kind="submitted",
        title=title_for("submitted"),
        body=_("您的“%(item)s”申请已提交，办件编号%(number)s，查询码%(code)s。")
        % {"item": case.item_name, "number": case.number, "code": code},
    )
    return code


@transaction.atomic
def case_submit(
    *,
    actor: Any,
    case: Case,
    request_tolerance: bool = False,
    commitment: bool = False,
    commitment_text: str = "",
) -> SubmitResult:
    """Submit a draft: the form is checked against the guide's form definition and every
    required material must be satisfied — except non-key ones when the applicant asks for 容缺
    (request_tolerance) and, for items under 告知承诺制, those covered by the signed commitment.
    Items configured for 秒批 are decided at once when their rules hold."""
    _require_editor(actor, case)
    if getattr(actor, "kind", "") != "staff":  # at the window the clerk checked the ID in person
        require_assurance_to_apply(actor)
    locked = lock_case(case)
    code = submit_locked(
        actor=actor,
        case=locked,
        request_tolerance=request_tolerance,
        commitment=commitment,
        commitment_text=commitment_text,
    )
    audit_record(
        actor=actor,
        action="cases.case.submit",
        obj=locked,
        summary={"number": locked.number, "item": locked.item_code, "commitment": commitment},
    )
    from tongban.cases.services.instant import instant_try

    instant_try(case=locked)
    return SubmitResult(case=locked, verification_code=code)


@transaction.atomic
def case_verification_code_reset(*, actor: Any, case: Case) -> str:
    """A new progress-query code for the applicant (the old one stops working)."""
    require_applicant(actor, case)
    locked = lock_case(case, check_version=False)
    if locked.status == CaseStatus.DRAFT:
        raise Conflict(_("办件尚未提交。"), code="invalid_transition")
    code = _new_verification_code()
    locked.verification_digest = verification_digest(code)
    locked.save(update_fields=["verification_digest", "updated_at"])
    audit_record(actor=actor, action="cases.case.code_reset", obj=locked, summary={})
    return code


@transaction.atomic
def case_withdraw(*, actor: Any, case: Case, reason: str = "") -> Case:
    """The applicant withdraws (撤回) before a decision."""
    require_applicant(actor, case)
    locked = lock_case(case)
    from_status = transition(locked, "withdraw")
    locked.status = CaseStatus.WITHDRAWN
    locked.closed_at = timezone.now()
    locked.paused_since = None
    locked.current_role = ""
    save_case(locked, ["status", "closed_at", "paused_since", "current_role"])
    record_event(
        locked,
        action="withdraw",
        actor=actor,
        stage=EventStage.RESULT,
        from_status=from_status,
        opinion=reason,
    )
    if from_status != CaseStatus.DRAFT:
        notify_applicant(
            case=locked,
            kind="withdrawn",
            title=title_for("withdrawn"),
            body=_("办件%(number)s已按您的申请撤回。") % {"number": locked.number},
        )
    audit_record(
        actor=actor,
        action="cases.case.withdraw",
        obj=locked,
        summary={"number": locked.number, "from": from_status},
        reason=reason,
    )
    if locked.kind == "bundle":
        # Withdrawing the combined application withdraws every member still open.
        from tongban.cases.workflow import can

        for member in Case.objects.filter(parent=locked).order_by("id"):
            if can("withdraw", member.status):
                case_withdraw(actor=actor, case=member, reason=reason)
    if locked.parent_id:
        from tongban.cases.services.bundles import bundle_refresh

        bundle_refresh(parent_id=locked.parent_id, actor=actor)
    return locked


@transaction.atomic
def case_correction_submit(*, actor: Any, case: Case, note: str = "") -> Case:
    """The applicant hands in what the 补正 notice asked for: back to acceptance (or, when the
    notice came after acceptance, back to the step, with the paused days not counted)."""
    from tongban.cases.models import Correction
    from tongban.cases.services.clock import clock_resume

    _require_editor(actor, case)
    locked = lock_case(case)
    from_status = transition(locked, "correction_submit")
    correction = Correction.objects.filter(case=locked, resolved_at__isnull=True).first()
    guide = case_guide(locked)
    locked.form_data = form_clean(guide.form, locked.form_data, complete=True)
    missing = [
        m
        for m in missing_materials(locked)
        if correction and m.code in {i.get("code") for i in correction.items}
    ]
    if missing:
        raise ValidationFailed(
            _("补正清单中还有材料未提供。"),
            fields=[FieldProblem(f"materials.{m.code}", m.name) for m in missing],
        )
    if correction is not None:
        correction.resolved_at = timezone.now()
        correction.save(update_fields=["resolved_at", "updated_at"])
    fields = ["status", "form_data"]
    if correction is not None and correction.after_acceptance:
        locked.status = CaseStatus.IN_PROGRESS
        clock_resume(locked)
        fields += ["paused_days", "paused_since", "legal_due_date", "promised_due_date"]
    else:
        locked.status = CaseStatus.SUBMITTED
        locked.received_on = today()  # the 5-day notice period runs again from the new receipt
        fields.append("received_on")
    save_case(locked, fields)
    record_event(
        locked,
        action="correction_submit",
        actor=actor,
        stage=EventStage.APPLY,
        from_status=from_status,
        opinion=note,
    )
    audit_record(
        actor=actor,
        action="cases.case.correction_submit",
        obj=locked,
        summary={"number": locked.number},
    )
    return locked
