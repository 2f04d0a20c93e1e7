"""Who may do what in the feedback app, and the access funnels (STYLE.md rule 3).

- The 12345 desk (hotline operators, platform administrators) sees the requests of its region.
- A department's staff see the requests dispatched to their department and the bad reviews of
  their department (region subtree of the department, optionally narrowed to it).
- Supervisors (department administrators and platform administrators with a region-wide grant)
  see escalated bad reviews of their region.
- A whistle-blower's identity (举报) is shown to the desk only, never to a department.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from tongban.core.errors import NotFound
from tongban.core.models import StaffRole
from tongban.core.scopes import access_in_scope, scope_filter, staff_scope
from tongban.feedback.models import BadReview, KnowledgeEntry, Ticket, TicketType

DESK_ROLES = (StaffRole.HOTLINE_OPERATOR, StaffRole.PLATFORM_ADMIN)
DEPARTMENT_ROLES = (
    StaffRole.DEPARTMENT_ADMIN,
    StaffRole.REVIEWER,
    StaffRole.WINDOW_CLERK,
    StaffRole.PLATFORM_ADMIN,
)
SUPERVISOR_ROLES = (StaffRole.DEPARTMENT_ADMIN, StaffRole.PLATFORM_ADMIN)
STATS_ROLES = (
    StaffRole.HOTLINE_OPERATOR,
    StaffRole.DEPARTMENT_ADMIN,
    StaffRole.PLATFORM_ADMIN,
    StaffRole.AUDITOR,
)


def is_desk(actor: Any) -> bool:
    return not staff_scope(actor, roles=DESK_ROLES).is_empty


def is_department_staff(actor: Any) -> bool:
    return not staff_scope(actor, roles=DEPARTMENT_ROLES).is_empty


def can_see_stats(actor: Any) -> bool:
    return not staff_scope(actor, roles=STATS_ROLES).is_empty


def desk_tickets(actor: Any, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return scope_filter(queryset, actor, region_field="region", roles=DESK_ROLES)


def department_tickets(actor: Any, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return scope_filter(
        queryset.filter(department__isnull=False),
        actor,
        region_field="department__region",
        department_field="department",
        roles=DEPARTMENT_ROLES,
    )


def access_ticket_for_desk(actor: Any, number: str) -> Ticket:
    return access_in_scope(
        Ticket.objects.select_related("region", "department", "knowledge", "duplicate_of"),
        actor,
        region_field="region",
        roles=DESK_ROLES,
        number=number,
    )


def access_ticket_for_department(actor: Any, number: str) -> Ticket:
    return access_in_scope(
        Ticket.objects.select_related("region", "department").filter(department__isnull=False),
        actor,
        region_field="department__region",
        department_field="department",
        roles=DEPARTMENT_ROLES,
        number=number,
    )


def access_ticket_for_staff(actor: Any, number: str) -> Ticket:
    """The desk's view if the actor is on the desk, else the department's."""
    try:
        return access_ticket_for_desk(actor, number)
    except NotFound:
        return access_ticket_for_department(actor, number)


def access_ticket_for_caller(actor: Any, number: str) -> Ticket:
    if not getattr(actor, "is_authenticated", False):
        raise NotFound()
    ticket = (
        Ticket.objects.select_related("region", "department")
        .filter(number=number, caller_id=actor.pk)
        .first()
    )
    if ticket is None:
        raise NotFound()
    return ticket


def caller_visible_to(actor: Any, ticket: Ticket) -> bool:
    """Whether `actor` may see who made the request: the desk always; a department never for a
    report (举报), otherwise yes (it has to call the person back)."""
    if getattr(actor, "pk", None) is not None and ticket.caller_id == actor.pk:
        return True
    if staff_scope(actor, roles=DESK_ROLES).covers_region(ticket.region_id):
        return True
    return ticket.type != TicketType.REPORT


def bad_reviews_for_staff(actor: Any, queryset: QuerySet[BadReview]) -> QuerySet[BadReview]:
    return scope_filter(
        queryset,
        actor,
        region_field="department__region",
        department_field="department",
        roles=DEPARTMENT_ROLES,
    )


def access_bad_review_by_id(actor: Any, public_id: UUID | str) -> BadReview:
    return access_in_scope(
        BadReview.objects.select_related(
            "rating", "rating__invitation", "department", "region", "escalated_to"
        ),
        actor,
        region_field="department__region",
        department_field="department",
        roles=DEPARTMENT_ROLES,
        public_id=public_id,
    )


def access_knowledge_by_id(actor: Any, public_id: UUID | str) -> KnowledgeEntry:
    return access_in_scope(
        KnowledgeEntry.objects.all(), actor, roles=DESK_ROLES, public_id=public_id
    )
