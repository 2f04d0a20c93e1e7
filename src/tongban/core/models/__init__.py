from tongban.core.models.alerts import OperatorAlert
from tongban.core.models.base import BaseModel
from tongban.core.models.calendar import CalendarDay, CalendarYear
from tongban.core.models.organizations import (
    Department,
    ImplementingBody,
    StaffMembership,
    StaffRole,
)
from tongban.core.models.regions import Region, RegionLevel

__all__ = [
    "BaseModel",
    "CalendarDay",
    "CalendarYear",
    "Department",
    "ImplementingBody",
    "OperatorAlert",
    "Region",
    "RegionLevel",
    "StaffMembership",
    "StaffRole",
]
