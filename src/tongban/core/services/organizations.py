"""Writes of departments (部门), implementing bodies (实施主体) and staff memberships (岗位与数据范围).

`actor=None` means the system itself (management commands, the demo loader); a person acting
must hold a scope that reaches the object (core/scopes.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from tongban.core.identifiers import validate_credit_code
from tongban.core.models import (
    Department,
    ImplementingBody,
    Region,
    RegionLevel,
    StaffMembership,
    StaffRole,
)
from tongban.core.models.organizations import BodyNature
from tongban.core.scopes import staff_scope

# Roles a department administrator may hand out inside their own department.
DEPARTMENT_GRANTABLE_ROLES = frozenset(
    {StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.CATALOG_ADMIN, StaffRole.DATA_OFFICER}
)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldProblem(field, message)])


def _require_current_region(region: Region | None, field: str = "region") -> Region:
    if region is None:
        raise _invalid(field, _("请选择所属行政区划。"))
    if not region.is_current:
        raise _invalid(
            field,
            _("%(name)s（%(code)s）已撤销，不能再设立机构，请选择现行区划。")
            % {"name": region.full_name, "code": region.code},
        )
    return region


def _require_platform_admin(actor: Any, region: Region) -> None:
    if actor is None:
        return
    if not staff_scope(actor, roles=[StaffRole.PLATFORM_ADMIN]).covers_region(region.code):
        raise PermissionDenied(_("只有该区划的平台管理员可以执行此操作。"))


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise _invalid(field, _("请填写名称。"))
    if len(name) > 200:
        raise _invalid(field, _("名称不能超过200个字。"))
    return name


@transaction.atomic
def department_create(
    *,
    actor: Any,
    region: Region,
    name: str,
    credit_code: str,
    short_name: str = "",
    phone: str = "",
    address: str = "",
) -> Department:
    region = _require_current_region(region)
    _require_platform_admin(actor, region)
    name = _clean_name(name)
    if region.level > RegionLevel.TOWNSHIP:
        raise _invalid("region", _("村（社区）级不设部门，请选择乡镇（街道）或以上的区划。"))
    credit_code = validate_credit_code(credit_code)
    if Department.objects.filter(region=region, name=name).exists():
        raise _invalid(
            "name",
            _("%(region)s已有名为“%(name)s”的部门。") % {"region": region.name, "name": name},
        )
    if Department.objects.filter(credit_code=credit_code).exists():
        raise _invalid("credit_code", _("该统一社会信用代码已登记为其他部门。"))
    department = Department.objects.create(
        region=region,
        name=name,
        short_name=(short_name or "").strip(),
        credit_code=credit_code,
        phone=(phone or "").strip(),
        address=(address or "").strip(),
    )
    audit_record(
        actor=actor,
        action="core.department.create",
        obj=department,
        summary={"name": name, "region": region.code, "credit_code": credit_code},
    )
    return department


@transaction.atomic
def implementing_body_create(
    *,
    actor: Any,
    department: Department | None,
    name: str,
    credit_code: str,
    nature: str = BodyNature.STATUTORY,
    region: Region | None = None,
) -> ImplementingBody:
    """A body belongs to a department and sits in the department's region or below it (e.g. a
    city bureau's district branch)."""
    if department is None:
        raise _invalid("department", _("请选择所属部门。"))
    region = _require_current_region(region or department.region)
    if actor is not None and not staff_scope(
        actor, roles=[StaffRole.PLATFORM_ADMIN, StaffRole.DEPARTMENT_ADMIN]
    ).covers(region_code=department.region_id, department_id=department.pk):
        raise PermissionDenied(_("只有平台管理员或本部门管理员可以登记实施主体。"))
    if not department.is_active:
        raise _invalid("department", _("该部门已停用，不能登记实施主体。"))
    if not region.code.startswith(department.region.prefix):
        raise _invalid(
            "region",
            _("实施主体的区划必须在所属部门的区划（%(name)s）范围内。")
            % {"name": department.region.full_name},
        )
    name = _clean_name(name)
    if nature not in BodyNature.values:
        raise _invalid("nature", _("实施主体性质无效。"))
    credit_code = validate_credit_code(credit_code)
    if ImplementingBody.objects.filter(credit_code=credit_code).exists():
        raise _invalid("credit_code", _("该统一社会信用代码已登记为其他实施主体。"))
    body = ImplementingBody.objects.create(
        department=department, region=region, name=name, credit_code=credit_code, nature=nature
    )
    audit_record(
        actor=actor,
        action="core.implementing_body.create",
        obj=body,
        summary={
            "name": name,
            "department": department.name,
            "region": region.code,
            "credit_code": credit_code,
            "nature": nature,
        },
    )
    return body


