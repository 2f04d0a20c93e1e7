"""Who may see and change licenses.

Staff see the licenses issued by bodies in their scope (region subtree, optionally one
department); holders see their own licenses (matched by the blind index of their ID number, or
of the credit code of an enterprise they may use licenses for). Every single-object read goes
through an access_* funnel that answers NotFound whether the row is missing or hidden.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tongban.core.crypto import blind_index
from tongban.core.errors import NotFound, PermissionDenied
from tongban.core.models import ImplementingBody, StaffRole
from tongban.core.scopes import access_in_scope, scope_filter, staff_scope
from tongban.licenses.models import HolderKind, ImportJob, License, UseGrant

VIEW_ROLES = frozenset(
    {
        StaffRole.WINDOW_CLERK,
        StaffRole.REVIEWER,
        StaffRole.DEPARTMENT_ADMIN,
        StaffRole.PLATFORM_ADMIN,
        StaffRole.AUDITOR,
    }
)
ISSUE_ROLES = frozenset({StaffRole.REVIEWER, StaffRole.DEPARTMENT_ADMIN, StaffRole.PLATFORM_ADMIN})
ADMIN_ROLES = frozenset({StaffRole.DEPARTMENT_ADMIN, StaffRole.PLATFORM_ADMIN})
PLATFORM_ROLES = frozenset({StaffRole.PLATFORM_ADMIN})
# The license catalog is maintained like the service catalog: by its administrators.
CATALOG_ROLES = frozenset({StaffRole.PLATFORM_ADMIN, StaffRole.CATALOG_ADMIN})


def holder_index(value: str) -> str:
    return blind_index(value, purpose=License._meta.get_field("holder_key").index_purpose)


def licenses_visible_to_staff(
    actor: Any, *, roles: frozenset[str] = VIEW_ROLES
) -> QuerySet[License]:
    return scope_filter(
        License.objects.all(),
        actor,
        region_field="region",
        department_field="department",
        roles=roles,
    )


def access_license_for_staff(
    actor: Any, public_id: UUID | str, *, roles: frozenset[str] = VIEW_ROLES
) -> License:
    return access_in_scope(
        License.objects.select_related("license_type", "issuer", "supersedes"),
        actor,
        region_field="region",
        department_field="department",
        roles=roles,
        public_id=public_id,
    )


def bodies_for_issuing(
    actor: Any, *, roles: frozenset[str] = ISSUE_ROLES, with_key: bool = True
) -> QuerySet[ImplementingBody]:
    """Bodies in scope; `with_key`: only those with an active signing key (they can issue)."""
    queryset = ImplementingBody.objects.filter(is_active=True)
    if with_key:
        queryset = queryset.filter(license_keys__status="active")
    return scope_filter(
        queryset.select_related("region", "department").order_by("region_id", "name"),
        actor,
        region_field="region",
        department_field="department",
        roles=roles,
    )


def check_can_issue(
    actor: Any, body: ImplementingBody, *, roles: frozenset[str] = ISSUE_ROLES
) -> None:
    scope = staff_scope(actor, roles=roles)
    if not scope.covers(region_code=body.region_id, department_id=body.department_id):
        raise PermissionDenied(_("该颁发机构不在您的管理范围内，不能为其签发或变更证照。"))


def check_platform_admin(actor: Any) -> None:
    if actor is None:  # command line and background tasks
        return
    if not staff_scope(actor, roles=PLATFORM_ROLES).has_role(*PLATFORM_ROLES):
        raise PermissionDenied(_("只有平台管理员可以维护证照目录和信任列表。"))


def check_catalog_admin(actor: Any) -> None:
    if actor is None:  # command line, demo loader and background tasks
        return
    if not staff_scope(actor, roles=CATALOG_ROLES).has_role(*CATALOG_ROLES):
        raise PermissionDenied(_("只有平台管理员或事项管理员可以维护证照目录。"))


def holder_indexes_for(user: Any) -> list[tuple[str, str]]:
    """(holder kind, blind index) pairs whose licenses `user` may use: their own (by ID number)
    and those of enterprises they represent or were granted the licenses scope for."""
    from tongban.identity.models import AgentScope
    from tongban.identity.selectors import enterprises_for

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    pairs: list[tuple[str, str]] = []
    if getattr(user, "id_number", ""):
        pairs.append((HolderKind.PERSON, holder_index(user.id_number)))
    for role in enterprises_for(user):
        if AgentScope.LICENSES in role.scopes:
            pairs.append((HolderKind.ORGANISATION, holder_index(role.legal_person.credit_code)))
    return pairs


def licenses_of_holder(user: Any) -> QuerySet[License]:
    pairs = holder_indexes_for(user)
    if not pairs:
        return License.objects.none()
    condition = Q(pk__in=[])
    for kind, index in pairs:
        condition |= Q(holder_kind=kind, holder_key_index=index)
    return License.objects.filter(condition)


def access_license_for_holder(user: Any, public_id: UUID | str) -> License:
    try:
        obj = (
            licenses_of_holder(user)
            .select_related("license_type", "issuer")
            .filter(public_id=public_id)
            .first()
        )
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise NotFound()
    return obj


def access_grant_for_holder(user: Any, public_id: UUID | str) -> UseGrant:
    try:
        obj = (
            UseGrant.objects.select_related("license", "license__license_type")
            .filter(public_id=public_id, grantor_id=getattr(user, "pk", None))
            .first()
        )
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise NotFound()
    return obj


def access_import_job(actor: Any, public_id: UUID | str) -> ImportJob:
    return access_in_scope(
        ImportJob.objects.select_related("license_type", "issuer"),
        actor,
        region_field="issuer__region",
        department_field="issuer__department",
        roles=ADMIN_ROLES,
        public_id=public_id,
    )
