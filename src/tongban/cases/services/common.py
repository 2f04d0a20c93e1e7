"""What every case service shares: the row lock with the optimistic version check, the history
row, the guide of a case, its workflow steps, and who the acting staff member is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.models import Case, CaseEvent, CaseStatus
from tongban.cases.workflow import action_label, require_action
from tongban.catalog.guide_schema import GuideContent, WorkflowStep, parse_guide
from tongban.catalog.models import GuideVersion
from tongban.core.errors import Conflict, NotFound, PermissionDenied
from tongban.core.models import Department, StaffMembership, StaffRole
from tongban.core.scopes import Scope, staff_scope
from tongban.core.workdays import local_today

SYSTEM_LABEL = "system"


def today() -> date:
    return local_today()


def lock_case(
    case: Case | int, *, expected_version: int | None = None, check_version: bool = True
) -> Case:
    """The case row, locked for this transaction (select_for_update; SQLite's IMMEDIATE
    transactions serialise writers). When the caller acted on a version other than the stored
    one, someone else changed the case in between: refuse rather than overwrite (the loser of
    two clerks acting at once gets this message)."""
    pk = case.pk if isinstance(case, Case) else case
    if not check_version:
        expected_version = None
    elif expected_version is None and isinstance(case, Case):
        expected_version = case.version
    locked = Case.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _(
                "办件%(number)s已被其他人员处理（当前状态：%(status)s）。您的操作未生效，"
                "请刷新页面查看最新情况后再操作。"
            )
            % {"number": locked.number, "status": CaseStatus(locked.status).label},
            code="stale_version",
        )
    return locked


def save_case(case: Case, fields: list[str]) -> None:
    """Write the changed fields and move the version on (every state change does)."""
    case.version += 1
    case.save(update_fields=[*dict.fromkeys([*fields, "version", "updated_at"])])


def transition(case: Case, action: str) -> str:
    """Check `action` is allowed now; return the status before it."""
    require_action(action, case.status)
    return case.status


@dataclass(frozen=True)
class ActorUnit:
    name: str
    credit_code: str


def actor_unit(actor: Any, case: Case | None = None) -> ActorUnit:
    """The unit a staff member acts for (GB/T 39046 处理单位): their department, preferring the
    one handling the case."""
    if actor is None or not getattr(actor, "pk", None):
        return ActorUnit("", "")
    memberships = StaffMembership.objects.filter(
        user_id=actor.pk, is_active=True, department__isnull=False
    ).select_related("department")
    chosen: Department | None = None
    for m in memberships:
        if case is not None and m.department_id == case.handling_department_id:
            chosen = m.department
            break
        chosen = chosen or m.department
    if chosen is None:
        return ActorUnit("", "")
    return ActorUnit(chosen.name, chosen.credit_code)


def record_event(
    case: Case,
    *,
    action: str,
    actor: Any,
    stage: str,
    from_status: str,
    business_action: str = "9",
    opinion: str = "",
    legal_basis: str = "",
    document_number: str = "",
    documents: list[dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    step: WorkflowStep | None = None,
    step_started_at: Any = None,
    visible_to_applicant: bool = True,
    label: str = "",
) -> CaseEvent:
    """The history row of one transition, with the fields the national data sets need."""
    last = CaseEvent.objects.filter(case=case).aggregate(m=Max("sequence"))["m"] or 0
    is_person = actor is not None and getattr(actor, "pk", None)
    unit = actor_unit(actor, case) if is_person and getattr(actor, "kind", "") == "staff" else None
    return CaseEvent.objects.create(
        case=case,
        sequence=last + 1,
        action=f"case.{action}",
        action_label=label or action_label(action),
        stage=stage,
        business_action=business_action,
        occurred_at=timezone.now(),
        actor=actor if is_person else None,
        actor_name=(getattr(actor, "display_name", "") if is_person else _("系统")),
        actor_unit_name=unit.name if unit else "",
        actor_unit_code=unit.credit_code if unit else "",
        from_status=from_status,
        to_status=case.status,
        step_key=step.key if step else "",
        step_name=step.name if step else "",
        step_started_at=step_started_at,
        opinion=opinion,
        legal_basis=legal_basis,
        document_number=document_number,
        documents=documents or [],
        data=data or {},
        visible_to_applicant=visible_to_applicant,
    )


# --- The guide and its workflow ------------------------------------------------------------------


_GUIDES: dict[tuple[int, str], GuideContent] = {}


def _guide_digest(case: Case) -> str:
    """The SM3 digest fixed when the version was submitted; read alone (not the whole content)
    unless the version row is already loaded."""
    if Case.guide_version.is_cached(case):
        return case.guide_version.content_digest
    return (
        GuideVersion.objects.filter(pk=case.guide_version_id)
        .values_list("content_digest", flat=True)
        .first()
        or ""
    )


def case_guide(case: Case) -> GuideContent:
    """The guide version the case was submitted under. Published versions never change, so the
    parsed content is kept per process, keyed by version id AND content digest: a row id alone
    can name another version once rows are deleted and ids reused (SQLite reuses them after a
    rollback), and the cached guide must never be someone else's."""
    version_id = case.guide_version_id
    if version_id is None:
        raise NotFound()
    digest = _guide_digest(case)
    key = (version_id, digest)
    guide = _GUIDES.get(key) if digest else None
    if guide is None:
        guide = parse_guide(case.guide_version.content, stored=True)
        if digest:
            if len(_GUIDES) > 2048:
                _GUIDES.clear()
            _GUIDES[key] = guide
    return guide


