"""Routing: which body, department and region handle a case (办理地), and which window received
it (收件地). A case is handled where its implementation item is implemented; a window clerk of
another region may receive it (一窗受理 / 跨省通办 异地代收代办), and then both see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongban.cases.models import CrossRegionMode
from tongban.catalog.models import ImplementationItem
from tongban.core.models import Department, Region, StaffMembership, StaffRole


@dataclass(frozen=True)
class Routing:
    body_id: int
    department_id: int
    region_code: str


def route_for_item(item: ImplementationItem) -> Routing:
    return Routing(
        body_id=item.body_id, department_id=item.department_id, region_code=item.region_id
    )


@dataclass(frozen=True)
class Window:
    region: Region
    department: Department | None


def window_of(actor: Any) -> Window | None:
    """The window (region and department) a clerk receives cases at: their first active window
    clerk membership."""
    if actor is None or not getattr(actor, "pk", None):
        return None
    m = (
        StaffMembership.objects.filter(
            user_id=actor.pk, is_active=True, role=StaffRole.WINDOW_CLERK
        )
        .select_related("region", "department")
        .order_by("id")
        .first()
    )
    return Window(m.region, m.department) if m else None


def province_of(region_code: str) -> str:
    return region_code[:2]


def cross_region_mode(*, handling_region: str, accepting_region: str | None) -> str:
    """异地代收代办 when a window outside the handling region's province (or city) received it."""
    if not accepting_region or accepting_region.startswith(handling_region[:4]):
        return CrossRegionMode.NONE
    return CrossRegionMode.PROXY


def supervising_region(region: Region, level: int) -> Region:
    """The region `level` steps above (escalation goes to the supervising level: 效能监察)."""
    current = region
    for _ in range(level):
        if current.parent_id is None:
            break
        current = current.parent  # type: ignore[assignment]
    return current
