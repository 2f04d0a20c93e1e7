"""Models of the cases app (办件). Status values and the transition table are in cases/workflow.py."""

from tongban.cases.models.appointments import Appointment, AppointmentSlot, ServiceHall
from tongban.cases.models.case import (
    ApplicantKind,
    Case,
    CaseKindChoice,
    CaseMaterial,
    CaseSequence,
    CaseStatus,
    Channel,
    ClockState,
    CrossRegionMode,
    MaterialStatus,
    SatisfiedBy,
    ScanStatus,
)
from tongban.cases.models.handling import (
    CaseEvent,
    CommitmentCheck,
    Correction,
    Decision,
    Delivery,
    EventStage,
    Extension,
    Supervision,
    Suspension,
)
from tongban.cases.models.notifications import Notification, NotificationDispatch
from tongban.cases.models.rules import InstantRule, ItemCasePolicy

__all__ = [
    "ApplicantKind",
    "Appointment",
    "AppointmentSlot",
    "Case",
    "CaseEvent",
    "CaseKindChoice",
    "CaseMaterial",
    "CaseSequence",
    "CaseStatus",
    "Channel",
    "ClockState",
    "CommitmentCheck",
    "Correction",
    "CrossRegionMode",
    "Decision",
    "Delivery",
    "EventStage",
    "Extension",
    "InstantRule",
    "ItemCasePolicy",
    "MaterialStatus",
    "Notification",
    "NotificationDispatch",
    "SatisfiedBy",
    "ScanStatus",
    "ServiceHall",
    "Supervision",
    "Suspension",
]