def _check_grantor(actor: Any, *, role: str, region: Region, department: Department | None) -> None:
    if actor is None:
        return
    scope = staff_scope(actor)
    if scope.covers_region(region.code, roles=[StaffRole.PLATFORM_ADMIN]):
        return
    # A department administrator manages the ordinary posts of their own department only.
    if (
        department is not None
        and role in DEPARTMENT_GRANTABLE_ROLES
        and any(
            g.role == StaffRole.DEPARTMENT_ADMIN and g.department_id == department.pk
            for g in scope.grants
        )
    ):
        return
    raise PermissionDenied(_("您无权在该范围内分配此岗位。"))


@transaction.atomic
def staff_membership_grant(
    *,
    actor: Any,
    user: Any,
    role: str,
    region: Region,
    department: Department | None = None,
) -> StaffMembership:
    """Give a staff user a role with a data scope (a region subtree, optionally one department).
    A revoked identical membership is reactivated rather than duplicated."""
    if role not in StaffRole.values:
        raise _invalid("role", _("岗位角色无效。"))
    if getattr(user, "kind", None) != "staff":
        raise _invalid("user", _("只能给工作人员账号分配岗位。"))
    if not getattr(user, "is_active", False):
        raise _invalid("user", _("该账号已停用，不能分配岗位。"))
    region = _require_current_region(region)
    if department is not None:
        if not department.is_active:
            raise _invalid("department", _("该部门已停用。"))
        if not department.region_id.startswith(region.prefix):
            raise _invalid(
                "department",
                _("部门“%(dept)s”不在所选区划（%(region)s）范围内。")
                % {"dept": department.name, "region": region.full_name},
            )
    _check_grantor(actor, role=role, region=region, department=department)
    existing = (
        StaffMembership.objects.select_for_update()
        .filter(user=user, role=role, region=region, department=department)
        .first()
    )
    if existing is not None and existing.is_active:
        raise Conflict(_("该人员已有此岗位和数据范围。"), code="membership_exists")
    if existing is not None:
        existing.is_active = True
        existing.save(update_fields=["is_active", "updated_at"])
        membership = existing
    else:
        membership = StaffMembership.objects.create(
            user=user, role=role, region=region, department=department
        )
    audit_record(
        actor=actor,
        action="core.staff_membership.grant",
        obj=membership,
        summary={
            "user": user.username,
            "role": role,
            "region": region.code,
            "department": department.name if department else None,
            "reactivated": existing is not None,
        },
    )
    return membership


@transaction.atomic
def staff_membership_revoke(
    *, actor: Any, membership: StaffMembership, reason: str = ""
) -> StaffMembership:
    membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    department = membership.department
    _check_grantor(actor, role=membership.role, region=membership.region, department=department)
    if not membership.is_active:
        raise Conflict(_("该岗位已撤销。"), code="membership_revoked")
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="core.staff_membership.revoke",
        obj=membership,
        summary={
            "user": membership.user.username,
            "role": membership.role,
            "region": membership.region_id,
            "department": department.name if department else None,
        },
        reason=reason,
    )
    return membership
