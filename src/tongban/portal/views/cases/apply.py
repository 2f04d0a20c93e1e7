"""Applying online (网上申请): start from a guide or a 一件事 page, fill the form the guide
defines (saved as you go), provide the materials, review and submit.

/services/<code>/apply/           who applies (self / an enterprise one is an agent for), start
/bundles/<code>/apply/            the same for a 一件事 bundle (one combined application)
/my/cases/<number>/form/          the application form (save button + htmx autosave)
/my/cases/<number>/materials/     upload, use an e-license / shared data instead (免提交), remove
/my/cases/<number>/review/        check everything, 容缺 / 告知承诺 where allowed, submit
/my/cases/<number>/submitted/     the verification code, shown once
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.cases.models import Case, CaseStatus
from tongban.cases.permissions import legal_persons_for
from tongban.cases.selectors import case_list_for_applicant
from tongban.cases.services.apply import (
    DEFAULT_MAX_UPLOAD,
    case_draft_create,
    case_draft_save,
    case_material_authorize,
    case_material_clear,
    case_material_upload,
    case_submit,
    missing_materials,
)
from tongban.cases.services.bundles import (
    bundle_case_start,
    bundle_draft_save,
    bundle_form_fields,
    bundle_material_authorize,
    bundle_material_upload,
    bundle_overview,
    bundle_submit,
)
from tongban.cases.services.common import case_guide
from tongban.cases.services.instant import policy_for
from tongban.catalog.selectors import bundle_get, item_get_public, item_guide
from tongban.core.errors import DomainError, NotFound, ValidationFailed
from tongban.identity.models import AgentScope
from tongban.identity.selectors import enterprises_for
from tongban.portal.forms.cases import (
    ApplicantChoiceForm,
    SubmitForm,
    UploadForm,
    field_views,
    posted_values,
    problems_by_field,
)
from tongban.portal.views.cases.common import (
    APPLY_LEVEL,
    assurance_required,
    bundle_material_views,
    case_for_applicant,
    current_user,
    error_status,
    is_bundle,
    material_views,
    online_application_allowed,
    pop_code,
    remember_code,
)
from tongban.portal.views.catalog import ITEM_CODE, visitor_region

EDITABLE = (CaseStatus.DRAFT, CaseStatus.CORRECTION)
DELIVERY_CHOICES = [
    ("online", gettext_lazy("网上领取（电子证照或电子文书，推荐）")),
    ("mail", gettext_lazy("邮寄送达（寄到下面的地址）")),
    ("window", gettext_lazy("到窗口领取")),
]


def _apply_enterprises(user: Any) -> list[Any]:
    """Enterprises the user may apply for (representative, or agent with the "apply" scope)."""
    allowed = set(legal_persons_for(user, scopes={AgentScope.APPLY}))
    return [r.legal_person for r in enterprises_for(user) if r.legal_person.pk in allowed]


def _chosen_enterprise(form: ApplicantChoiceForm, enterprises: list[Any]) -> Any:
    value = form.cleaned_data["applicant"]
    return next((lp for lp in enterprises if str(lp.public_id) == value), None)


def _form_url(case: Case) -> str:
    return reverse("portal:case-form", args=[case.number])


# --- Start ---------------------------------------------------------------------------------------


@never_cache
@assurance_required(APPLY_LEVEL)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """开始申请: who applies; then a draft is created and the form opens."""
    try:
        if not ITEM_CODE.fullmatch(code):
            raise NotFound()
        item = item_get_public(code)
        content = item_guide(item)
    except NotFound as exc:
        raise Http404(_("没有这个事项，或事项已停止办理。")) from exc
    if not online_application_allowed(content):
        messages.info(request, _("本事项暂不支持网上申请，请按办事指南到窗口办理。"))
        return redirect("portal:service-guide", code=item.code)
    user = current_user(request)
    enterprises = _apply_enterprises(user)
    form = ApplicantChoiceForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_draft_create(
                actor=user, item_code=item.code, legal_person=_chosen_enterprise(form, enterprises)
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("已为您创建申请草稿（办件编号%(number)s），填写内容会随时保存。")
                % {"number": case.number},
            )
            return redirect(_form_url(case))
    drafts = list(
        case_list_for_applicant(user, status=CaseStatus.DRAFT).filter(item_code=item.code)[:5]
    )
    context = {
        "item": item,
        "guide": content,
        "form": form,
        "drafts": drafts,
        "materials_count": len(content.materials),
        "replaceable_count": sum(1 for m in content.materials if m.replaceable),
    }
    return render(request, "portal/cases/start.html", context, status=422 if form.errors else 200)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_http_methods(["GET", "POST"])
def bundle_start(request: HttpRequest, code: str) -> HttpResponse:
    """一件事一次办: one combined application for every matter of the bundle."""
    try:
        if len(code) > 32 or "\x00" in code:
            raise NotFound()
        bundle = bundle_get(code)
    except NotFound as exc:
        raise Http404(_("没有这个“一件事”。")) from exc
    user = current_user(request)
    region = visitor_region(request)
    enterprises = _apply_enterprises(user)
    form = ApplicantChoiceForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        try:
            parent = bundle_case_start(
                actor=user,
                bundle_code=bundle.code,
                region_code=region.code,
                legal_person=_chosen_enterprise(form, enterprises),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            for problem in exc.fields:
                form.add_error(None, problem.message)
        else:
            messages.success(
                request,
                _("已为您创建“%(name)s”合并申请草稿（办件编号%(number)s）。")
                % {"name": bundle.name, "number": parent.number},
            )
            return redirect(_form_url(parent))
    context = {"bundle": bundle, "region": region, "form": form}
    return render(
        request, "portal/cases/bundle_start.html", context, status=422 if form.errors else 200
    )


# --- The form ------------------------------------------------------------------------------------


def _definitions(case: Case) -> list[Any]:
    if is_bundle(case):
        return bundle_form_fields(case)
    return list(case_guide(case).form.fields)


def _prefilled(case: Case, definitions: list[Any], values: dict[str, Any]) -> dict[str, Any]:
    """Empty fields the guide marks for prefill (applicant.name …) get what the case already
    knows about the applicant; the next save stores them like typed values."""
    known = {
        "applicant.name": case.applicant_name,
        "applicant.id_number": case.applicant_id_number,
        "applicant.credit_code": case.applicant_id_number if case.legal_person_id else "",
        "applicant.phone": case.contact_phone,
        "applicant.address": case.contact_address,
    }
    out = dict(values)
    for f in definitions:
        if out.get(f.key) in (None, "") and known.get(f.prefill):
            out[f.key] = known[f.prefill]
    return out


def _steps(case: Case, current: str) -> list[dict[str, Any]]:
    steps = [
        ("form", _("填写申请表"), reverse("portal:case-form", args=[case.number])),
        ("materials", _("提供材料"), reverse("portal:case-materials", args=[case.number])),
        ("review", _("确认提交"), reverse("portal:case-review", args=[case.number])),
    ]
    return [
        {"key": k, "label": label, "url": url, "current": k == current} for k, label, url in steps
    ]


def _require_editable(request: HttpRequest, case: Case) -> HttpResponse | None:
    if case.status in EDITABLE:
        return None
    messages.info(
        request,
        _("办件当前状态为“%(status)s”，不能再修改申请内容。")
        % {"status": case.get_status_display()},
    )
    return redirect("portal:case-detail", number=case.number)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, number: str) -> HttpResponse:
    """The application form. A full post saves and moves on (or stays, with the messages next to
    the fields); an htmx post (autosave on change) saves and answers with a status line."""
    case = case_for_applicant(request, number)
    htmx = bool(getattr(request, "htmx", False))
    if (refused := _require_editable(request, case)) is not None:
        if htmx:
            return render(
                request,
                "portal/cases/_autosave.html",
                {"problem": _("办件已提交，不能再修改。")},
            )
        return refused
    user = current_user(request)
    definitions = _definitions(case)
    values = _prefilled(case, definitions, dict(case.form_data or {}))
    errors: dict[str, list[str]] = {}
    message = ""
    status = 200
    if request.method == "POST":
        data = posted_values(definitions, request.POST)
        values.update(data)
        delivery = request.POST.get("delivery_preference")
        address = request.POST.get("contact_address")
        try:
            if is_bundle(case):
                bundle_draft_save(actor=user, case=case, form_data=data)
            else:
                case_draft_save(
                    actor=user,
                    case=case,
                    form_data=data,
                    delivery_preference=delivery[:8] if delivery is not None else None,
                    contact_address=address.strip()[:200] if address is not None else None,
                )
        except DomainError as exc:
            errors = problems_by_field(exc)
            message = exc.message
            status = error_status(exc)
        else:
            if htmx:
                return render(
                    request,
                    "portal/cases/_autosave.html",
                    {"saved_at": timezone.localtime()},
                )
            if request.POST.get("next") == "materials":
                return redirect("portal:case-materials", number=case.number)
            messages.success(request, _("申请表已保存。"))
            return redirect(_form_url(case))
        if htmx:
            # 200: htmx swaps only successful responses, and the status line must say what
            # went wrong (the field messages appear with the next full save).
            return render(
                request,
                "portal/cases/_autosave.html",
                {"problem": message, "count": sum(len(v) for v in errors.values())},
            )
    fields = field_views(definitions, values, errors)
    context = {
        "case": case,
        "delivery_choices": DELIVERY_CHOICES,
        "delivery": request.POST.get("delivery_preference", case.delivery_preference)
        if request.method == "POST"
        else case.delivery_preference,
        "contact_address": request.POST.get("contact_address", case.contact_address)
        if request.method == "POST"
        else case.contact_address,
        "delivery_errors": errors.get("delivery_preference", []),
        "fields": fields,
        "message": message,
        "field_errors": [(f, e) for f in fields for e in f.errors],
        "steps": _steps(case, "form"),
        "bundle": is_bundle(case),
    }
    return render(request, "portal/cases/form.html", context, status=status)


# --- Materials -----------------------------------------------------------------------------------


def _materials_context(request: HttpRequest, case: Case, errors: dict[str, list[str]]) -> dict:
    user = current_user(request)
    if is_bundle(case):
        members = bundle_overview(case).members
        rows = bundle_material_views(user, case, members, errors)
    else:
        rows = material_views(user, case, errors)
    return {
        "case": case,
        "materials": rows,
        "required_rows": [m for m in rows if m.required],
        "optional_rows": [m for m in rows if not m.required],
        "steps": _steps(case, "materials"),
        "bundle": is_bundle(case),
        "upload_form": UploadForm(),
        "max_mb": int(getattr(settings, "TONGBAN_CASES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))
        // (1024 * 1024),
        "skipped": sum(1 for m in rows if m.no_need_to_bring),
        "editable": case.status in EDITABLE,
    }


@never_cache
@assurance_required(APPLY_LEVEL)
@require_GET
def materials(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for_applicant(request, number)
    if (refused := _require_editable(request, case)) is not None:
        return refused
    return render(request, "portal/cases/materials.html", _materials_context(request, case, {}))


def _read_upload(request: HttpRequest) -> tuple[str, bytes, str] | None:
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        raise ValidationFailed(
            _("文件不能上传。"),
            fields=[
                _problem("file", e) for e in upload_form.errors.get("file", [_("请选择文件。")])
            ],
        )
    upload = upload_form.cleaned_data["file"]
    limit = int(getattr(settings, "TONGBAN_CASES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))
    # One byte over the limit is enough for the service to refuse with its message.
    content = upload.read(limit + 1)
    return upload.name or "", content, getattr(upload, "content_type", "") or ""


def _problem(field_name: str, message: str) -> Any:
    from tongban.core.errors import FieldProblem

    return FieldProblem(field_name, str(message))


def material_act(request: HttpRequest, case: Case) -> None:
    """One material action (upload / authorize / clear) on a single case or a bundle; raises the
    service's DomainError."""
    user = current_user(request)
    action = request.POST.get("action", "")
    key = request.POST.get("code", "")[:300]
    if action == "upload":
        upload = _read_upload(request)
        assert upload is not None  # noqa: S101 - _read_upload raises otherwise
        name, content, content_type = upload
        if is_bundle(case):
            bundle_material_upload(
                actor=user,
                case=case,
                key=key,
                file_name=name,
                content=content,
                content_type=content_type,
            )
        else:
            case_material_upload(
                actor=user,
                case=case,
                code=key,
                file_name=name,
                content=content,
                content_type=content_type,
            )
        messages.success(request, _("已上传“%(name)s”。") % {"name": name})
    elif action == "authorize":
        source = request.POST.get("source", "")[:20]
        reference = request.POST.get("reference", "")[:200]
        if is_bundle(case):
            bundle_material_authorize(
                actor=user, case=case, key=key, source=source, reference=reference
            )
        else:
            case_material_authorize(
                actor=user, case=case, code=key, source=source, reference=reference
            )
        messages.success(request, _("已授权使用，该材料无需再提交。"))
    elif action == "clear" and not is_bundle(case):
        case_material_clear(actor=user, case=case, code=key)
        messages.success(request, _("已移除，您可以重新上传或选择其他方式。"))
    else:
        raise ValidationFailed(_("不支持的操作，请刷新页面后重试。"))


