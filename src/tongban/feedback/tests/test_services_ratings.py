from __future__ import annotations

from datetime import date, timedelta

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.feedback.models import (
    BadReview,
    BadReviewOutcome,
    BadReviewStatus,
    Rating,
    RatingChannel,
    RatingStage,
    ServiceKind,
)
from tongban.feedback.services import (
    bad_review_reply,
    bad_review_revisit,
    bad_review_verify,
    bad_reviews_escalate_overdue,
    rating_invite,
    rating_submit,
    rating_update,
)

pytestmark = pytest.mark.usefixtures("june_2026")


def _invite(world, *, kind=ServiceKind.CASE, stage=RatingStage.COMPLETION, ref="SC2026060100001"):
    return rating_invite(
        kind=kind,
        reference=ref,
        stage=stage,
        title="食品经营许可证核发",
        department=world.approval,
        handler=world.approval_staff,
        invitee=world.citizen if kind == ServiceKind.CASE else None,
        actor=None,
    )


def test_invite_is_idempotent_per_service_and_stage(world):
    first = _invite(world)
    again = _invite(world)
    other_stage = _invite(world, stage=RatingStage.ACCEPTANCE)
    assert first.pk == again.pk
    assert other_stage.pk != first.pk
    assert first.region_id == "510104"


def test_good_rating_is_recorded_once_per_stage(world):
    invitation = _invite(world)
    rating = rating_submit(
        invitation=invitation, level=1, reasons=["efficiency"], comment="很快", actor=world.citizen
    )
    assert rating.rater == world.citizen
    assert rating.is_real_name
    assert not rating.is_bad
    assert not BadReview.objects.exists()
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict):
        rating_submit(invitation=invitation, level=5, actor=world.citizen)
    assert Rating.objects.count() == 1
    assert AuditEntry.objects.count() == before


def test_staff_cannot_rate_their_own_work(world):
    invitation = _invite(world, kind=ServiceKind.WINDOW, stage=RatingStage.VISIT, ref="CK-1")
    with pytest.raises(PermissionDenied):
        rating_submit(invitation=invitation, level=1, actor=world.approval_staff)
    assert not Rating.objects.exists()


def test_only_the_invitee_rates_a_case(world):
    invitation = _invite(world)
    with pytest.raises(PermissionDenied):
        rating_submit(invitation=invitation, level=1, actor=world.other_citizen)
    assert not Rating.objects.exists()


def test_case_ratings_are_never_anonymous_but_window_ratings_may_be(world):
    with pytest.raises(ValidationFailed) as exc:
        rating_submit(invitation=_invite(world), level=2, anonymous=True, actor=world.citizen)
    assert exc.value.fields[0].field == "anonymous"
    window = _invite(world, kind=ServiceKind.WINDOW, stage=RatingStage.VISIT, ref="CK-2")
    rating = rating_submit(
        invitation=window, level=4, anonymous=True, channel=RatingChannel.QRCODE, actor=None
    )
    assert rating.rater is None
    assert not rating.is_real_name
    assert rating.bad_review.must_follow_up is False


def test_invalid_level_and_tags_name_the_field(world):
    invitation = _invite(world)
    with pytest.raises(ValidationFailed) as exc:
        rating_submit(invitation=invitation, level=6, actor=world.citizen)
    assert exc.value.fields[0].field == "level"
    with pytest.raises(ValidationFailed) as exc:
        rating_submit(invitation=invitation, level=2, reasons=["nope"], actor=world.citizen)
    assert exc.value.fields[0].field == "reasons"
    assert not Rating.objects.exists()


def test_rating_edit_window(world, time_machine):
    rating = rating_submit(invitation=_invite(world), level=2, actor=world.citizen)
    rating = rating_update(rating=rating, actor=world.citizen, level=5, reasons=["runs"])
    assert rating.is_bad
    assert BadReview.objects.filter(rating=rating).exists()
    rating = rating_update(rating=rating, actor=world.citizen, level=1)
    assert not BadReview.objects.filter(rating=rating).exists()
    with pytest.raises(NotFound):
        rating_update(rating=rating, actor=world.other_citizen, level=3)
    time_machine.shift(timedelta(hours=25))
    with pytest.raises(Conflict):
        rating_update(rating=rating, actor=world.citizen, level=3)
    rating.refresh_from_db()
    assert rating.level == 1


def test_real_name_bad_review_full_loop_on_time(world):
    rating = rating_submit(
        invitation=_invite(world),
        level=5,
        reasons=["runs"],
        comment="跑了三次",
        actor=world.citizen,
    )
    review = rating.bad_review
    assert review.must_follow_up
    assert review.status == BadReviewStatus.VERIFYING
    assert review.department == world.approval
    # 15 working days after Monday 2026-06-01, skipping 端午 (06-19).
    assert review.due_on == date(2026, 6, 23)
    # Another department cannot see or touch it.
    with pytest.raises(NotFound):
        bad_review_verify(actor=world.market_staff, public_id=review.public_id, verification="x")
    with pytest.raises(Conflict):
        bad_review_reply(
            actor=world.approval_staff,
            public_id=review.public_id,
            outcome="rectify",
            measures="m",
            reply="r",
        )
    bad_review_verify(
        actor=world.approval_staff, public_id=review.public_id, verification="窗口一次性告知不到位"
    )
    review = bad_review_reply(
        actor=world.approval_staff,
        public_id=review.public_id,
        outcome=BadReviewOutcome.RECTIFY,
        measures="修订一次性告知单，组织窗口培训",
        reply="已整改，欢迎再次监督",
    )
    assert review.status == BadReviewStatus.REPLIED
    assert review.replied_on_time
    assert review.revisit_due_on is not None
    review = bad_review_revisit(
        actor=world.approval_staff, public_id=review.public_id, level=2, note="电话回访，满意"
    )
    assert review.status == BadReviewStatus.CLOSED
    assert review.revisit_level == 2


def test_anonymous_bad_review_closes_on_reply_when_explained(world):
    window = _invite(world, kind=ServiceKind.WINDOW, stage=RatingStage.VISIT, ref="CK-3")
    review = rating_submit(invitation=window, level=4, anonymous=True, actor=None).bad_review
    bad_review_verify(
        actor=world.approval_staff, public_id=review.public_id, verification="查看录像"
    )
    review = bad_review_reply(
        actor=world.approval_staff,
        public_id=review.public_id,
        outcome=BadReviewOutcome.EXPLAIN,
        measures="按规定须本人到场",
        reply="依据规定须本人到场，已在指南中写明",
    )
    assert review.status == BadReviewStatus.CLOSED


def test_overdue_bad_reviews_escalate_to_the_parent_region(world, time_machine):
    review = rating_submit(invitation=_invite(world), level=5, actor=world.citizen).bad_review
    assert bad_reviews_escalate_overdue(today=date(2026, 6, 23)) == 0
    assert bad_reviews_escalate_overdue(today=date(2026, 6, 24)) == 1
    review.refresh_from_db()
    assert review.escalated_to_id == "510100"
    assert review.escalated_at is not None
    assert bad_reviews_escalate_overdue(today=date(2026, 6, 25)) == 0
    from tongban.feedback.selectors import escalated_for_supervisor

    assert list(escalated_for_supervisor(world.supervisor)) == [review]
    assert list(escalated_for_supervisor(world.approval_staff)) == []
