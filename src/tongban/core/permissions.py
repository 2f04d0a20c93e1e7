"""Access funnels for core objects (STYLE.md rule 3): the only way a view or endpoint gets one
protected row. Each raises NotFound whether the row is missing or outside the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from tongban.core.models import Department, ImplementingBody, StaffMembership
from tongban.core.scopes import access_in_scope


def access_department_by_id(
    actor: Any, public_id: UUID | str, *, roles: Iterable[str] | None = None
) -> Department:
    return access_in_scope(
        Department.objects.select_related("region"),
        actor,
        department_field="pk",
        roles=roles,
        public_id=public_id,
    )


def access_implementing_body_by_id(
    actor: Any, public_id: UUID | str, *, roles: Iterable[str] | None = None
) -> ImplementingBody:
    return access_in_scope(
        ImplementingBody.objects.select_related("region", "department"),
        actor,
        department_field="department",
        roles=roles,
        public_id=public_id,
    )


def access_staff_membership_by_id(
    actor: Any, public_id: UUID | str, *, roles: Iterable[str] | None = None
) -> StaffMembership:
    return access_in_scope(
        StaffMembership.objects.select_related("user", "region", "department"),
        actor,
        department_field="department",
        roles=roles,
        public_id=public_id,
    )
