"""Data scopes (数据范围): the ONE place that decides which rows a staff user may see.

A staff user's scope is the union of their active memberships (StaffMembership): each grants a
region subtree, optionally narrowed to one department. Every selector that shows staff data
filters through `scope_filter`, and every single-object read goes through `access_in_scope`
(directly or via a `permissions.access_*` funnel), which answers "not found" whether the row is
missing or out of scope, so existence never leaks (404, not 403).

Subtrees are prefix matches on region codes (Region.prefix; see core/models/regions.py), so a
scope filter never joins the region table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q, QuerySet

from tongban.core.errors import NotFound
from tongban.core.models import StaffMembership, StaffRole


@dataclass(frozen=True)
class ScopeGrant:
    role: str
    region_code: str
    region_prefix: str
    department_id: int | None


@dataclass(frozen=True)
class Scope:
    """`unrestricted` for superusers and the home province's platform administrators."""

    unrestricted: bool = False
    grants: tuple[ScopeGrant, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.unrestricted and not self.grants

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has_role(self, *roles: str) -> bool:
        return self.unrestricted or any(g.role in roles for g in self.grants)

    def covers_region(self, region_code: str, *, roles: Iterable[str] | None = None) -> bool:
        """Whether some grant (of one of `roles`) reaches this division, whatever department."""
        if self.unrestricted:
            return True
        wanted = set(roles) if roles is not None else None
        return any(
            region_code.startswith(g.region_prefix)
            for g in self.grants
            if wanted is None or g.role in wanted
        )

    def covers(
        self,
        *,
        region_code: str,
        department_id: int | None,
        roles: Iterable[str] | None = None,
    ) -> bool:
        """Whether an object of this region and department is in scope (the in-memory twin of
        `scope_filter`, for checks before a write)."""
        if self.unrestricted:
            return True
        wanted = set(roles) if roles is not None else None
        for g in self.grants:
            if wanted is not None and g.role not in wanted:
                continue
            if not region_code.startswith(g.region_prefix):
                continue
            if g.department_id is None or g.department_id == department_id:
                return True
        return False


EMPTY_SCOPE = Scope()


def _is_staff_actor(actor: Any) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", False)
        and getattr(actor, "pk", None) is not None
    )


def staff_scope(actor: Any, *, roles: Iterable[str] | None = None) -> Scope:
    """The caller's scope from their active memberships (optionally only some roles). Citizens,
    enterprise agents and anonymous callers get the empty scope."""
    if not _is_staff_actor(actor):
        return EMPTY_SCOPE
    if getattr(actor, "is_superuser", False):
        return Scope(unrestricted=True)
    memberships = StaffMembership.objects.filter(user_id=actor.pk, is_active=True)
    grants: list[ScopeGrant] = []
    for role, region_code, prefix, department_id in memberships.values_list(
        "role", "region_id", "region__prefix", "department_id"
    ):
        if role == StaffRole.PLATFORM_ADMIN and region_code == settings.TONGBAN_HOME_REGION:
            # The home province's platform administrators run the node: they see everything,
            # including other provinces' rows that arrive for cross-province handling.
            return Scope(unrestricted=True)
        grants.append(ScopeGrant(role, region_code, prefix, department_id))
    if roles is not None:
        wanted = set(roles)
        grants = [g for g in grants if g.role in wanted]
    return Scope(grants=tuple(dict.fromkeys(grants)))


def _region_lookup(model: type[models.Model], path: str) -> str:
    """`region` (a ForeignKey to Region) → `region__pk__startswith`, which Django resolves on the
    FK column itself; `code` on Region → `code__startswith`."""
    current: type[models.Model] = model
    parts = path.split("__")
    field: Any = None
    for part in parts:
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise ValueError(f"{model.__name__} has no field path {path!r}") from exc
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    if field is not None and field.is_relation:
        return f"{path}__pk__startswith"
    return f"{path}__startswith"


def scope_q(
    scope: Scope,
    model: type[models.Model],
    *,
    region_field: str = "region",
    department_field: str | None = None,
) -> Q | None:
    """The filter a scope means for one model, or None when the scope is unrestricted.
    `department_field` names the object's department (`department`, or `pk` on Department);
    without it, the object is not owned by a department and only regions restrict it."""
    if scope.unrestricted:
        return None
    lookup = _region_lookup(model, region_field)
    condition = Q(pk__in=[])
    for grant in scope.grants:
        term = Q(**{lookup: grant.region_prefix})
        if grant.department_id is not None and department_field is not None:
            term &= Q(**{department_field: grant.department_id})
        condition |= term
    return condition


def scope_filter[M: models.Model](
    queryset: QuerySet[M],
    actor: Any,
    *,
    region_field: str = "region",
    department_field: str | None = None,
    roles: Iterable[str] | None = None,
) -> QuerySet[M]:
    """`queryset` narrowed to what `actor` may see (the OR of their memberships)."""
    scope = staff_scope(actor, roles=roles)
    if scope.is_empty:
        return queryset.none()
    condition = scope_q(
        scope, queryset.model, region_field=region_field, department_field=department_field
    )
    return queryset if condition is None else queryset.filter(condition)


def access_in_scope[M: models.Model](
    queryset: QuerySet[M],
    actor: Any,
    *,
    region_field: str = "region",
    department_field: str | None = None,
    roles: Iterable[str] | None = None,
    **lookup: Any,
) -> M:
    """One object by `lookup`, or NotFound whether it is missing or out of scope."""
    scoped = scope_filter(
        queryset, actor, region_field=region_field, department_field=department_field, roles=roles
    )
    try:
        obj = scoped.filter(**lookup).first()
    except (ValueError, TypeError, DjangoValidationError):
        obj = None  # a malformed id is simply not found
    if obj is None:
        raise NotFound()
    return obj