@never_cache
@assurance_required(APPLY_LEVEL)
@require_POST
def material_post(request: HttpRequest, number: str) -> HttpResponse:
    """Upload, authorize or remove one material, then back to the list (or its errors)."""
    case = case_for_applicant(request, number)
    back = request.POST.get("back", "")
    try:
        material_act(request, case)
    except DomainError as exc:
        key = request.POST.get("code", "")
        field_key = f"bundle.{key}" if is_bundle(case) else f"materials.{key}"
        errors = {field_key: [exc.message] + [p.message for p in exc.fields]}
        if back == "detail":
            messages.error(request, "；".join(errors[field_key]))
            return redirect("portal:case-detail", number=case.number)
        if case.status not in EDITABLE:
            messages.error(request, exc.message)
            return redirect("portal:case-detail", number=case.number)
        context = _materials_context(request, case, errors)
        context["error_summary"] = errors[field_key]
        return render(request, "portal/cases/materials.html", context, status=error_status(exc))
    if back == "detail":
        return redirect("portal:case-detail", number=case.number)
    return redirect(reverse("portal:case-materials", args=[case.number]) + "#materials-heading")


# --- Review and submit ---------------------------------------------------------------------------


def _summary(case: Case) -> list[dict[str, str]]:
    """The filled form, as text (checkboxes and lists spelled out)."""
    rows = []
    data = case.form_data or {}
    for f in _definitions(case):
        value = data.get(f.key)
        if value in (None, "", []):
            continue
        if isinstance(value, bool):
            text = _("是") if value else _("否")
        elif isinstance(value, list):
            text = "、".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append({"label": f.label, "value": text})
    return rows


