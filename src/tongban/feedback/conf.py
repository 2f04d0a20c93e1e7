"""Province-configurable rules of the feedback app, from `settings.TONGBAN_FEEDBACK` (a dict;
missing keys take the defaults below).

The national text (国办发〔2019〕51号) sets no deadline for rectifying a bad review: Sichuan uses
15 working days, Dezhou 5; nor national hotline time limits (standards.md §4.1, §5.3). They are
settings here, never constants in the code that uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

# (unit, amount): unit "workdays" ends at the end of the n-th working day (Asia/Shanghai);
# "hours" counts clock hours, since urgent matters run 7×24.
DEFAULT_TIME_LIMITS: dict[str, dict[str, tuple[str, int]]] = {
    "normal": {
        "consult": ("workdays", 3),
        "help": ("workdays", 5),
        "complaint": ("workdays", 5),
        "report": ("workdays", 10),
        "suggestion": ("workdays", 10),
        "praise": ("workdays", 5),
    },
    "urgent": {"*": ("hours", 24)},
    "critical": {"*": ("hours", 2)},
}

DEFAULTS: dict[str, Any] = {
    # 差评整改: reply to the person within n working days of the review, revisit within m more.
    "RECTIFY_WORKDAYS": 15,
    "REVISIT_WORKDAYS": 5,
    # A rating can be changed for this many hours after it is given, then it is final.
    "RATING_EDIT_HOURS": 24,
    # How long an invitation to rate stays open.
    "INVITATION_DAYS": 30,
    # Kinds of service that may be rated anonymously (a case is rated by its identified
    # applicant; a window visit or a call may be rated without giving a name).
    "ANONYMOUS_KINDS": ("window", "hotline"),
    # Portal complaints: reply due in n working days; the person may reopen once within m days.
    "REOPEN_DAYS": 15,
    # Duplicate requests: same caller, same region, similar content within n days.
    "DUPLICATE_DAYS": 30,
    "DUPLICATE_SIMILARITY": 0.5,
    "TIME_LIMITS": DEFAULT_TIME_LIMITS,
    # Open311 jurisdiction_id accepted besides region codes.
    "OPEN311_JURISDICTION": "",
    # The Open311 service discovery document (discovery.json/.xml): who to contact, how an app
    # gets an api_key, and whether the endpoint is "production" or "test" (a staging server).
    "OPEN311_CONTACT": "",
    "OPEN311_KEY_SERVICE": "",
    "OPEN311_ENDPOINT_TYPE": "production",
}


@dataclass(frozen=True)
class FeedbackRules:
    rectify_workdays: int
    revisit_workdays: int
    rating_edit_hours: int
    invitation_days: int
    anonymous_kinds: tuple[str, ...]
    reopen_days: int
    duplicate_days: int
    duplicate_similarity: float
    time_limits: dict[str, dict[str, tuple[str, int]]]
    open311_jurisdiction: str
    open311_contact: str = ""
    open311_key_service: str = ""
    open311_endpoint_type: str = "production"

    def time_limit(self, *, urgency: str, ticket_type: str) -> tuple[str, int]:
        table = self.time_limits.get(urgency) or self.time_limits["normal"]
        return table.get(ticket_type) or table.get("*") or ("workdays", 5)


def rules() -> FeedbackRules:
    configured = getattr(settings, "TONGBAN_FEEDBACK", None) or {}
    merged = {**DEFAULTS, **configured}
    return FeedbackRules(
        rectify_workdays=int(merged["RECTIFY_WORKDAYS"]),
        revisit_workdays=int(merged["REVISIT_WORKDAYS"]),
        rating_edit_hours=int(merged["RATING_EDIT_HOURS"]),
        invitation_days=int(merged["INVITATION_DAYS"]),
        anonymous_kinds=tuple(merged["ANONYMOUS_KINDS"]),
        reopen_days=int(merged["REOPEN_DAYS"]),
        duplicate_days=int(merged["DUPLICATE_DAYS"]),
        duplicate_similarity=float(merged["DUPLICATE_SIMILARITY"]),
        time_limits={**DEFAULT_TIME_LIMITS, **merged["TIME_LIMITS"]},
        open311_jurisdiction=str(merged["OPEN311_JURISDICTION"]),
        open311_contact=str(merged["OPEN311_CONTACT"]),
        open311_key_service=str(merged["OPEN311_KEY_SERVICE"]),
        open311_endpoint_type=str(merged["OPEN311_ENDPOINT_TYPE"]),
    )