def workflow_steps(case: Case) -> list[WorkflowStep]:
    return list(case_guide(case).workflow.steps)


def step_by_key(case: Case, key: str) -> tuple[int, WorkflowStep] | None:
    for i, step in enumerate(workflow_steps(case)):
        if step.key == key:
            return i, step
    return None


def current_step(case: Case) -> WorkflowStep | None:
    found = step_by_key(case, case.current_step) if case.current_step else None
    return found[1] if found else None


def accept_step(case: Case) -> WorkflowStep:
    steps = workflow_steps(case)
    for step in steps:
        if "accept" in step.actions:
            return step
    return steps[0]


def decision_step_index(steps: list[WorkflowStep]) -> int:
    for i, step in enumerate(steps):
        if "approve" in step.actions or "reject" in step.actions:
            return i
    return len(steps) - 1


# --- Who may act -------------------------------------------------------------------------------

ROLE_LABELS = dict(StaffRole.choices)


def staff_covers_case(
    actor: Any, case: Case, *, roles: list[str] | None = None, scope: Scope | None = None
) -> bool:
    """Whether the actor's scope (of one of `roles`) reaches the case. Window clerks work for
    every department of their region (一窗受理), so only the region counts for them; for the
    other roles the department must match too. Both the handling and the accepting region count
    (跨省通办: the receiving window keeps seeing the case)."""
    scope = scope if scope is not None else staff_scope(actor)
    if scope.unrestricted:
        return True
    regions = [case.handling_region_id]
    if case.accepting_region_id:
        regions.append(case.accepting_region_id)
    for grant in scope.grants:
        if roles is not None and grant.role not in roles:
            continue
        if grant.role == StaffRole.WINDOW_CLERK:
            if any(r.startswith(grant.region_prefix) for r in regions):
                return True
        elif case.handling_region_id.startswith(grant.region_prefix) and (
            grant.department_id is None or grant.department_id == case.handling_department_id
        ):
            return True
    return False


def require_staff_visible(actor: Any, case: Case) -> None:
    if not staff_covers_case(actor, case):
        raise NotFound()


def require_role(actor: Any, case: Case, role: str) -> None:
    """The actor must hold `role` (or be the department's administrator) for this case; a staff
    member who cannot see the case at all gets NotFound, one who can but lacks the role a clear
    refusal naming the role."""
    scope = staff_scope(actor)
    if not staff_covers_case(actor, case, scope=scope):
        raise NotFound()
    if staff_covers_case(actor, case, roles=[role, StaffRole.DEPARTMENT_ADMIN], scope=scope):
        return
    raise PermissionDenied(
        _("此环节须由“%(role)s”办理，您当前的岗位不能执行该操作。")
        % {"role": ROLE_LABELS.get(role, role)}
    )


def require_step_action(case: Case, action: str) -> WorkflowStep:
    """The current step must offer `action` (the item's workflow definition decides)."""
    step = current_step(case)
    from tongban.catalog.guide_schema import WORKFLOW_ACTIONS

    if step is None or action not in step.actions:
        raise Conflict(
            _("当前环节“%(step)s”不能执行“%(action)s”。")
            % {
                "step": step.name if step else _("无"),
                "action": WORKFLOW_ACTIONS.get(action, action),
            },
            code="action_not_in_step",
        )
    return step


def require_applicant(actor: Any, case: Case) -> None:
    """The applicant account, or a person acting for the enterprise that applied."""
    from tongban.cases.permissions import applicant_can_see

    if not applicant_can_see(actor, case):
        raise NotFound()
