"""The thin adapter between cases (办件) and ratings: a case is rated at completion (办结) and,
optionally, at acceptance (受理), by its case number.

Three ways in, all idempotent (one invitation per case and stage):
- `on_case_event(case=…, action="accept"|"complete", actor=…)`: registered with
  `cases.sources.register_case_listener` (FeedbackConfig.ready); cases calls it once those
  transitions commit;
- `invite_recent_cases_for(actor)`: the applicant's recently accepted or completed cases get
  their invitations when they open "my feedback" (works with no hook at all);
- `invite_for_case_number(actor, number, stage)`: the "rate this case" link on a case page.

The responsible department and region are the case's handling department and region; the
handler (who may not rate their own work) is the clerk who accepted it, or the staff member
who completed it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.models import Case, CaseStatus
from tongban.cases.permissions import access_case_for_applicant
from tongban.cases.selectors import case_list_for_applicant
from tongban.core.errors import Conflict
from tongban.feedback.conf import rules
from tongban.feedback.models import RatingInvitation, RatingStage, ServiceKind
from tongban.feedback.services import rating_invite

ACCEPTED = (
    CaseStatus.IN_PROGRESS,
    CaseStatus.SUSPENDED,
    CaseStatus.APPROVED,
    CaseStatus.DENIED,
    CaseStatus.COMPLETED,
    CaseStatus.DELIVERED,
)
DONE = (CaseStatus.COMPLETED, CaseStatus.DELIVERED)
CASE_STAGES = (RatingStage.ACCEPTANCE, RatingStage.COMPLETION)


def rate_acceptance() -> bool:
    from django.conf import settings

    return bool(
        (getattr(settings, "TONGBAN_FEEDBACK", None) or {}).get("RATE_CASE_ACCEPTANCE", True)
    )


def invite_for_case(case: Case, *, stage: str, actor: Any = None) -> RatingInvitation | None:
    if case.handling_department_id is None:
        return None
    if stage == RatingStage.ACCEPTANCE:
        handler = case.accepted_by
    else:
        handler = case.assignee or case.accepted_by
    return rating_invite(
        kind=ServiceKind.CASE,
        reference=case.number,
        stage=stage,
        title=case.item_name,
        department=case.handling_department,
        region=case.handling_region,
        handler=handler,
        invitee=case.applicant,
        item_code=case.item_code,
        actor=actor,
    )


@transaction.atomic
def on_case_event(*, case: Case, action: str, actor: Any = None) -> RatingInvitation | None:
    """Called after 受理 ("accept") and 办结 ("complete") commit: invites the applicant to rate.
    Runs in its own transaction (the case's has committed)."""
    if action == "complete":
        return invite_for_case(case, stage=RatingStage.COMPLETION, actor=actor)
    if action == "accept" and rate_acceptance():
        return invite_for_case(case, stage=RatingStage.ACCEPTANCE, actor=actor)
    return None


def invite_recent_cases_for(actor: Any, *, limit: int = 50) -> int:
    """Invitations for the applicant's cases accepted or completed within the invitation period
    that have none yet; returns how many were created."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    since = timezone.now() - timedelta(days=rules().invitation_days)
    cases = list(
        case_list_for_applicant(actor, include_drafts=False)
        .filter(status__in=ACCEPTED, accepted_at__gte=since)
        .select_related("handling_department", "handling_region", "applicant")[:limit]
    )
    if not cases:
        return 0
    have = set(
        RatingInvitation.objects.filter(
            kind=ServiceKind.CASE, reference__in=[c.number for c in cases]
        ).values_list("reference", "stage")
    )
    created = 0
    for case in cases:
        wanted = []
        if rate_acceptance() and case.accepted_at:
            wanted.append(RatingStage.ACCEPTANCE)
        if case.status in DONE:
            wanted.append(RatingStage.COMPLETION)
        for stage in wanted:
            if (case.number, stage) not in have and invite_for_case(case, stage=stage, actor=actor):
                created += 1
    return created


def invite_for_case_number(actor: Any, number: str, stage: str) -> RatingInvitation:
    """The applicant's own case only (NotFound otherwise); the stage must have been reached."""
    case = access_case_for_applicant(actor, number)
    if stage == RatingStage.COMPLETION and case.status not in DONE:
        raise Conflict(_("办件办结后才能评价办结环节。"))
    if stage == RatingStage.ACCEPTANCE and (case.status not in ACCEPTED or not rate_acceptance()):
        raise Conflict(_("办件受理后才能评价受理环节。"))
    if stage not in CASE_STAGES:
        raise Conflict(_("评价环节不正确。"))
    invitation = invite_for_case(case, stage=stage, actor=actor)
    if invitation is None:
        raise Conflict(_("该办件尚未确定办理部门，暂不能评价。"))
    return invitation
