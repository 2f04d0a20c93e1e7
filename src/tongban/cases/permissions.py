"""Access funnels for cases: "not found" whether a case is missing or hidden (STYLE.md rule 3).

Who sees a case:
- the applicant account; for an enterprise case also its verified representative and the agents
  it authorised for "cases" or "apply" (经办人);
- staff whose scope reaches the handling region (and department, except window clerks, who
  work for every department of their region: 一窗受理), or the accepting region (跨省通办)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tongban.cases.models import Case
from tongban.core.errors import NotFound, PermissionDenied
from tongban.core.models import StaffRole
from tongban.core.scopes import Scope, staff_scope
from tongban.identity.models import AgentScope, LegalPerson
from tongban.identity.selectors import enterprises_for

CASE_SCOPES = {AgentScope.CASES, AgentScope.APPLY}


def _is_person(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.pk)


def legal_persons_for(actor: Any, *, scopes: set[str] | None = None) -> list[int]:
    """Ids of the enterprises the actor may act for with one of `scopes`."""
    if not _is_person(actor):
        return []
    wanted = scopes or CASE_SCOPES
    return [r.legal_person.pk for r in enterprises_for(actor) if wanted & set(r.scopes)]


def applicant_can_see(actor: Any, case: Case) -> bool:
    if not _is_person(actor):
        return False
    if case.applicant_id == actor.pk:
        return True
    return bool(case.legal_person_id and case.legal_person_id in legal_persons_for(actor))


def require_can_apply_for(actor: Any, legal_person: LegalPerson | None) -> None:
    """An agent applies for an enterprise only under an active grant with the "apply" scope (or
    as its verified representative)."""
    if not _is_person(actor):
        raise PermissionDenied()
    if legal_person is None:
        return
    if legal_person.pk not in legal_persons_for(actor, scopes={AgentScope.APPLY}):
        raise PermissionDenied(
            _msg("您没有代%(name)s在线申办事项的授权，请联系企业法定代表人授权。")
            % {"name": legal_person.name}
        )


def _msg(text: str) -> str:
    from django.utils.translation import gettext as _

    return _(text)


def applicant_cases_q(actor: Any) -> Q:
    """The cases an applicant sees (their own and their enterprises')."""
    if not _is_person(actor):
        return Q(pk__in=[])
    condition = Q(applicant_id=actor.pk)
    companies = legal_persons_for(actor)
    if companies:
        condition |= Q(legal_person_id__in=companies)
    return condition


def staff_cases_q(scope: Scope, *, roles: list[str] | None = None) -> Q | None:
    """The cases a staff scope reaches (None = everything), the query twin of
    services.common.staff_covers_case."""
    if scope.unrestricted:
        return None
    condition = Q(pk__in=[])
    for grant in scope.grants:
        if roles is not None and grant.role not in roles:
            continue
        if grant.role == StaffRole.WINDOW_CLERK:
            condition |= Q(handling_region__pk__startswith=grant.region_prefix) | Q(
                accepting_region__pk__startswith=grant.region_prefix
            )
            continue
        term = Q(handling_region__pk__startswith=grant.region_prefix)
        if grant.department_id is not None:
            term &= Q(handling_department_id=grant.department_id)
        condition |= term
    return condition


def cases_visible_to_staff(
    actor: Any, *, roles: list[str] | None = None, scope: Scope | None = None
) -> QuerySet[Case]:
    scope = scope if scope is not None else staff_scope(actor)
    if scope.is_empty:
        return Case.objects.none()
    condition = staff_cases_q(scope, roles=roles)
    # An applicant's own drafts are private; a draft entered at a window is the clerk's work.
    qs = Case.objects.exclude(Q(status="draft") & ~Q(channel="window"))
    return qs if condition is None else qs.filter(condition)


def access_case_for_applicant(actor: Any, number: str) -> Case:
    case = (
        Case.objects.filter(applicant_cases_q(actor), number=number)
        .select_related("item", "guide_version", "legal_person", "handling_region")
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def access_case_for_staff(actor: Any, number: str) -> Case:
    case = (
        cases_visible_to_staff(actor)
        .filter(number=number)
        .select_related("item", "guide_version", "legal_person", "handling_region", "assignee")
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def access_case_by_number(actor: Any, number: str) -> Case:
    """Either funnel: the applicant side first, then staff scope."""
    try:
        return access_case_for_applicant(actor, number)
    except NotFound:
        if getattr(actor, "kind", "") == "staff" or getattr(actor, "is_superuser", False):
            return access_case_for_staff(actor, number)
        raise


def enterprise_for_actor(
    actor: Any, credit_code: str, *, scopes: set[str] | None = None
) -> LegalPerson:
    """The enterprise (by credit code) the actor may act for, or NotFound."""
    wanted = scopes or {AgentScope.APPLY}
    if _is_person(actor):
        for role in enterprises_for(actor):
            if role.legal_person.credit_code == credit_code.strip().upper() and wanted & set(
                role.scopes
            ):
                return role.legal_person
    raise NotFound()
