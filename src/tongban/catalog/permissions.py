"""Who may edit and review the catalog: catalog admins (and platform admins) within their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tongban.catalog.models import ImplementationItem
from tongban.core.errors import PermissionDenied
from tongban.core.models import ImplementingBody, RegionLevel, StaffMembership, StaffRole
from tongban.core.scopes import access_in_scope, scope_filter

CATALOG_ROLES = frozenset({StaffRole.CATALOG_ADMIN, StaffRole.PLATFORM_ADMIN})


def items_editable_by(actor: Any) -> QuerySet[ImplementationItem]:
    return scope_filter(
        ImplementationItem.objects.all(),
        actor,
        region_field="region",
        department_field="department",
        roles=CATALOG_ROLES,
    )


def access_item_for_edit(actor: Any, *, code: str) -> ImplementationItem:
    """The item if the actor may edit it; NotFound otherwise (missing and hidden look the same)."""
    return access_in_scope(
        items_editable_by(actor).select_related("basic_item", "body", "region"), actor, code=code
    )


def check_basic_catalog_admin(actor: Any) -> None:
    """The basic catalog is provincial: only catalog or platform admins at a province may change it."""
    allowed = StaffMembership.objects.filter(
        user_id=getattr(actor, "pk", None),
        is_active=True,
        role__in=CATALOG_ROLES,
        region__level=RegionLevel.PROVINCE,
        department__isnull=True,
    ).exists()
    if not allowed:
        raise PermissionDenied(_("只有省级事项管理员可以维护基本目录。"))


def check_can_edit_body(actor: Any, body: Any) -> None:
    """Creating an item for a body requires the same scope as editing the body's items."""
    visible = scope_filter(
        ImplementingBody.objects.filter(pk=body.pk),
        actor,
        region_field="region",
        department_field="department",
        roles=CATALOG_ROLES,
    )
    if not visible.exists():
        raise PermissionDenied(_("该实施主体不在您的管理范围内。"))
