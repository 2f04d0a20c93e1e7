"""Handling (staff side): pre-review, accept / not accept / 补正, the item's workflow steps
(forward, return), decisions, 办结, delivery, special procedures, extensions, claim and assign,
batch actions and the 告知承诺 follow-up check.

Each transition is its own service: it locks the case and checks the version the caller saw
(optimistic locking: a stale caller gets Conflict and nothing changes), checks the status allows
the action (workflow.py), checks the actor holds the role the workflow step names, then writes
the change, the history row (GB/T 39046 fields), the applicant's message and the audit entry in
one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases import sources
from tongban.cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    CommitmentCheck,
    Correction,
    Decision,
    Delivery,
    Extension,
    MaterialStatus,
    Suspension,
)
from tongban.cases.models.handling import (
    BusinessAction,
    CheckStatus,
    DecisionOutcome,
    DeliveryMethod,
    DeliveryStatus,
    EventStage,
    ExtensionStatus,
    SuspensionReason,
)
from tongban.cases.services.apply import holder_for, missing_materials
from tongban.cases.services.clock import (
    JOINT_LEGAL_DAYS,
    clock_pause,
    clock_recompute,
    clock_resume,
    clock_start,
    extension_days_allowed,
)
from tongban.cases.services.common import (
    accept_step,
    case_guide,
    current_step,
    decision_step_index,
    lock_case,
    record_event,
    require_role,
    require_staff_visible,
    require_step_action,
    save_case,
    staff_covers_case,
    today,
    transition,
    workflow_steps,
)
from tongban.cases.services.notifications import notify_applicant, title_for
from tongban.cases.services.routing import window_of
from tongban.catalog.guide_schema import WorkflowStep
from tongban.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.models import StaffRole
from tongban.core.workdays import workday_calendar

logger = logging.getLogger("tongban.cases.lifecycle")

REMEDY_NOTICE = (
    "如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


def _enter_step(case: Case, step: WorkflowStep | None) -> list[str]:
    now = timezone.now()
    if step is None:
        case.current_step = ""
        case.current_step_name = ""
        case.current_role = ""
        case.step_due_date = None
    else:
        case.current_step = step.key
        case.current_step_name = step.name
        case.current_role = step.role
        case.step_due_date = workday_calendar().add_workdays(today(), step.days)
    case.step_started_at = now
    case.assignee = None
    case.claimed_at = None
    case.escalation_level = 0
    return [
        "current_step",
        "current_step_name",
        "current_role",
        "step_due_date",
        "step_started_at",
        "assignee",
        "claimed_at",
        "escalation_level",
    ]


def _next_step(case: Case) -> WorkflowStep | None:
    steps = workflow_steps(case)
    keys = [s.key for s in steps]
    if case.current_step not in keys:
        return None
    i = keys.index(case.current_step)
    return steps[i + 1] if i + 1 < len(steps) else None


def _bundle_touch(case: Case, actor: Any) -> None:
    if case.parent_id:
        from tongban.cases.services.bundles import bundle_refresh

        bundle_refresh(parent_id=case.parent_id, actor=actor)


def _audit(actor: Any, verb: str, case: Case, **summary: Any) -> None:
    audit_record(
        actor=actor,
        action=f"cases.case.{verb}",
        obj=case,
        summary={"number": case.number, "status": case.status, **summary},
    )


# --- pre-review and acceptance -------------------------------------------------------------------


@transaction.atomic
def case_pre_review(*, actor: Any, case: Case, passed: bool, opinion: str = "") -> Case:
    """网上预审: a note on the case before acceptance. Not passing does not change the status —
    follow it with case_request_correction (the complete list) or case_not_accept."""
    locked = lock_case(case)
    require_role(actor, locked, accept_step(locked).role)
    from_status = transition(locked, "pre_review")
    save_case(locked, [])
    record_event(
        locked,
        action="pre_review",
        actor=actor,
        stage=EventStage.ACCEPT,
        from_status=from_status,
        business_action=BusinessAction.PASS if passed else BusinessAction.RETURN,
        opinion=opinion,
        data={"passed": passed},
        label=_("网上预审通过") if passed else _("网上预审未通过"),
    )
    _audit(actor, "pre_review", locked, passed=passed)
    return locked


@transaction.atomic
def case_accept(
    *,
    actor: Any,
    case: Case,
    opinion: str = "",
    tolerated: list[str] | None = None,
    tolerated_days: int | None = None,
    document_number: str = "",
) -> Case:
    """受理: the clock starts. `tolerated` lists missing non-key materials accepted under 容缺
    with a deadline to supply them (default: the item's tolerance days); any other missing
    required material must go through 补正 instead."""
    from tongban.cases.services.instant import policy_for

    locked = lock_case(case)
    step = accept_step(locked)
    require_role(actor, locked, step.role)
    from_status = transition(locked, "accept")
    _accept_locked(
        locked,
        actor=actor,
        step=step,
        opinion=opinion,
        tolerated=tolerated or [],
        tolerated_days=tolerated_days,
        document_number=document_number,
        policy=policy_for(locked.item_id),
    )
    record_event(
        locked,
        action="accept",
        actor=actor,
        stage=EventStage.ACCEPT,
        from_status=from_status,
        business_action=BusinessAction.PASS,
        opinion=opinion,
        document_number=locked.acceptance_document_number,
        step=step,
        data={
            "promised_due": locked.promised_due_date.isoformat(),
            "legal_due": locked.legal_due_date.isoformat() if locked.legal_due_date else "",
            "tolerated": tolerated or [],
        },
    )
    window = window_of(actor)
    if window and not locked.handling_region_id.startswith(window.region.code[:4]):
        locked.forwarded_at = timezone.now()
        locked.save(update_fields=["forwarded_at"])
        record_event(
            locked,
            action="accept",
            actor=actor,
            stage=EventStage.ACCEPT,
            from_status=locked.status,
            label=_("异地收件，转办理地办理"),
            data={"from_region": window.region.code, "to_region": locked.handling_region_id},
        )
    body = _("您的办件%(number)s已受理，承诺%(due)s前办结。") % {
        "number": locked.number,
        "due": locked.promised_due_date.isoformat(),
    }
    if locked.tolerated:
        body += _("请于%(date)s前补齐容缺材料。") % {"date": locked.tolerated_due_date}
    notify_applicant(case=locked, kind="accepted", title=title_for("accepted"), body=body)
    _audit(actor, "accept", locked, tolerated=tolerated or [])
    return locked


def _accept_locked(
    case: Case,
    *,
    actor: Any,
    step: WorkflowStep,
    opinion: str,
    tolerated: list[str],
    tolerated_days: int | None,
    document_number: str,
    policy: Any,
    deemed: bool = False,
) -> None:
    calendar = workday_calendar()
    missing = {m.code: m for m in missing_materials(case)}
    problems: list[FieldProblem] = []
    for code in tolerated:
        m = missing.get(code)
        if m is None:
            problems.append(FieldProblem(f"tolerated.{code}", _("该材料已提供或不是必要材料。")))
        elif m.is_key:
            problems.append(
                FieldProblem(
                    f"tolerated.{code}", _("“%(name)s”是核心材料，不能容缺。") % {"name": m.name}
                )
            )
        elif not policy.allows_tolerance:
            problems.append(FieldProblem(f"tolerated.{code}", _("本事项不实行容缺受理。")))
    rest = [m for code, m in missing.items() if code not in tolerated]
    if rest and not case.commitment and not deemed:
        problems += [
            FieldProblem(
                f"materials.{m.code}",
                _("“%(name)s”未提供：材料不齐全的，应当一次性告知申请人补正。") % {"name": m.name},
            )
            for m in rest
        ]
    if problems:
        raise ValidationFailed(
            _("不能受理：%(n)s项材料问题。") % {"n": len(problems)}, fields=problems
        )
    start = case.received_on if deemed and case.received_on else today()
    if tolerated:
        due = calendar.add_workdays(today(), tolerated_days or policy.tolerance_days)
        CaseMaterial.objects.filter(case=case, code__in=tolerated).update(
            status=MaterialStatus.TOLERATED, tolerated_due_date=due
        )
        case.tolerated = True
        case.tolerated_due_date = due
    guide = case_guide(case)
    case.legal_days = JOINT_LEGAL_DAYS if case.is_joint else guide.legal_days
    case.promised_days = guide.promised_days
    case.status = CaseStatus.IN_PROGRESS
    case.accepted_at = timezone.now()
    case.accepted_by = actor if getattr(actor, "pk", None) else None
    case.deemed_accepted = deemed
    case.acceptance_document_number = document_number or f"受字〔{start.year}〕{case.number}号"
    clock_start(case, start=start, calendar=calendar)
    steps = workflow_steps(case)
    keys = [s.key for s in steps]
    i = keys.index(step.key)
    fields = _enter_step(case, steps[i + 1] if i + 1 < len(steps) else step)
    save_case(
        case,
        [
            *fields,
            "status",
            "accepted_at",
            "accepted_by",
            "deemed_accepted",
            "acceptance_document_number",
            "legal_days",
            "promised_days",
            "legal_due_date",
            "promised_due_date",
            "tolerated",
            "tolerated_due_date",
        ],
    )
    sources.notify_case_listeners(case=case, action="accept", actor=actor)


@transaction.atomic
def case_not_accept(*, actor: Any, case: Case, reason: str, legal_basis: str) -> Case:
    """不予受理, in writing with the reason and the legal basis."""
    problems = []
    if not reason.strip():
        problems.append(FieldProblem("reason", _("请写明不予受理的理由。")))
    if not legal_basis.strip():
        problems.append(FieldProblem("legal_basis", _("请写明不予受理的法律依据。")))
    if problems:
        raise ValidationFailed(_("不予受理须书面说明理由和依据。"), fields=problems)
    locked = lock_case(case)
    require_role(actor, locked, accept_step(locked).role)
    from_status = transition(locked, "not_accept")
    locked.status = CaseStatus.NOT_ACCEPTED
    locked.closed_at = timezone.now()
    locked.current_role = ""
    save_case(locked, ["status", "closed_at", "current_role"])
    record_event(
        locked,
        action="not_accept",
        actor=actor,
        stage=EventStage.ACCEPT,
        from_status=from_status,
        business_action=BusinessAction.RETURN,
        opinion=reason,
        legal_basis=legal_basis,
        document_number=f"不受字〔{today().year}〕{locked.number}号",
    )
    notify_applicant(
        case=locked,
        kind="not_accepted",
        title=title_for("not_accepted"),
        body=_("您的办件%(number)s不予受理。理由：%(reason)s 依据：%(basis)s")
        % {"number": locked.number, "reason": reason, "basis": legal_basis},
    )
    _audit(actor, "not_accept", locked)
    _bundle_touch(locked, actor)
    return locked


@dataclass(frozen=True)
class CorrectionItem:
    code: str  # a material code, or "form.<field key>"
    reason: str
    name: str = ""


@transaction.atomic
def case_request_correction(
    *,
    actor: Any,
    case: Case,
    items: list[CorrectionItem | dict[str, str]],
    note: str = "",
    legal_basis: str = "",
    due_days: int | None = None,
) -> Correction:
    """补正告知: ONE notice listing everything to fix (一次性告知). Before acceptance the case goes
    back to the applicant; after acceptance (a reviewer found a problem) the clock pauses until
    the correction is handed in. A second notice while one is open is refused."""
    from tongban.cases.services.instant import policy_for

    parsed = [i if isinstance(i, CorrectionItem) else CorrectionItem(**i) for i in items]
    if not parsed:
        raise ValidationFailed(
            _("补正告知须一次性列明需要补正的全部内容。"),
            fields=[FieldProblem("items", _("请至少列出一项需要补正的内容。"))],
        )
    locked = lock_case(case)
    after = locked.status == CaseStatus.IN_PROGRESS
    step = current_step(locked) if after else accept_step(locked)
    role = step.role if step else StaffRole.WINDOW_CLERK
    require_role(actor, locked, role)
    from_status = transition(locked, "request_correction")
    names = {m.code: m.name for m in CaseMaterial.objects.filter(case=locked)}
    problems = [
        FieldProblem("items", _("没有编码为“%(code)s”的材料。") % {"code": i.code})
        for i in parsed
        if not i.code.startswith("form.") and i.code not in names
    ] + [
        FieldProblem("items", _("请写明“%(code)s”需要如何补正。") % {"code": i.code})
        for i in parsed
        if not i.reason.strip()
    ]
    if problems:
        raise ValidationFailed(_("补正清单有误。"), fields=problems)
    policy = policy_for(locked.item_id)
    due = workday_calendar().add_workdays(today(), due_days or policy.correction_days)
    correction = Correction.objects.create(
        case=locked,
        items=[
            {"code": i.code, "name": i.name or names.get(i.code, i.code), "reason": i.reason}
            for i in parsed
        ],
        note=note,
        legal_basis=legal_basis,
        notified_at=timezone.now(),
        notified_by=actor if getattr(actor, "pk", None) else None,
        due_date=due,
        after_acceptance=after,
    )
    # Materials named in the list are handed back to the applicant to replace.
    CaseMaterial.objects.filter(
        case=locked, code__in=[i.code for i in parsed], status=MaterialStatus.PROVIDED
    ).update(status=MaterialStatus.PENDING)
    locked.status = CaseStatus.CORRECTION
    fields = ["status"]
    if after:
        clock_pause(locked)
        fields.append("paused_since")
    save_case(locked, fields)
    record_event(
        locked,
        action="request_correction",
        actor=actor,
        stage=EventStage.ACCEPT if not after else EventStage.PROCESS,
        from_status=from_status,
        business_action=BusinessAction.RETURN,
        opinion=note,
        legal_basis=legal_basis,
        step=step,
        data={"items": correction.items, "due_date": due.isoformat()},
    )
    listing = "；".join(f"{i['name']}：{i['reason']}" for i in correction.items)
    notify_applicant(
        case=locked,
        kind="correction",
        title=title_for("correction"),
        body=_("办件%(number)s需要补正（%(due)s前）：%(list)s")
        % {"number": locked.number, "due": due.isoformat(), "list": listing},
    )
    _audit(actor, "request_correction", locked, items=len(parsed))
    return correction


# --- claim and assign --------------------------------------------------------------------------


@transaction.atomic
def case_claim(*, actor: Any, case: Case) -> Case:
    """Take the case for the current step (认领). Someone else's claim is not taken over: ask
    the department administrator to reassign."""
    locked = lock_case(case)
    step = current_step(locked)
    require_role(actor, locked, step.role if step else StaffRole.WINDOW_CLERK)
    from_status = transition(locked, "claim")
    if locked.assignee_id and locked.assignee_id != actor.pk:
        raise Conflict(
            _("该办件已由%(name)s认领。") % {"name": locked.assignee.display_name},
            code="already_claimed",
        )
    locked.assignee = actor
    locked.claimed_at = timezone.now()
    save_case(locked, ["assignee", "claimed_at"])
    record_event(
        locked,
        action="claim",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        step=step,
        visible_to_applicant=False,
    )
    _audit(actor, "claim", locked)
    return locked


@transaction.atomic
def case_assign(*, actor: Any, case: Case, assignee: Any) -> Case:
    """A department administrator (or window clerk for the acceptance step) assigns the case to
    a colleague who holds the step's role for it."""
    locked = lock_case(case)
    if locked.status == CaseStatus.SUBMITTED:
        require_role(actor, locked, accept_step(locked).role)
    else:
        require_role(actor, locked, StaffRole.DEPARTMENT_ADMIN)
    from_status = transition(locked, "assign")
    step = current_step(locked)
    role = step.role if step else StaffRole.WINDOW_CLERK
    if assignee is None or not staff_covers_case(
        assignee, locked, roles=[role, StaffRole.DEPARTMENT_ADMIN]
    ):
        raise ValidationFailed(
            _("被分派人员不在该办件的办理范围内，或没有当前环节的岗位。"),
            fields=[FieldProblem("assignee", _("请选择本部门具有相应岗位的人员。"))],
        )
    locked.assignee = assignee
    locked.claimed_at = timezone.now()
    save_case(locked, ["assignee", "claimed_at"])
    record_event(
        locked,
        action="assign",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        step=step,
        data={"assignee": assignee.display_name},
        visible_to_applicant=False,
    )
    _audit(actor, "assign", locked, assignee=assignee.pk)
    return locked


@transaction.atomic
def case_release(*, actor: Any, case: Case) -> Case:
    """Give a claimed case back to the queue."""
    locked = lock_case(case)
    require_staff_visible(actor, locked)
    if locked.assignee_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能退回本人认领的办件。"))
    locked.assignee = None
    locked.claimed_at = None
    save_case(locked, ["assignee", "claimed_at"])
    _audit(actor, "release", locked)
    return locked


def _require_assignee_or_free(actor: Any, case: Case) -> None:
    if (
        case.assignee_id
        and case.assignee_id != actor.pk
        and not staff_covers_case(actor, case, roles=[StaffRole.DEPARTMENT_ADMIN])
    ):
        raise Conflict(
            _("该办件已由%(name)s认领，请勿重复办理。") % {"name": case.assignee.display_name},
            code="already_claimed",
        )


# --- the workflow steps ---------------------------------------------------------------------------


def _step_action(
    actor: Any, case: Case, status_action: str, step_action: str
) -> tuple[str, WorkflowStep]:
    from_status = transition(case, status_action)
    step = require_step_action(case, step_action)
    require_role(actor, case, step.role)
    _require_assignee_or_free(actor, case)
    return from_status, step


@transaction.atomic
def case_forward(*, actor: Any, case: Case, opinion: str = "") -> Case:
    """Pass the current step (通过) and move to the next one of the workflow."""
    locked = lock_case(case)
    from_status, step = _step_action(actor, locked, "forward", "forward")
    nxt = _next_step(locked)
    if nxt is None:
        raise Conflict(_("当前已是最后一个环节，请作出决定。"), code="no_next_step")
    return _move_to_step(
        actor,
        locked,
        "forward",
        from_status,
        step,
        nxt,
        BusinessAction.PASS,
        opinion,
        {"next_step": nxt.key},
    )


@transaction.atomic
def case_return(*, actor: Any, case: Case, opinion: str) -> Case:
    """Send the case back to the previous step (退回), with the reason."""
    if not opinion.strip():
        raise ValidationFailed(
            _("退回须写明理由。"), fields=[FieldProblem("opinion", _("请填写退回理由。"))]
        )
    locked = lock_case(case)
    from_status, step = _step_action(actor, locked, "return", "return")
    steps = workflow_steps(locked)
    keys = [s.key for s in steps]
    i = keys.index(step.key)
    first_after_accept = keys.index(accept_step(locked).key) + 1
    if i <= first_after_accept and i == 0:
        raise Conflict(_("当前已是第一个环节，不能再退回。"), code="no_previous_step")
    previous = steps[max(i - 1, min(first_after_accept, i - 1))]
    return _move_to_step(
        actor,
        locked,
        "return",
        from_status,
        step,
        previous,
        BusinessAction.RETURN,
        opinion,
        {"back_to": previous.key},
    )


def _move_to_step(
    actor: Any,
    locked: Case,
    action: str,
    from_status: str,
    step: Any,
    target: Any,
    business_action: Any,
    opinion: str,
    data: dict[str, Any],
) -> Case:
    """Leave `step` for `target` (forward or back): one history row and one audit entry."""
    started = locked.step_started_at
    save_case(locked, _enter_step(locked, target))
    record_event(
        locked,
        action=action,
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        business_action=business_action,
        opinion=opinion,
        step=step,
        step_started_at=started,
        data=data,
    )
    _audit(actor, action, locked, step=step.key)
    return locked


def _decide(
    locked: Case,
    *,
    actor: Any,
    outcome: str,
    text: str,
    reason: str,
    legal_basis: str,
    document_number: str,
    automatic: bool = False,
    rule: Any = None,
    trace: list[dict[str, Any]] | None = None,
) -> Decision:
    now = timezone.now()
    decision = Decision.objects.create(
        case=locked,
        outcome=outcome,
        document_number=document_number
        or f"{'准' if outcome == DecisionOutcome.APPROVE else '不准'}字〔{today().year}〕{locked.number}号",
        text=text
        or (
            _("经审查，申请符合法定条件、标准，准予“%(item)s”。")
            if outcome == DecisionOutcome.APPROVE
            else _("经审查，申请不符合法定条件、标准，不予“%(item)s”。")
        )
        % {"item": locked.item_name},
        reason=reason,
        legal_basis=legal_basis,
        remedy_notice=REMEDY_NOTICE if outcome == DecisionOutcome.DENY else "",
        decided_by=actor if getattr(actor, "pk", None) else None,
        decided_at=now,
        automatic=automatic,
        rule=rule,
        rule_trace=trace or [],
    )
    locked.status = CaseStatus.APPROVED if outcome == DecisionOutcome.APPROVE else CaseStatus.DENIED
    locked.decided_at = now
    steps = workflow_steps(locked)
    keys = [s.key for s in steps]
    i = (
        keys.index(locked.current_step)
        if locked.current_step in keys
        else decision_step_index(steps)
    )
    fields = _enter_step(locked, steps[i + 1] if i + 1 < len(steps) else steps[i])
    save_case(locked, [*fields, "status", "decided_at"])
    if locked.commitment and outcome == DecisionOutcome.APPROVE:
        from tongban.cases.services.instant import policy_for

        CommitmentCheck.objects.get_or_create(
            case=locked,
            defaults={
                "due_date": workday_calendar().add_workdays(
                    today(), policy_for(locked.item_id).commitment_check_days
                )
            },
        )
    return decision


@transaction.atomic
def case_approve(
    *,
    actor: Any,
    case: Case,
    opinion: str = "",
    decision_text: str = "",
    document_number: str = "",
    legal_basis: str = "",
) -> Decision:
    """准予许可 at a step whose actions include "approve"."""
    locked = lock_case(case)
    from_status, step = _step_action(actor, locked, "approve", "approve")
    started = locked.step_started_at
    decision = _decide(
        locked,
        actor=actor,
        outcome=DecisionOutcome.APPROVE,
        text=decision_text,
        reason=opinion,
        legal_basis=legal_basis,
        document_number=document_number,
    )
    record_event(
        locked,
        action="approve",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        business_action=BusinessAction.PASS,
        opinion=opinion,
        legal_basis=legal_basis,
        document_number=decision.document_number,
        step=step,
        step_started_at=started,
        documents=[{"kind": "decision", "number": decision.document_number}],
    )
    notify_applicant(
        case=locked,
        kind="approved",
        title=title_for("approved"),
        body=_("办件%(number)s审批通过（%(doc)s）。")
        % {"number": locked.number, "doc": decision.document_number},
    )
    _audit(actor, "approve", locked, document=decision.document_number)
    return decision


@transaction.atomic
def case_deny(
    *,
    actor: Any,
    case: Case,
    reason: str,
    legal_basis: str,
    opinion: str = "",
    document_number: str = "",
) -> Decision:
    """不予许可: reasons and legal basis in writing, with the right to reconsideration or
    litigation (行政许可法 §38)."""
    problems = []
    if not reason.strip():
        problems.append(FieldProblem("reason", _("请写明不予许可的理由。")))
    if not legal_basis.strip():
        problems.append(FieldProblem("legal_basis", _("请写明法律依据。")))
    if problems:
        raise ValidationFailed(_("不予许可须书面说明理由和依据。"), fields=problems)
    locked = lock_case(case)
    from_status, step = _step_action(actor, locked, "deny", "reject")
    started = locked.step_started_at
    decision = _decide(
        locked,
        actor=actor,
        outcome=DecisionOutcome.DENY,
        text="",
        reason=reason,
        legal_basis=legal_basis,
        document_number=document_number,
    )
    record_event(
        locked,
        action="deny",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        business_action=BusinessAction.RETURN,
        opinion=opinion or reason,
        legal_basis=legal_basis,
        document_number=decision.document_number,
        step=step,
        step_started_at=started,
        documents=[{"kind": "decision", "number": decision.document_number}],
    )
    notify_applicant(
        case=locked,
        kind="denied",
        title=title_for("denied"),
        body=_("办件%(number)s不予许可。理由：%(reason)s %(remedy)s")
        % {"number": locked.number, "reason": reason, "remedy": REMEDY_NOTICE},
    )
    _audit(actor, "deny", locked, document=decision.document_number)
    return decision


# --- 办结 and delivery -----------------------------------------------------------------------------


def _complete_role(case: Case) -> str:
    step = current_step(case)
    return step.role if step else StaffRole.WINDOW_CLERK


def _issue_license(case: Case, decision: Decision) -> sources.IssuedResult | None:
    guide = case_guide(case)
    result = guide.result
    if result is None or result.kind != "license" or not result.license_type_code:
        return None
    issuer = sources.result_issuer("license")
    if issuer is None:
        logger.warning("cases.issue.no_issuer", extra={"case": case.number})
        return None
    return issuer.issue_for_case(
        result=sources.CaseResult(
            case_number=case.number,
            item_code=case.item_code,
            license_type_code=result.license_type_code,
            implementing_body_id=case.handling_body_id or 0,
            holder=holder_for(case),
            form_data=dict(case.form_data),
            decided_at=decision.decided_at.isoformat(),
        )
    )


def complete_locked(locked: Case, *, actor: Any, opinion: str = "") -> Case:
    """办结 on a locked case (shared with 秒批)."""
    from_status = transition(locked, "complete")
    if CaseMaterial.objects.filter(case=locked, status=MaterialStatus.TOLERATED).exists():
        raise Conflict(
            _("容缺材料尚未补齐（期限%(date)s），不能办结。") % {"date": locked.tolerated_due_date},
            code="tolerated_outstanding",
        )
    decision = Decision.objects.get(case=locked)
    issued = None
    issue_error = ""
    if decision.outcome == DecisionOutcome.APPROVE:
        # A license the issuer refuses (e.g. content it needs is missing) does not undo the
        # decision: the case is completed, the clerk makes the result by hand and hands it over.
        try:
            with transaction.atomic():
                issued = _issue_license(locked, decision)
        except DomainError as exc:
            issue_error = exc.message
            logger.warning("cases.issue.refused", extra={"case": locked.number, "code": exc.code})
    now = timezone.now()
    locked.status = CaseStatus.COMPLETED
    locked.completed_at = now
    locked.closed_at = now
    fields = _enter_step(locked, None)
    if issued is not None:
        decision.result_name = issued.label[:200]
        decision.result_reference = issued.reference[:100]
        decision.result_url = issued.url[:300]
        decision.save(update_fields=["result_name", "result_reference", "result_url", "updated_at"])
        Delivery.objects.create(
            case=locked,
            method=DeliveryMethod.ONLINE,
            status=DeliveryStatus.DELIVERED,
            license_reference=issued.reference[:100],
            label=issued.label[:300],
            url=issued.url[:300],
            sent_at=now,
            delivered_at=now,
            handled_by=actor if getattr(actor, "pk", None) else None,
        )
        if locked.delivery_preference not in ("mail", "window"):
            locked.status = CaseStatus.DELIVERED
    if locked.status == CaseStatus.COMPLETED:
        locked.current_role = StaffRole.WINDOW_CLERK  # the result still has to be handed over
    save_case(locked, [*fields, "status", "completed_at", "closed_at"])
    record_event(
        locked,
        action="complete",
        actor=actor,
        stage=EventStage.RESULT,
        from_status=from_status,
        business_action=BusinessAction.PASS,
        opinion=opinion,
        document_number=decision.document_number,
        data={
            "outcome": decision.outcome,
            "result_name": decision.result_name,
            "result_reference": decision.result_reference,
            "license_issued": issued is not None,
            "license_error": issue_error,
            "delivery": locked.delivery_preference,
        },
    )
    text = _("办件%(number)s已办结。") % {"number": locked.number}
    if issued is not None:
        text += _("电子证照已发放至您的证照夹：%(label)s") % {"label": issued.label}
    elif issue_error:
        text += _("办理结果将通过窗口领取或邮寄送达。")
    notify_applicant(case=locked, kind="completed", title=title_for("completed"), body=text)
    sources.notify_case_listeners(case=locked, action="complete", actor=actor)
    return locked


@transaction.atomic
def case_complete(*, actor: Any, case: Case, opinion: str = "") -> Case:
    """办结 after the decision. A license result is issued automatically as an e-license through
    the "license" result issuer and delivered online; outstanding 容缺 materials block it."""
    locked = lock_case(case)
    require_role(actor, locked, _complete_role(locked))
    complete_locked(locked, actor=actor, opinion=opinion)
    _audit(actor, "complete", locked)
    _bundle_touch(locked, actor)
    return locked


@transaction.atomic
def case_deliver(
    *,
    actor: Any,
    case: Case,
    method: str,
    carrier: str = "",
    tracking_number: str = "",
    recipient_name: str = "",
    recipient_phone: str = "",
    address: str = "",
) -> Delivery:
    """送达: mailed with a tracking number, handed over at the window, or online."""
    if method not in DeliveryMethod.values:
        raise ValidationFailed(
            _("送达方式不正确。"),
            fields=[FieldProblem("method", _("请选择网上、邮寄或窗口领取。"))],
        )
    if method == DeliveryMethod.MAIL:
        problems = [
            FieldProblem(name, message)
            for name, value, message in (
                ("tracking_number", tracking_number, _("请填写物流单号。")),
                ("carrier", carrier, _("请填写快递公司。")),
                ("address", address or case.contact_address, _("请填写寄送地址。")),
            )
            if not str(value).strip()
        ]
        if problems:
            raise ValidationFailed(_("邮寄送达信息不完整。"), fields=problems)
    locked = lock_case(case)
    require_role(actor, locked, StaffRole.WINDOW_CLERK)
    from_status = transition(locked, "deliver")
    now = timezone.now()
    delivery = Delivery.objects.create(
        case=locked,
        method=method,
        status=DeliveryStatus.SENT if method == DeliveryMethod.MAIL else DeliveryStatus.DELIVERED,
        carrier=carrier,
        tracking_number=tracking_number,
        recipient_name=recipient_name or locked.applicant_name,
        recipient_phone=recipient_phone or locked.contact_phone,
        address=address or (locked.contact_address if method == DeliveryMethod.MAIL else ""),
        sent_at=now,
        delivered_at=None if method == DeliveryMethod.MAIL else now,
        handled_by=actor,
        label=locked.item_name,
    )
    locked.status = CaseStatus.DELIVERED
    locked.current_role = ""
    save_case(locked, ["status", "current_role"])
    record_event(
        locked,
        action="deliver",
        actor=actor,
        stage=EventStage.DELIVERY,
        from_status=from_status,
        data={"method": method, "carrier": carrier, "tracking_number": tracking_number},
    )
    body = {
        DeliveryMethod.MAIL: _("办理结果已寄出（%(carrier)s %(no)s）。"),
        DeliveryMethod.WINDOW: _("办理结果已在窗口领取。"),
        DeliveryMethod.ONLINE: _("办理结果已网上送达。"),
    }[method] % {"carrier": carrier, "no": tracking_number}
    notify_applicant(case=locked, kind="delivered", title=title_for("delivered"), body=body)
    _audit(actor, "deliver", locked, method=method)
    _bundle_touch(locked, actor)
    return delivery


@transaction.atomic
def case_delivery_confirm(*, actor: Any, case: Case, delivery_id: int) -> Delivery:
    """The mail was signed for (or the window handed it over)."""
    locked = lock_case(case, check_version=False)
    require_role(actor, locked, StaffRole.WINDOW_CLERK)
    delivery = Delivery.objects.filter(case=locked, pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["status", "delivered_at", "updated_at"])
    audit_record(
        actor=actor, action="cases.delivery.confirm", obj=locked, summary={"id": delivery.pk}
    )
    return delivery


# --- reading the file a material was uploaded as -------------------------------------------------


@dataclass
class OpenedMaterial:
    """An uploaded material opened for a staff member: the caller streams `file` and closes it."""

    material: CaseMaterial
    file: Any
    file_name: str
    content_type: str


@transaction.atomic
def case_material_open(*, actor: Any, case: Case, code: str) -> OpenedMaterial:
    """Open an applicant's uploaded file for a staff member whose scope covers the case. Every
    opening is audited (who read which applicant's document, with its SM3), as personal data
    read by staff must be traceable."""
    from django.core.files.storage import default_storage

    require_staff_visible(actor, case)
    material = CaseMaterial.objects.filter(case=case, code=code).exclude(file_path="").first()
    if material is None:
        raise NotFound(_("该材料没有上传的文件。"))
    if not default_storage.exists(material.file_path):
        raise NotFound(_("材料文件已不存在，请联系系统管理员。"))
    handle = default_storage.open(material.file_path, "rb")
    audit_record(
        actor=actor,
        action="cases.material.open",
        obj=case,
        summary={"number": case.number, "code": code, "sm3": material.sm3, "size": material.size},
    )
    return OpenedMaterial(
        material=material,
        file=handle,
        file_name=material.file_name or code,
        content_type=material.content_type or "application/octet-stream",
    )


# --- special procedures and extensions ----------------------------------------------------------


@transaction.atomic
def case_suspend(*, actor: Any, case: Case, reason_kind: str, reason: str) -> Suspension:
    """Start a special procedure (听证、检验、检测、专家评审、公示 …): the clock stops; the
    applicant is told in writing (行政许可法 §45)."""
    if reason_kind not in SuspensionReason.values or reason_kind == SuspensionReason.CORRECTION:
        raise ValidationFailed(
            _("特别程序类型不正确。"),
            fields=[FieldProblem("reason_kind", _("请选择特别程序类型。"))],
        )
    if not reason.strip():
        raise ValidationFailed(
            _("请写明启动特别程序的理由或依据。"),
            fields=[FieldProblem("reason", _("此项为必填项。"))],
        )
    locked = lock_case(case)
    step = current_step(locked)
    require_role(actor, locked, step.role if step else StaffRole.REVIEWER)
    from_status = transition(locked, "suspend")
    now = timezone.now()
    suspension = Suspension.objects.create(
        case=locked,
        reason_kind=reason_kind,
        reason=reason,
        started_at=now,
        start_date=today(),
        started_by=actor,
    )
    locked.status = CaseStatus.SUSPENDED
    clock_pause(locked)
    save_case(locked, ["status", "paused_since"])
    record_event(
        locked,
        action="suspend",
        actor=actor,
        stage=EventStage.SPECIAL,
        from_status=from_status,
        opinion=reason,
        step=step,
        data={"kind": suspension.kind, "reason_kind": reason_kind},
    )
    notify_applicant(
        case=locked,
        kind="suspended",
        title=title_for("suspended"),
        body=_("办件%(number)s进入%(kind)s程序，期间不计入办理时限。理由：%(reason)s")
        % {"number": locked.number, "kind": suspension.get_reason_kind_display(), "reason": reason},
    )
    _audit(actor, "suspend", locked, reason_kind=reason_kind)
    return suspension


@transaction.atomic
def case_resume(*, actor: Any, case: Case, result: str) -> Suspension:
    """End the special procedure with its result; the days it took are not counted."""
    if not result.strip():
        raise ValidationFailed(
            _("请填写特别程序的结果。"), fields=[FieldProblem("result", _("此项为必填项。"))]
        )
    locked = lock_case(case)
    step = current_step(locked)
    require_role(actor, locked, step.role if step else StaffRole.REVIEWER)
    from_status = transition(locked, "resume")
    suspension = (
        Suspension.objects.filter(case=locked, ended_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    days = clock_resume(locked)
    locked.status = CaseStatus.IN_PROGRESS
    save_case(
        locked, ["status", "paused_days", "paused_since", "legal_due_date", "promised_due_date"]
    )
    if suspension is not None:
        suspension.ended_at = timezone.now()
        suspension.end_date = today()
        suspension.ended_by = actor
        suspension.result = result
        suspension.days_not_counted = days
        suspension.save()
    record_event(
        locked,
        action="resume",
        actor=actor,
        stage=EventStage.SPECIAL,
        from_status=from_status,
        opinion=result,
        step=step,
        data={"days_not_counted": days, "promised_due": locked.promised_due_date.isoformat()},
    )
    notify_applicant(
        case=locked,
        kind="resumed",
        title=title_for("resumed"),
        body=_("办件%(number)s特别程序已结束，承诺办结日期顺延至%(due)s。")
        % {"number": locked.number, "due": locked.promised_due_date},
    )
    _audit(actor, "resume", locked, days=days)
    return suspension  # type: ignore[return-value]


@transaction.atomic
def case_extension_request(
    *, actor: Any, case: Case, reason: str, days: int | None = None
) -> Extension:
    """延长审批: the reviewer asks; the agency head (department administrator) approves."""
    allowed = extension_days_allowed(case)
    days = days or allowed
    if not reason.strip():
        raise ValidationFailed(
            _("请写明延长理由（将告知申请人）。"),
            fields=[FieldProblem("reason", _("此项为必填项。"))],
        )
    if days < 1 or days > allowed:
        raise ValidationFailed(
            _("延长期限不得超过%(n)s个工作日。") % {"n": allowed},
            fields=[FieldProblem("days", _("请填写1至%(n)s之间的天数。") % {"n": allowed})],
        )
    locked = lock_case(case)
    step = current_step(locked)
    require_role(actor, locked, step.role if step else StaffRole.REVIEWER)
    transition(locked, "extend")
    if Extension.objects.filter(case=locked).exclude(status=ExtensionStatus.REJECTED).exists():
        raise Conflict(_("本办件已申请过延长审批，法定延长只能一次。"), code="already_extended")
    extension = Extension.objects.create(case=locked, days=days, reason=reason, requested_by=actor)
    save_case(locked, [])
    record_event(
        locked,
        action="extend",
        actor=actor,
        stage=EventStage.SPECIAL,
        from_status=locked.status,
        opinion=reason,
        step=step,
        data={"days": days, "status": "requested"},
        visible_to_applicant=False,
    )
    _audit(actor, "extension_request", locked, days=days)
    return extension


@transaction.atomic
def case_extension_decide(
    *, actor: Any, case: Case, extension_id: int, approve: bool, note: str = ""
) -> Extension:
    """The agency head approves or refuses the extension; approved days move both due dates."""
    locked = lock_case(case, check_version=False)
    require_role(actor, locked, StaffRole.DEPARTMENT_ADMIN)
    if not staff_covers_case(actor, locked, roles=[StaffRole.DEPARTMENT_ADMIN]):
        raise PermissionDenied(_("延长审批须经本部门负责人（部门管理员）批准。"))
    extension = Extension.objects.filter(case=locked, pk=extension_id).first()
    if extension is None or extension.status != ExtensionStatus.REQUESTED:
        raise Conflict(_("该延长申请已处理。"), code="already_decided")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note[:500]
    extension.save()
    if approve:
        locked.extension_days += extension.days
        clock_recompute(locked)
    save_case(locked, ["extension_days", "legal_due_date", "promised_due_date"])
    record_event(
        locked,
        action="extend",
        actor=actor,
        stage=EventStage.SPECIAL,
        from_status=locked.status,
        opinion=extension.reason if approve else note,
        business_action=BusinessAction.PASS if approve else BusinessAction.RETURN,
        data={"days": extension.days, "approved": approve, "kind": "1"},
        label=_("批准延长审批") if approve else _("不批准延长审批"),
    )
    if approve:
        notify_applicant(
            case=locked,
            kind="extended",
            title=title_for("extended"),
            body=_(
                "办件%(number)s经批准延长%(days)s个工作日，理由：%(reason)s；承诺办结日期%(due)s。"
            )
            % {
                "number": locked.number,
                "days": extension.days,
                "reason": extension.reason,
                "due": locked.promised_due_date,
            },
        )
    _audit(actor, "extension_decide", locked, approved=approve, days=extension.days)
    return extension


# --- 告知承诺 follow-up --------------------------------------------------------------------------


@transaction.atomic
def case_commitment_check_record(
    *, actor: Any, case: Case, passed: bool, result: str
) -> CommitmentCheck:
    """Record the follow-up check of a 告知承诺 approval (核查属实 / 承诺不实)."""
    locked = lock_case(case, check_version=False)
    require_role(actor, locked, StaffRole.REVIEWER)
    check = CommitmentCheck.objects.filter(case=locked).first()
    if check is None or check.status != CheckStatus.OPEN:
        raise Conflict(_("该办件没有待核查的承诺。"), code="no_open_check")
    if not result.strip():
        raise ValidationFailed(
            _("请填写核查结果。"), fields=[FieldProblem("result", _("此项为必填项。"))]
        )
    check.status = CheckStatus.PASSED if passed else CheckStatus.FAILED
    check.result = result
    check.checked_by = actor
    check.checked_at = timezone.now()
    check.save()
    save_case(locked, [])
    record_event(
        locked,
        action="commitment_check",
        actor=actor,
        stage=EventStage.SUPERVISION,
        from_status=locked.status,
        business_action=BusinessAction.PASS if passed else BusinessAction.RETURN,
        opinion=result,
        label=_("告知承诺核查"),
    )
    _audit(actor, "commitment_check", locked, passed=passed)
    return check


# --- batch ------------------------------------------------------------------------------------------

BATCH_ACTIONS = {
    "claim": case_claim,
    "accept": case_accept,
    "forward": case_forward,
    "approve": case_approve,
    "complete": case_complete,
}


@dataclass
class BatchResult:
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # case number -> message


def case_batch(*, actor: Any, cases: list[Case], action: str, **params: Any) -> BatchResult:
    """Apply one action to many cases, each in its own transaction: one refusal does not undo
    the others. Returns what was done and why the rest was refused."""
    service = BATCH_ACTIONS.get(action)
    if service is None:
        raise ValidationFailed(
            _("不支持批量执行该操作。"),
            fields=[
                FieldProblem("action", _("可批量执行：%(a)s") % {"a": "、".join(BATCH_ACTIONS)})
            ],
        )
    result = BatchResult()
    for case in cases:
        try:
            service(actor=actor, case=case, **params)
            result.done.append(case.number)
        except DomainError as exc:
            result.failed[case.number] = exc.message
    return result
