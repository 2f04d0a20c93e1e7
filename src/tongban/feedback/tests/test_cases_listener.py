"""Ratings invited by the cases app itself: FeedbackConfig.ready() registers the adapter as a
case listener, so 受理 and 办结 invite the applicant once each, after the transaction commits."""

from __future__ import annotations

import pytest

from tongban.cases.models import CaseStatus
from tongban.cases.services.lifecycle import case_accept, case_approve, case_complete
from tongban.cases.sources import case_listeners
from tongban.cases.tests import conftest as cases_world
from tongban.cases.tests.conftest import submitted_case
from tongban.core.errors import PermissionDenied
from tongban.feedback.cases_adapter import on_case_event
from tongban.feedback.models import RatingInvitation, RatingStage, ServiceKind

pytestmark = pytest.mark.django_db

# The cases test world (fixtures of tongban.cases.tests.conftest); overrides feedback's `world`.
_media = cases_world._media
issuer = cases_world.issuer
world = cases_world.world


def test_the_adapter_is_registered_once():
    assert case_listeners().count(on_case_event) == 1


def test_a_completed_case_invites_the_applicant_once(
    world, issuer, django_capture_on_commit_callbacks
):
    case = submitted_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_accept(actor=world.clerk, case=case)
    case_approve(actor=world.reviewer, case=case)
    case.refresh_from_db()
    assert not RatingInvitation.objects.filter(stage=RatingStage.COMPLETION).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = case_complete(actor=world.clerk, case=case)
    assert case.status == CaseStatus.DELIVERED
    assert callbacks  # the invitation waits for the commit
    completion = RatingInvitation.objects.get(
        kind=ServiceKind.CASE, reference=case.number, stage=RatingStage.COMPLETION
    )
    assert completion.invitee == world.citizen
    assert completion.department == case.handling_department
    assert completion.title == case.item_name
    assert RatingInvitation.objects.filter(
        reference=case.number, stage=RatingStage.ACCEPTANCE
    ).exists()
    # Hooks may fire again (a retry, a second listener run): still one invitation per stage.
    on_case_event(case=case, action="complete", actor=world.clerk)
    assert RatingInvitation.objects.filter(reference=case.number).count() == 2
    assert (
        RatingInvitation.objects.filter(reference=case.number, stage=RatingStage.COMPLETION).count()
        == 1
    )


def test_a_refused_transition_invites_nobody(world, issuer, django_capture_on_commit_callbacks):
    case = submitted_case(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        case_accept(actor=world.reviewer, case=case)  # not the accepting role
    assert not RatingInvitation.objects.filter(reference=case.number).exists()
