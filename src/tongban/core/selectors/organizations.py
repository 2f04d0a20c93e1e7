"""Reads of departments, implementing bodies and memberships, always within the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tongban.core.models import Department, ImplementingBody, StaffMembership
from tongban.core.scopes import scope_filter
from tongban.core.selectors.regions import region_get


def _under(qs: QuerySet[Any], under: str | None, field: str = "region") -> QuerySet[Any]:
    if not under:
        return qs
    return qs.filter(**{f"{field}__pk__startswith": region_get(under).prefix})


def department_list(
    *,
    actor: Any,
    under: str | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> QuerySet[Department]:
    """Departments the caller may see: their region subtrees, narrowed to their own department
    where a membership is department-bound."""
    qs = scope_filter(Department.objects.select_related("region"), actor, department_field="pk")
    qs = _under(qs, under)
    if q.strip():
        qs = qs.filter(Q(name__contains=q.strip()) | Q(short_name__contains=q.strip()))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("region_id", "name")


def implementing_body_list(
    *,
    actor: Any,
    under: str | None = None,
    department: Department | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> QuerySet[ImplementingBody]:
    qs = scope_filter(
        ImplementingBody.objects.select_related("region", "department"),
        actor,
        department_field="department",
    )
    qs = _under(qs, under)
    if department is not None:
        qs = qs.filter(department=department)
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("region_id", "name")


def staff_membership_list(
    *, actor: Any, user: Any = None, include_inactive: bool = False
) -> QuerySet[StaffMembership]:
    """Memberships whose scope lies inside the caller's (for administrators)."""
    qs = scope_filter(
        StaffMembership.objects.select_related("user", "region", "department"),
        actor,
        department_field="department",
    )
    if user is not None:
        qs = qs.filter(user=user)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("region_id", "role")


def staff_membership_list_own(*, actor: Any) -> QuerySet[StaffMembership]:
    """The caller's own active memberships (their posts and scopes, e.g. for a profile page)."""
    if actor is None or getattr(actor, "pk", None) is None:
        return StaffMembership.objects.none()
    return (
        StaffMembership.objects.select_related("region", "department")
        .filter(user_id=actor.pk, is_active=True)
        .order_by("role", "region_id")
    )
