"""Every read of the cases app that a page or endpoint shows, scoped to the caller."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from tongban.cases import sources
from tongban.cases.models import (
    Appointment,
    AppointmentSlot,
    Case,
    CaseEvent,
    CaseKindChoice,
    CaseMaterial,
    CaseStatus,
    ClockState,
    CommitmentCheck,
    Correction,
    Decision,
    Delivery,
    Extension,
    InstantRule,
    Notification,
    ServiceHall,
    Supervision,
    Suspension,
)
from tongban.cases.models.appointments import AppointmentStatus
from tongban.cases.models.case import CLOCK_RUNNING, OPEN_STATUSES
from tongban.cases.models.handling import CheckStatus, DeliveryStatus, ExtensionStatus
from tongban.cases.permissions import (
    applicant_can_see,
    applicant_cases_q,
    cases_visible_to_staff,
)
from tongban.cases.services.clock import ClockInfo, clock_state, clock_thresholds
from tongban.cases.services.common import case_guide, current_step, staff_covers_case
from tongban.cases.workflow import can
from tongban.core.errors import Conflict, NotFound
from tongban.core.models import StaffRole
from tongban.core.scopes import staff_scope
from tongban.core.workdays import local_today, workday_calendar

logger = logging.getLogger("tongban.cases.selectors")

# --- staff queues ------------------------------------------------------------------------------

QUEUES = ("todo", "accept", "mine", "unclaimed", "all", "closed", "drafts")
# What a list row shows: loading only these keeps the encrypted columns (decrypted on load)
# and the form JSON out of list pages.
LIST_FIELDS = (
    "id",
    "public_id",
    "number",
    "kind",
    "item_id",
    "guide_version_id",
    "item_code",
    "item_name",
    "case_kind",
    "parent_id",
    "applicant_id",
    "applicant_kind",
    "legal_person_id",
    "applicant_name",
    "handling_body_id",
    "handling_department_id",
    "handling_region_id",
    "accepting_region_id",
    "cross_region_mode",
    "channel",
    "status",
    "current_step",
    "current_step_name",
    "current_role",
    "step_due_date",
    "assignee_id",
    "claimed_at",
    "version",
    "submitted_at",
    "received_on",
    "accepted_at",
    "deemed_accepted",
    "legal_due_date",
    "promised_due_date",
    "paused_since",
    "paused_days",
    "extension_days",
    "decided_at",
    "completed_at",
    "closed_at",
    "escalation_level",
    "tolerated",
    "tolerated_due_date",
    "commitment",
    "instant",
    "created_at",
    "updated_at",
)


def case_queue(
    actor: Any,
    *,
    queue: str = "todo",
    clock: str = "",
    q: str = "",
    item_code: str = "",
    region_code: str = "",
    department_id: int | None = None,
) -> QuerySet[Case]:
    """Cases for the workbench, earliest deadline first.

    - todo: open cases whose current step needs one of the actor's roles (window clerks also see
      new submissions and results waiting to be handed over);
    - accept: submitted, waiting for acceptance (一窗受理);
    - mine: claimed by / assigned to the actor;  unclaimed: todo without an assignee;
    - all: every case in scope;  closed: finished ones;  drafts: window-entered drafts.
    `clock` narrows to "overdue" / "warning" / "on_time" / "paused" (index-friendly filters on
    the stored due date)."""
    scope = staff_scope(actor)
    qs = cases_visible_to_staff(actor, scope=scope).filter(kind=CaseKindChoice.SINGLE)
    if queue == "drafts":  # applications being entered at the window, not yet submitted
        return qs.filter(status=CaseStatus.DRAFT).only(*LIST_FIELDS).order_by("-created_at", "-id")
    qs = qs.exclude(status=CaseStatus.DRAFT)
    roles = (
        sorted(scope.roles) if not scope.unrestricted else [r for r, _label in StaffRole.choices]
    )
    if queue in ("todo", "unclaimed"):
        role_filter = [*roles]
        if StaffRole.DEPARTMENT_ADMIN in roles:
            role_filter = [r for r, _label in StaffRole.choices]
        qs = qs.filter(
            status__in=(*OPEN_STATUSES, CaseStatus.COMPLETED), current_role__in=role_filter
        )
        if queue == "unclaimed":
            qs = qs.filter(assignee__isnull=True)
    elif queue == "accept":
        qs = qs.filter(status=CaseStatus.SUBMITTED)
    elif queue == "mine":
        qs = qs.filter(
            assignee_id=getattr(actor, "pk", None),
            status__in=(*OPEN_STATUSES, CaseStatus.COMPLETED),
        )
    elif queue == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if clock:
        qs = clock_filter(qs, clock)
    if q:
        qs = qs.filter(
            Q(number__startswith=q.strip())
            | Q(item_name__contains=q.strip())
            | Q(applicant_name__contains=q.strip())
        )
    if item_code:
        qs = qs.filter(item_code=item_code.upper())
    if region_code:
        qs = qs.filter(handling_region__pk__startswith=region_code.rstrip("0") or region_code)
    if department_id:
        qs = qs.filter(handling_department_id=department_id)
    # Not yet accepted (no due date yet: NULL sorts first) before the rest by deadline; with
    # the (department, role, due) index the page is read in order, never sorted.
    order = ["promised_due_date", "id"]
    if queue == "closed":
        order = ["-closed_at", "-id"]
    return qs.only(*LIST_FIELDS).order_by(*order)


def clock_filter(qs: QuerySet[Case], state: str, *, today: date | None = None) -> QuerySet[Case]:
    t = clock_thresholds(today=today)
    running = qs.filter(status__in=CLOCK_RUNNING, paused_since__isnull=True)
    if state == ClockState.OVERDUE:
        return running.filter(promised_due_date__lt=t.today)
    if state == ClockState.WARNING:
        return running.filter(promised_due_date__gte=t.today, promised_due_date__lte=t.warn_until)
    if state == ClockState.ON_TIME:
        return running.filter(promised_due_date__gt=t.warn_until)
    if state == ClockState.PAUSED:
        return qs.filter(Q(status=CaseStatus.SUSPENDED) | Q(paused_since__isnull=False))
    return qs


def with_clock(cases: list[Case], *, today: date | None = None) -> list[tuple[Case, ClockInfo]]:
    """Each case with its traffic light, one calendar snapshot for the whole page."""
    calendar = workday_calendar()
    today = today or local_today()
    return [(c, clock_state(c, today=today, calendar=calendar)) for c in cases]


# --- applicant side ------------------------------------------------------------------------------


def case_list_for_applicant(
    actor: Any, *, status: str = "", legal_person_id: int | None = None, include_drafts: bool = True
) -> QuerySet[Case]:
    """我的办件: my own and my enterprises' cases (bundle members appear under their parent),
    newest first."""
    qs = Case.objects.filter(applicant_cases_q(actor), parent__isnull=True)
    if status:
        qs = qs.filter(status=status)
    if not include_drafts:
        qs = qs.exclude(status=CaseStatus.DRAFT)
    if legal_person_id:
        qs = qs.filter(legal_person_id=legal_person_id)
    return qs.only(*LIST_FIELDS).order_by("-created_at", "-id")


@dataclass(frozen=True)
class ProgressView:
    """What a progress query without sign-in shows (no personal data beyond a masked name)."""

    number: str
    item_name: str
    status: str
    status_label: str
    applicant: str  # masked
    submitted_at: Any
    accepted_at: Any
    promised_due_date: Any
    completed_at: Any
    current_step_name: str
    events: list[dict[str, Any]]
    members: list[dict[str, Any]] = field(default_factory=list)


PROGRESS_FAILURES_ALLOWED = 10


def case_progress_lookup(*, number: str, code: str) -> ProgressView:
    """办件进度查询 by case number and the applicant's verification code, without signing in.
    Wrong codes count per case number (10 per hour) so the code cannot be guessed."""
    from tongban.cases.services.apply import verification_matches
    from tongban.core.identifiers import mask_name

    number = number.strip()
    key = f"cases.progress.fail.{number}"
    if (cache.get(key) or 0) >= PROGRESS_FAILURES_ALLOWED:
        raise Conflict(_("查询次数过多，请一小时后再试。"), code="too_many_attempts")
    case = Case.objects.filter(number=number).exclude(status=CaseStatus.DRAFT).first()
    if case is None or not verification_matches(case, code):
        cache.set(key, (cache.get(key) or 0) + 1, 3600)
        raise NotFound(_("办件编号或查询码不正确。"))
    events = [
        {
            "at": e.occurred_at,
            "label": e.action_label,
            "step": e.step_name,
            "unit": e.actor_unit_name,
        }
        for e in CaseEvent.objects.filter(case=case, visible_to_applicant=True).order_by("sequence")
    ]
    members = [
        {
            "number": m.number,
            "item_name": m.item_name,
            "status": m.status,
            "status_label": m.get_status_display(),
        }
        for m in Case.objects.filter(parent=case).order_by("bundle_stage", "id")
    ]
    return ProgressView(
        number=case.number,
        item_name=case.item_name,
        status=case.status,
        status_label=case.get_status_display(),
        applicant=mask_name(case.applicant_name),
        submitted_at=case.submitted_at,
        accepted_at=case.accepted_at,
        promised_due_date=case.promised_due_date,
        completed_at=case.completed_at,
        current_step_name=case.current_step_name,
        events=events,
        members=members,
    )


# --- one case -------------------------------------------------------------------------------------


@dataclass
class CaseDetail:
    case: Case
    clock: ClockInfo
    materials: list[CaseMaterial]
    events: list[CaseEvent]
    corrections: list[Correction]
    suspensions: list[Suspension]
    extensions: list[Extension]
    decision: Decision | None
    deliveries: list[Delivery]
    supervisions: list[Supervision]
    commitment_check: CommitmentCheck | None
    actions: list[str]
    members: list[Case]
    parent: Case | None


def _detail(case: Case, *, actor: Any, for_applicant: bool) -> CaseDetail:
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("sequence")
    if for_applicant:
        events = events.filter(visible_to_applicant=True)
    return CaseDetail(
        case=case,
        clock=clock_state(case),
        materials=list(CaseMaterial.objects.filter(case=case).order_by("id")),
        events=list(events),
        corrections=list(Correction.objects.filter(case=case)),
        suspensions=list(Suspension.objects.filter(case=case)),
        extensions=[] if for_applicant else list(Extension.objects.filter(case=case)),
        decision=Decision.objects.filter(case=case).first(),
        deliveries=list(Delivery.objects.filter(case=case)),
        supervisions=[] if for_applicant else list(Supervision.objects.filter(case=case)),
        commitment_check=None
        if for_applicant
        else CommitmentCheck.objects.filter(case=case).first(),
        actions=case_available_actions(actor, case),
        members=list(Case.objects.filter(parent=case).order_by("bundle_stage", "id")),
        parent=case.parent,
    )


def case_detail_for_applicant(actor: Any, number: str) -> CaseDetail:
    from tongban.cases.permissions import access_case_for_applicant

    return _detail(access_case_for_applicant(actor, number), actor=actor, for_applicant=True)


def case_detail_for_staff(actor: Any, number: str) -> CaseDetail:
    from tongban.cases.permissions import access_case_for_staff

    return _detail(access_case_for_staff(actor, number), actor=actor, for_applicant=False)


APPLICANT_ACTIONS = ("save_draft", "submit", "withdraw", "correction_submit", "supply_material")
STEP_ACTIONS = {  # service action -> workflow step action it needs
    "forward": "forward",
    "return": "return",
    "approve": "approve",
    "deny": "reject",
    "extend": "extend",
}


# A claim can be given back while the case still waits for someone's work.
RELEASABLE = (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS, CaseStatus.APPROVED, CaseStatus.DENIED)


def case_available_actions(actor: Any, case: Case) -> list[str]:
    """The actions this actor may take on the case now (buttons to show). The services check
    the same rules again under the lock."""
    actions: list[str] = []
    if applicant_can_see(actor, case):
        for a in APPLICANT_ACTIONS:
            if a == "supply_material":
                if case.tolerated and case.tolerated_due_date and can(a, case.status):
                    actions.append(a)
            elif can(a, case.status):
                actions.append(a)
    if getattr(actor, "kind", "") != "staff" and not getattr(actor, "is_superuser", False):
        return actions
    if not staff_covers_case(actor, case):
        return actions
    step = current_step(case) if case.guide_version_id else None
    role = step.role if step else ""

    def holds(r: str) -> bool:
        return bool(r) and staff_covers_case(actor, case, roles=[r, StaffRole.DEPARTMENT_ADMIN])

    if case.status == CaseStatus.SUBMITTED and holds(role):
        actions += ["pre_review", "accept", "not_accept", "request_correction"]
    if case.status == CaseStatus.CORRECTION and holds(StaffRole.WINDOW_CLERK):
        actions.append("not_accept")
    if case.status == CaseStatus.IN_PROGRESS and step and holds(role):
        actions += [a for a, needed in STEP_ACTIONS.items() if needed in step.actions]
        actions += ["request_correction", "suspend"]
        if "extend" not in actions:
            actions.append("extend")
    if case.status == CaseStatus.SUSPENDED and holds(role or StaffRole.REVIEWER):
        actions.append("resume")
    if case.status in (CaseStatus.APPROVED, CaseStatus.DENIED) and holds(
        role or StaffRole.WINDOW_CLERK
    ):
        actions.append("complete")
    if case.status == CaseStatus.COMPLETED and holds(StaffRole.WINDOW_CLERK):
        actions.append("deliver")
    if can("claim", case.status) and holds(role) and case.assignee_id is None:
        actions.append("claim")
    if can("assign", case.status) and holds(StaffRole.DEPARTMENT_ADMIN):
        actions.append("assign")
    mine = case.assignee_id is not None and case.assignee_id == getattr(actor, "pk", None)
    if mine and case.status in RELEASABLE:
        actions.append("release")
    if (
        case.status in (CaseStatus.COMPLETED, CaseStatus.DELIVERED)
        and holds(StaffRole.WINDOW_CLERK)
        and Delivery.objects.filter(case=case, status=DeliveryStatus.SENT).exists()
    ):
        actions.append("delivery_confirm")
    if (
        case.commitment
        and holds(StaffRole.REVIEWER)
        and CommitmentCheck.objects.filter(case=case, status=CheckStatus.OPEN).exists()
    ):
        actions.append("commitment_check")
    if (
        case.instant
        and case.status in (CaseStatus.APPROVED, CaseStatus.COMPLETED, CaseStatus.DELIVERED)
        and holds(StaffRole.REVIEWER)
    ):
        actions.append("override")
    if Extension.objects.filter(
        case=case, status=ExtensionStatus.REQUESTED
    ).exists() and staff_covers_case(actor, case, roles=[StaffRole.DEPARTMENT_ADMIN]):
        actions.append("extension_decide")
    return list(dict.fromkeys(actions))


def case_timeline(case: Case, *, for_applicant: bool) -> list[CaseEvent]:
    qs = CaseEvent.objects.filter(case=case).order_by("sequence")
    if for_applicant:
        qs = qs.filter(visible_to_applicant=True)
    return list(qs)


# --- materials from other apps -------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialChoice:
    """One material of an application with what could satisfy it (shown on the apply page)."""

    material: CaseMaterial
    license_type_code: str
    data_resource_code: str
    offers: list[sources.MaterialOffer]
    no_need_to_bring: bool  # satisfied by an e-license or shared data (免提交)
    reason: str  # why the applicant need not bring it


def material_choices(actor: Any, case: Case) -> list[MaterialChoice]:
    """For each material, the e-licenses and shared data the applicant could authorize instead
    of uploading (asking every registered source)."""
    from tongban.cases.services.apply import holder_for, material_needs

    if not applicant_can_see(actor, case) and not staff_covers_case(actor, case):
        raise NotFound()
    guide = case_guide(case)
    needs = dict(material_needs(guide))
    holder = holder_for(case)
    out = []
    for material in CaseMaterial.objects.filter(case=case).order_by("id"):
        spec = needs.get(material.code)
        lic = getattr(spec, "license_type_code", "") or ""
        res = getattr(spec, "data_resource_code", "") or ""
        offers: list[sources.MaterialOffer] = []
        if lic or res:
            need = sources.MaterialNeed(material.code, material.name, lic, res)
            for source in sources.material_sources():
                try:
                    offers += source.offers(holder=holder, need=need)
                except Exception:  # one failing source must not break the page
                    logger.exception("cases.material_source.failed", extra={"source": source.key})
        satisfied = material.satisfied_by in ("license", "sharing")
        reason = ""
        if satisfied:
            reason = _("已通过%(label)s获取（%(issuer)s），无需提交纸质材料。") % {
                "label": material.evidence.get("label", ""),
                "issuer": material.evidence.get("issuer", ""),
            }
        elif offers:
            reason = _("可使用%(label)s代替，授权后无需提交。") % {"label": offers[0].label}
        out.append(MaterialChoice(material, lic, res, offers, satisfied, reason))
    return out


def material_evidence_for_reviewer(actor: Any, case: Case, code: str) -> sources.MaterialEvidence:
    """The verified content behind an e-license / shared-data material, re-read by the source
    (which logs the access)."""
    if not staff_covers_case(actor, case):
        raise NotFound()
    material = CaseMaterial.objects.filter(case=case, code=code).first()
    if material is None or not material.evidence:
        raise NotFound()
    evidence = sources.MaterialEvidence(**material.evidence)
    source = sources.material_source(evidence.source)
    if source is None:
        return evidence
    return source.evidence_for_reviewer(
        reviewer=actor, evidence=evidence, case_number=case.number, purpose=_("审查办件材料")
    )


# --- supervision ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionRow:
    key: Any
    name: str
    open: int
    on_time: int
    warning: int
    overdue: int
    paused: int


def supervision_counts(
    actor: Any, *, by: str = "department", today: date | None = None
) -> list[SupervisionRow]:
    """效能监察: open cases per department (or handling region) with how many are on time, soon
    due (yellow) and overdue (red). One grouped query over indexed columns."""
    t = clock_thresholds(today=today)
    qs = cases_visible_to_staff(actor).filter(kind=CaseKindChoice.SINGLE, status__in=OPEN_STATUSES)
    group = "handling_department" if by == "department" else "handling_region"
    name = f"{group}__name"
    running = Q(
        status__in=CLOCK_RUNNING, paused_since__isnull=True, promised_due_date__isnull=False
    )
    rows = (
        qs.values(group, name)
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=running & Q(promised_due_date__lt=t.today)),
            warning=Count(
                "id",
                filter=running
                & Q(promised_due_date__gte=t.today, promised_due_date__lte=t.warn_until),
            ),
            on_time=Count("id", filter=running & Q(promised_due_date__gt=t.warn_until)),
            paused=Count(
                "id", filter=Q(status=CaseStatus.SUSPENDED) | Q(paused_since__isnull=False)
            ),
        )
        .order_by("-overdue", "-warning", name)
    )
    return [
        SupervisionRow(
            r[group],
            r[name] or "",
            r["open"],
            r["on_time"],
            r["warning"],
            r["overdue"],
            r["paused"],
        )
        for r in rows
    ]


def supervision_list(actor: Any, *, open_only: bool = True) -> QuerySet[Supervision]:
    case_ids = cases_visible_to_staff(actor).values("pk")
    qs = Supervision.objects.filter(case_id__in=case_ids)
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.select_related("case", "supervising_region", "supervised_department").order_by(
        "-issued_at"
    )


def commitment_checks_open(actor: Any) -> QuerySet[CommitmentCheck]:
    case_ids = cases_visible_to_staff(
        actor, roles=[StaffRole.REVIEWER, StaffRole.DEPARTMENT_ADMIN]
    ).values("pk")
    return (
        CommitmentCheck.objects.filter(case_id__in=case_ids, status=CheckStatus.OPEN)
        .select_related("case")
        .order_by("due_date")
    )


# --- notifications and appointments ---------------------------------------------------------------


def notifications_for(actor: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=getattr(actor, "pk", None))
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("case").order_by("-created_at", "-id")


def notifications_unread_count(actor: Any) -> int:
    return notifications_for(actor, unread_only=True).count()


def halls_list(*, region_code: str = "") -> QuerySet[ServiceHall]:
    qs = ServiceHall.objects.filter(is_active=True)
    if region_code:
        from tongban.catalog.selectors import ancestor_codes

        qs = qs.filter(
            Q(region_id__in=ancestor_codes(region_code)) | Q(region__pk__startswith=region_code)
        )
    return qs.select_related("region").order_by("region_id", "name")


def hall_get(public_id: Any) -> ServiceHall:
    hall = ServiceHall.objects.filter(public_id=public_id, is_active=True).first()
    if hall is None:
        raise NotFound()
    return hall


def slots_available(
    hall: ServiceHall, *, item: Any = None, date_from: date | None = None, days: int = 14
) -> QuerySet[AppointmentSlot]:
    from datetime import timedelta

    start = date_from or local_today()
    qs = AppointmentSlot.objects.filter(
        hall=hall, is_open=True, date__gte=start, date__lt=start + timedelta(days=days)
    )
    qs = (
        qs.filter(Q(item__isnull=True) | Q(item=item))
        if item is not None
        else qs.filter(item__isnull=True)
    )
    return qs.order_by("date", "start")


def slot_get(public_id: Any) -> AppointmentSlot:
    slot = AppointmentSlot.objects.select_related("hall").filter(public_id=public_id).first()
    if slot is None:
        raise NotFound()
    return slot


def appointments_for(actor: Any, *, upcoming_only: bool = False) -> QuerySet[Appointment]:
    qs = Appointment.objects.filter(user_id=getattr(actor, "pk", None))
    if upcoming_only:
        qs = qs.filter(status=AppointmentStatus.BOOKED, slot__date__gte=local_today())
    return qs.select_related("slot__hall", "item").order_by("-slot__date", "-slot__start")


def appointment_get_for_user(actor: Any, public_id: Any) -> Appointment:
    a = appointments_for(actor).filter(public_id=public_id).first()
    if a is None:
        raise NotFound()
    return a


def appointments_for_hall(
    actor: Any, hall: ServiceHall, *, day: date | None = None
) -> QuerySet[Appointment]:
    scope = staff_scope(actor, roles=[StaffRole.WINDOW_CLERK, StaffRole.DEPARTMENT_ADMIN])
    if not scope.covers_region(hall.region_id):
        raise NotFound()
    return (
        Appointment.objects.filter(slot__hall=hall, slot__date=day or local_today())
        .select_related("slot", "item", "user")
        .order_by("slot__start", "created_at")
    )


def instant_rules_for_item(item: Any) -> list[InstantRule]:
    """Rules are visible to reviewers as written (and to the public on the guide page)."""
    return list(InstantRule.objects.filter(item=item).order_by("id"))


def assignee_candidates(actor: Any, case: Case) -> list[Any]:
    """Colleagues who could take the case's current step (for the assign menu)."""
    from django.contrib.auth import get_user_model

    from tongban.core.models import StaffMembership

    if not staff_covers_case(actor, case):
        raise NotFound()
    step = current_step(case) if case.guide_version_id else None
    role = step.role if step else StaffRole.WINDOW_CLERK
    user_ids = StaffMembership.objects.filter(
        is_active=True, role__in=[role, StaffRole.DEPARTMENT_ADMIN]
    ).values_list("user_id", flat=True)
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")
    return [
        u for u in users if staff_covers_case(u, case, roles=[role, StaffRole.DEPARTMENT_ADMIN])
    ]


def assignee_get(actor: Any, case: Case, username: str) -> Any:
    for user in assignee_candidates(actor, case):
        if user.username == username:
            return user
    raise NotFound(_("未找到可分派的人员“%(u)s”。") % {"u": username})


def item_for_apply(item_code: str) -> Any:
    from tongban.catalog.selectors import item_get_public

    return item_get_public(item_code)
