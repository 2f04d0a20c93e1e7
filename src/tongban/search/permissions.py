"""Who maintains search: the synonym table and the query report belong to the catalog
administrators (any scope: the table serves the whole platform) and platform administrators."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.permissions import CATALOG_ROLES
from tongban.core.context_processors import is_staff_user
from tongban.core.errors import PermissionDenied
from tongban.core.scopes import staff_scope


def is_search_admin(actor: Any) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not is_staff_user(actor):
        return False
    return not staff_scope(actor, roles=CATALOG_ROLES).is_empty


def check_search_admin(actor: Any) -> None:
    if not is_search_admin(actor):
        raise PermissionDenied(_("同义词表和搜索统计仅供事项管理员和平台管理员维护。"))
