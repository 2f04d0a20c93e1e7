"""The cases adapter on in-memory cases (the cases app builds real ones; its world is its own)."""

from __future__ import annotations

import pytest

from tongban.cases.models import Case, CaseStatus
from tongban.core.errors import PermissionDenied
from tongban.feedback.cases_adapter import on_case_event
from tongban.feedback.models import RatingInvitation, RatingStage
from tongban.feedback.services import rating_submit

pytestmark = pytest.mark.usefixtures("june_2026")


def _case(world, **kw):
    return Case(
        number="510104-20260601-000001",
        item_name="食品经营许可",
        item_code="11510104MB0000001X400011301400001",
        handling_department=world.approval,
        handling_region=world.regions["jinjiang"],
        applicant=world.citizen,
        accepted_by=world.approval_staff,
        status=CaseStatus.COMPLETED,
        **kw,
    )


def test_accept_and_complete_invite_once_per_stage(world):
    case = _case(world)
    accepted = on_case_event(case=case, action="accept")
    completed = on_case_event(case=case, action="complete")
    again = on_case_event(case=case, action="complete")
    assert accepted.stage == RatingStage.ACCEPTANCE
    assert completed.stage == RatingStage.COMPLETION
    assert again.pk == completed.pk
    assert RatingInvitation.objects.count() == 2
    assert completed.department == world.approval
    assert completed.invitee == world.citizen
    assert on_case_event(case=case, action="approve") is None


def test_the_clerk_who_handled_the_case_cannot_rate_it(world):
    invitation = on_case_event(case=_case(world), action="complete")
    with pytest.raises(PermissionDenied):
        rating_submit(invitation=invitation, level=1, actor=world.approval_staff)
    assert rating_submit(invitation=invitation, level=1, actor=world.citizen).rater == world.citizen


def test_acceptance_rating_can_be_switched_off(world, settings):
    settings.TONGBAN_FEEDBACK = {"RATE_CASE_ACCEPTANCE": False}
    assert on_case_event(case=_case(world), action="accept") is None
