"""One case (办件详情) with exactly the actions the caller may take now, each a form that carries
the version the clerk saw: a stale version gets the Conflict message and changes nothing.
Also the protected download of uploaded materials and the verified content of e-license and
shared-data materials."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongban.cases.models import CaseStatus, MaterialStatus
from tongban.cases.models.handling import DeliveryStatus, ExtensionStatus
from tongban.cases.permissions import access_case_for_staff
from tongban.cases.selectors import (
    CaseDetail,
    case_detail_for_staff,
    material_evidence_for_reviewer,
)
from tongban.cases.services import instant as instant_services
from tongban.cases.services import lifecycle
from tongban.cases.services.common import case_guide
from tongban.core.errors import DomainError, NotFound
from tongban.core.models import StaffRole
from tongban.core.selectors.organizations import staff_membership_list
from tongban.workbench.forms import cases as f
from tongban.workbench.views.cases.common import (
    cases_staff_required,
    error_status,
    form_errors_message,
    show_error,
)

Run = Callable[[Any, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    key: str
    label: Any
    form: type[f.ActionForm]
    run: Run
    done: Any  # success message
    danger: bool = False


def _accept(actor: Any, case: Any, d: dict[str, Any]) -> Any:
    return lifecycle.case_accept(
        actor=actor,
        case=case,
        opinion=d.get("opinion", ""),
        tolerated=d.get("tolerated") or None,
        tolerated_days=d.get("tolerated_days"),
        document_number=d.get("document_number", ""),
    )


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in [
        Action(
            "claim",
            gettext_lazy("认领"),
            f.SimpleForm,
            lambda u, c, d: lifecycle.case_claim(actor=u, case=c),
            gettext_lazy("已认领，由您办理。"),
        ),
        Action(
            "release",
            gettext_lazy("退回认领"),
            f.SimpleForm,
            lambda u, c, d: lifecycle.case_release(actor=u, case=c),
            gettext_lazy("已退回认领，其他同事可认领。"),
        ),
        Action(
            "assign",
            gettext_lazy("分派"),
            f.AssignForm,
            None,  # type: ignore[arg-type]
            gettext_lazy("已分派。"),
        ),
        Action(
            "pre_review",
            gettext_lazy("网上预审"),
            f.PreReviewForm,
            lambda u, c, d: lifecycle.case_pre_review(
                actor=u, case=c, passed=d["passed"], opinion=d["opinion"]
            ),
            gettext_lazy("已记录预审结论。"),
        ),
        Action(
            "accept",
            gettext_lazy("受理"),
            f.AcceptForm,
            _accept,
            gettext_lazy("已受理，开始计时。"),
        ),
        Action(
            "not_accept",
            gettext_lazy("不予受理"),
            f.NotAcceptForm,
            lambda u, c, d: lifecycle.case_not_accept(
                actor=u, case=c, reason=d["reason"], legal_basis=d["legal_basis"]
            ),
            gettext_lazy("已作出不予受理决定并告知申请人。"),
            True,
        ),
        Action(
            "request_correction",
            gettext_lazy("一次性告知补正"),
            f.CorrectionForm,
            lambda u, c, d: lifecycle.case_request_correction(
                actor=u,
                case=c,
                items=d["items"],
                note=d["note"],
                legal_basis=d["legal_basis"],
                due_days=d.get("due_days"),
            ),
            gettext_lazy("已发出补正告知。"),
        ),
        Action(
            "forward",
            gettext_lazy("转下一环节"),
            f.OpinionForm,
            lambda u, c, d: lifecycle.case_forward(actor=u, case=c, opinion=d["opinion"]),
            gettext_lazy("已转下一环节。"),
        ),
        Action(
            "return",
            gettext_lazy("退回上一环节"),
            f.ReturnForm,
            lambda u, c, d: lifecycle.case_return(actor=u, case=c, opinion=d["opinion"]),
            gettext_lazy("已退回上一环节。"),
        ),
        Action(
            "approve",
            gettext_lazy("准予许可"),
            f.ApproveForm,
            lambda u, c, d: lifecycle.case_approve(
                actor=u,
                case=c,
                opinion=d["opinion"],
                decision_text=d["decision_text"],
                document_number=d["document_number"],
                legal_basis=d["legal_basis"],
            ),
            gettext_lazy("已作出准予许可决定。"),
        ),
        Action(
            "deny",
            gettext_lazy("不予许可"),
            f.DenyForm,
            lambda u, c, d: lifecycle.case_deny(
                actor=u,
                case=c,
                reason=d["reason"],
                legal_basis=d["legal_basis"],
                opinion=d["opinion"],
                document_number=d["document_number"],
            ),
            gettext_lazy("已作出不予许可决定。"),
            True,
        ),
        Action(
            "extend",
            gettext_lazy("申请延长审批期限"),
            f.ExtendForm,
            lambda u, c, d: lifecycle.case_extension_request(
                actor=u, case=c, reason=d["reason"], days=d.get("days")
            ),
            gettext_lazy("已提交延期申请，待部门负责人审批。"),
        ),
        Action(
            "extension_decide",
            gettext_lazy("审批延期申请"),
            f.ExtensionDecideForm,
            lambda u, c, d: lifecycle.case_extension_decide(
                actor=u,
                case=c,
                extension_id=d["extension_id"],
                approve=d["approve"],
                note=d["note"],
            ),
            gettext_lazy("已审批延期申请。"),
        ),
        Action(
            "suspend",
            gettext_lazy("启动特别程序"),
            f.SuspendForm,
            lambda u, c, d: lifecycle.case_suspend(
                actor=u, case=c, reason_kind=d["reason_kind"], reason=d["reason"]
            ),
            gettext_lazy("已启动特别程序，暂停计时。"),
        ),
        Action(
            "resume",
            gettext_lazy("结束特别程序"),
            f.ResumeForm,
            lambda u, c, d: lifecycle.case_resume(actor=u, case=c, result=d["result"]),
            gettext_lazy("特别程序已结束，恢复计时。"),
        ),
        Action(
            "complete",
            gettext_lazy("办结"),
            f.OpinionForm,
            lambda u, c, d: lifecycle.case_complete(actor=u, case=c, opinion=d["opinion"]),
            gettext_lazy("已办结。"),
        ),
        Action(
            "deliver",
            gettext_lazy("送达"),
            f.DeliverForm,
            lambda u, c, d: lifecycle.case_deliver(
                actor=u,
                case=c,
                method=d["method"],
                carrier=d["carrier"],
                tracking_number=d["tracking_number"],
                recipient_name=d["recipient_name"],
                recipient_phone=d["recipient_phone"],
                address=d["address"],
            ),
            gettext_lazy("已登记送达。"),
        ),
        Action(
            "delivery_confirm",
            gettext_lazy("确认已送达"),
            f.DeliveryConfirmForm,
            lambda u, c, d: lifecycle.case_delivery_confirm(
                actor=u, case=c, delivery_id=d["delivery_id"]
            ),
            gettext_lazy("已确认送达。"),
        ),
        Action(
            "override",
            gettext_lazy("人工改判（秒批）"),
            f.OverrideForm,
            lambda u, c, d: instant_services.case_instant_override(
                actor=u, case=c, reason=d["reason"], legal_basis=d["legal_basis"]
            ),
            gettext_lazy("已人工改判。"),
            True,
        ),
        Action(
            "commitment_check",
            gettext_lazy("告知承诺核查"),
            f.CommitmentCheckForm,
            lambda u, c, d: lifecycle.case_commitment_check_record(
                actor=u, case=c, passed=d["passed"], result=d["result"]
            ),
            gettext_lazy("已记录承诺核查结果。"),
        ),
    ]
}


def _run_assign(actor: Any, case: Any, d: dict[str, Any], colleagues: dict[int, Any]) -> Any:
    assignee = colleagues.get(d["assignee"])
    if assignee is None:
        raise NotFound(_("所选同事不在本办件的办理范围内。"))
    return lifecycle.case_assign(actor=actor, case=case, assignee=assignee)


def _colleagues(user: Any, case: Any) -> dict[int, Any]:
    role = case.current_role or StaffRole.WINDOW_CLERK
    out: dict[int, Any] = {}
    for m in staff_membership_list(actor=user).filter(role=role):
        region_ok = case.handling_region_id.startswith(m.region_id.rstrip("0") or m.region_id)
        if region_ok and (
            m.department_id is None or m.department_id == case.handling_department_id
        ):
            out.setdefault(m.user_id, m.user)
    return out


def _form_kwargs(key: str, detail: CaseDetail, colleagues: dict[int, Any]) -> dict[str, Any]:
    case = detail.case
    if key == "accept":
        return {
            "tolerable": [
                (m.code, m.name)
                for m in detail.materials
                if m.required and not m.is_key and m.status == MaterialStatus.PENDING
            ]
        }
    if key == "request_correction":
        entries = [(m.code, m.name) for m in detail.materials]
        with contextlib.suppress(NotFound):
            entries += [(f"form.{fld.key}", fld.label) for fld in case_guide(case).form.fields]
        return {"entries": entries}
    if key == "assign":
        return {"colleagues": [(pk, u.display_name) for pk, u in colleagues.items()]}
    return {}


def _form_initial(key: str, detail: CaseDetail) -> list[dict[str, Any]]:
    """One initial per form: the extension decision and delivery confirmation come once per
    open request / parcel."""
    base = {"version": detail.case.version}
    if key == "extension_decide":
        return [
            {**base, "extension_id": e.pk}
            for e in detail.extensions
            if e.status == ExtensionStatus.REQUESTED
        ] or [base]
    if key == "delivery_confirm":
        return [
            {**base, "delivery_id": d.pk}
            for d in detail.deliveries
            if d.status == DeliveryStatus.SENT
        ] or [base]
    if key == "deliver":
        return [
            {
                **base,
                "method": "mail" if detail.case.delivery_preference == "mail" else "window",
                "recipient_name": detail.case.applicant_name,
            }
        ]
    return [base]


def _evidence_rows(detail: CaseDetail) -> list[dict[str, Any]]:
    rows = []
    for m in detail.materials:
        ev = m.evidence or {}
        rows.append({"material": m, "evidence": ev, "has_file": bool(m.file_path)})
    return rows


def _status_label(value: str) -> str:
    return str(CaseStatus(value).label) if value in CaseStatus.values else value


def _form_rows(case: Any) -> list[tuple[str, Any]]:
    try:
        fields = case_guide(case).form.fields
    except NotFound:
        fields = []
    known = {fld.key for fld in fields}
    rows = [(fld.label, case.form_data.get(fld.key)) for fld in fields if fld.key in case.form_data]
    rows += [(k, v) for k, v in case.form_data.items() if k not in known]
    return [(label, "、".join(map(str, v)) if isinstance(v, list) else v) for label, v in rows]


def _render(
    request: HttpRequest,
    detail: CaseDetail,
    *,
    bound: tuple[str, f.ActionForm] | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    user: Any = request.user
    colleagues = _colleagues(user, detail.case) if "assign" in detail.actions else {}
    panels = []
    for key in [k for k in detail.actions if k in ACTIONS]:
        action = ACTIONS[key]
        kwargs = _form_kwargs(key, detail, colleagues)
        if bound is not None and bound[0] == key:
            forms = [bound[1]]
        else:
            forms = [action.form(initial=init, **kwargs) for init in _form_initial(key, detail)]
        panels.append(
            {"action": action, "forms": forms, "open": bound is not None and bound[0] == key}
        )
    case = detail.case
    context = {
        "detail": detail,
        "case": case,
        "clock": detail.clock,
        "panels": panels,
        "materials": _evidence_rows(detail),
        "form_rows": _form_rows(case),
        "events": [
            (e, _status_label(e.from_status), _status_label(e.to_status)) for e in detail.events
        ],
        "conflict": conflict,
        "is_window_side": bool(case.accepting_region_id)
        and case.accepting_region_id != case.handling_region_id,
    }
    return render(request, "workbench/cases/detail.html", context, status=status)


@cases_staff_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, case_detail_for_staff(request.user, number))


@cases_staff_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Runs one action. The case is reloaded by number (scope checked) and given the version the
    form carried: if someone acted in between, the service refuses and nothing changes."""
    user: Any = request.user
    detail = case_detail_for_staff(user, number)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404()
    if action not in detail.actions:
        messages.error(
            request,
            _("此办件当前不能由您执行“%(action)s”（可能已被其他人员处理），请查看最新状态。")
            % {"action": spec.label},
        )
        return _render(request, detail, status=409)
    colleagues = _colleagues(user, detail.case) if action == "assign" else {}
    form = spec.form(request.POST, **_form_kwargs(action, detail, colleagues))
    if not form.is_valid():
        form_errors_message(request)
        return _render(request, detail, bound=(action, form), status=422)
    case = detail.case
    case.version = form.cleaned_data["version"]
    try:
        if action == "assign":
            _run_assign(user, case, form.cleaned_data, colleagues)
        else:
            spec.run(user, case, form.cleaned_data)
    except DomainError as exc:
        if getattr(exc, "code", "") == "stale_version":
            fresh = case_detail_for_staff(user, number)
            messages.error(request, exc.message)
            return _render(request, fresh, status=409, conflict=exc.message)
        show_error(request, exc, form)
        return _render(
            request,
            case_detail_for_staff(user, number),
            bound=(action, form),
            status=error_status(exc),
        )
    messages.success(request, str(spec.done))
    return redirect(reverse("workbench:case_detail", args=[number]))


@cases_staff_required
@require_GET
def material_file(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """An uploaded material, only to staff whose scope covers the case (each opening audited)."""
    case = access_case_for_staff(request.user, number)
    try:
        opened = lifecycle.case_material_open(actor=request.user, case=case, code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(
        opened.file,
        as_attachment=True,
        filename=opened.file_name,
        content_type=opened.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@cases_staff_required
@require_GET
def material_evidence(request: HttpRequest, number: str, code: str) -> HttpResponse:
    """The verified content of an e-license or shared-data material, re-read from its source."""
    detail = case_detail_for_staff(request.user, number)
    material = next((m for m in detail.materials if m.code == code), None)
    if material is None:
        raise Http404()
    evidence = material_evidence_for_reviewer(request.user, detail.case, code)
    content = evidence.content if isinstance(evidence.content, dict) else {"": evidence.content}
    return render(
        request,
        "workbench/cases/evidence.html",
        {"case": detail.case, "material": material, "evidence": evidence, "content": content},
    )