def _missing(case: Case) -> list[Any]:
    if is_bundle(case):
        return [m for member in bundle_overview(case).members for m in missing_materials(member)]
    return missing_materials(case)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for_applicant(request, number)
    if case.status != CaseStatus.DRAFT:
        return redirect("portal:case-detail", number=case.number)
    user = current_user(request)
    bundle = is_bundle(case)
    policy = None if bundle else policy_for(case.item)
    submit_form = SubmitForm(request.POST or None, initial={"version": case.version})
    problems: list[str] = []
    status = 200
    if request.method == "POST" and submit_form.is_valid():
        case.version = submit_form.cleaned_data["version"]
        tolerance = submit_form.cleaned_data["request_tolerance"]
        commitment = submit_form.cleaned_data["commitment"]
        try:
            if bundle:
                result = bundle_submit(actor=user, case=case, request_tolerance=tolerance)
            else:
                result = case_submit(
                    actor=user,
                    case=case,
                    request_tolerance=tolerance,
                    commitment=commitment,
                    commitment_text=(policy.commitment_template if policy and commitment else ""),
                )
        except DomainError as exc:
            problems = [exc.message] + [p.message for p in exc.fields]
            status = error_status(exc)
            case = case_for_applicant(request, number)
            submit_form = SubmitForm(
                initial={
                    "version": case.version,
                    "request_tolerance": tolerance,
                    "commitment": commitment,
                }
            )
        else:
            remember_code(request, result.case.number, result.verification_code)
            return redirect("portal:case-submitted", number=result.case.number)
    elif request.method == "POST":
        status = 422
    context = {
        "case": case,
        "bundle": bundle,
        "summary": _summary(case),
        "delivery_label": dict(DELIVERY_CHOICES).get(case.delivery_preference, _("未选择")),
        "missing": _missing(case),
        "materials": (
            bundle_material_views(user, case, bundle_overview(case).members)
            if bundle
            else material_views(user, case)
        ),
        "policy": policy,
        "allows_tolerance": bool(policy.allows_tolerance) if policy else True,
        "allows_commitment": bool(policy and policy.allows_commitment),
        "submit_form": submit_form,
        "problems": problems,
        "steps": _steps(case, "review"),
    }
    return render(request, "portal/cases/review.html", context, status=status)


@never_cache
@assurance_required(APPLY_LEVEL)
@require_GET
def submitted(request: HttpRequest, number: str) -> HttpResponse:
    """提交成功: the number and the verification code, this once."""
    case = case_for_applicant(request, number)
    code = pop_code(request, case.number)
    if not code and case.status == CaseStatus.DRAFT:
        return redirect("portal:case-review", number=case.number)
    return render(request, "portal/cases/submitted.html", {"case": case, "code": code})
