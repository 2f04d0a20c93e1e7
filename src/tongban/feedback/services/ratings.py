"""Ratings (好差评) and the handling of bad reviews (差评整改).

Flow: the service's own app invites (`rating_invite`: a case at acceptance or completion, a
window visit, a hotline callback) → the person rates once per service and stage
(`rating_submit`), and may change it until `editable_until` (`rating_update`) → a bad review
(levels 4–5) opens a `BadReview` for the responsible department at once → the department
verifies (`bad_review_verify`), rectifies or explains (`bad_review_handle`), replies
(`bad_review_reply`), then revisits (`bad_review_revisit`) → overdue ones are escalated to the
supervising level (`bad_reviews_escalate_overdue`, run daily by the `feedback escalate` command).
Real-name bad reviews cannot be closed without a revisit (实名差评回访率 100%).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.audit.services import audit_record
from tongban.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.models import Department, Region
from tongban.core.workdays import add_workdays, local_today, workday_calendar
from tongban.feedback.conf import rules
from tongban.feedback.models import (
    BAD_LEVELS,
    BadReview,
    BadReviewOutcome,
    BadReviewStatus,
    Rating,
    RatingChannel,
    RatingInvitation,
    RatingLevel,
    RatingStage,
    ServiceKind,
)
from tongban.feedback.permissions import access_bad_review_by_id

# Reason tags (评价标签). Online and on-site content follow the reported unified content
# (standards.md §4.2); details are offered for bad levels and, positively worded, for good ones.
REASON_TAGS: dict[str, Any] = {
    "efficiency": gettext_lazy("办事效率"),
    "guide": gettext_lazy("办事指南准确度"),
    "convenience": gettext_lazy("办事便捷度"),
    "platform": gettext_lazy("平台操作性"),
    "attitude": gettext_lazy("服务态度"),
    "skill": gettext_lazy("服务水平"),
    "runs": gettext_lazy("跑动次数多"),
    "materials": gettext_lazy("重复提交材料"),
    "waiting": gettext_lazy("排队等候时间长"),
    "result": gettext_lazy("办理结果"),
}

BAD_REVIEW_OPEN = (BadReviewStatus.VERIFYING, BadReviewStatus.HANDLING)


def _is_staff_of_service(actor: Any, invitation: RatingInvitation) -> bool:
    return invitation.handler_id is not None and invitation.handler_id == getattr(actor, "pk", None)


def _signed_in(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


@transaction.atomic
def rating_invite(
    *,
    kind: str,
    reference: str,
    stage: str,
    title: str,
    department: Department,
    region: Region | None = None,
    handler: Any = None,
    invitee: Any = None,
    item_code: str = "",
    actor: Any = None,
) -> RatingInvitation:
    """Invite a rating of one service at one stage; idempotent (the same service and stage
    returns the existing invitation), so hooks may call it more than once."""
    if kind not in ServiceKind.values:
        raise ValidationFailed(_("服务类别不正确。"), fields=[FieldProblem("kind", _("不支持。"))])
    if stage not in RatingStage.values:
        raise ValidationFailed(_("评价环节不正确。"), fields=[FieldProblem("stage", _("不支持。"))])
    if not reference:
        raise ValidationFailed(
            _("缺少服务编号。"), fields=[FieldProblem("reference", _("请填写办件或工单编号。"))]
        )
    existing = RatingInvitation.objects.filter(kind=kind, reference=reference, stage=stage).first()
    if existing is not None:
        return existing
    invitation = RatingInvitation.objects.create(
        kind=kind,
        reference=reference,
        stage=stage,
        title=title[:200],
        item_code=item_code,
        department=department,
        region=region or department.region,
        handler=handler,
        invitee=invitee,
        token=secrets.token_urlsafe(24),
        expires_at=timezone.now() + timedelta(days=rules().invitation_days),
    )
    audit_record(
        actor=actor,
        action="feedback.invitation.create",
        obj=invitation,
        summary={"kind": kind, "reference": reference, "stage": stage},
    )
    return invitation


@transaction.atomic
def window_visit_invite(*, actor: Any, department: Department, title: str) -> RatingInvitation:
    """一次一评 at the window: the clerk who served the person opens the invitation (and so can
    never rate it); the reference is generated, unique per visit."""
    from tongban.core.scopes import staff_scope
    from tongban.feedback.permissions import DEPARTMENT_ROLES

    if not staff_scope(actor, roles=DEPARTMENT_ROLES).covers(
        region_code=department.region_id, department_id=department.pk
    ):
        raise PermissionDenied(_("只能为本单位的窗口服务发起评价。"))
    reference = f"CK-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"
    return rating_invite(
        kind=ServiceKind.WINDOW,
        reference=reference,
        stage=RatingStage.VISIT,
        title=title,
        department=department,
        handler=actor,
        actor=actor,
    )


def _clean_reasons(reasons: Sequence[str]) -> list[str]:
    unknown = [r for r in reasons if r not in REASON_TAGS]
    if unknown:
        raise ValidationFailed(
            _("评价标签不正确。"),
            fields=[FieldProblem("reasons", _("请从给出的选项中选择评价标签。"))],
        )
    return list(dict.fromkeys(reasons))


def _check_level(level: Any) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in RatingLevel.values:
        raise ValidationFailed(
            _("请选择满意度。"),
            fields=[FieldProblem("level", _("请在“非常满意”到“非常不满意”五个等级中选择一个。"))],
        )
    return value


def _rectify_due(today: Any = None) -> Any:
    return add_workdays(today or local_today(), rules().rectify_workdays)


@transaction.atomic
def rating_submit(
    *,
    invitation: RatingInvitation,
    level: int,
    reasons: Sequence[str] = (),
    comment: str = "",
    channel: str = RatingChannel.PC,
    anonymous: bool = False,
    actor: Any = None,
    on_behalf: bool = False,
) -> Rating:
    """Record the person's rating. `actor` is the person (or, with `on_behalf`, the operator
    recording a phone callback; the rating is then the invitee's)."""
    invitation = RatingInvitation.objects.select_for_update().get(pk=invitation.pk)
    level = _check_level(level)
    reasons = _clean_reasons(reasons)
    comment = (comment or "").strip()
    if channel not in RatingChannel.values:
        raise ValidationFailed(
            _("评价渠道不正确。"), fields=[FieldProblem("channel", _("不支持。"))]
        )
    if len(comment) > 500:
        raise ValidationFailed(
            _("文字评价太长。"), fields=[FieldProblem("comment", _("请控制在500字以内。"))]
        )
    if Rating.objects.filter(invitation=invitation).exists():
        raise Conflict(_("这项服务在该环节已经评价过了，每项服务每个环节只能评价一次。"))
    if invitation.expires_at <= timezone.now():
        raise Conflict(_("评价已超过截止时间，无法再评价。如有意见，请通过“投诉建议”反映。"))
    if not on_behalf and _is_staff_of_service(actor, invitation):
        raise PermissionDenied(_("工作人员不能评价本人经办的服务。"))
    if (
        not on_behalf
        and invitation.invitee_id is not None
        and getattr(actor, "pk", None) != invitation.invitee_id
        and _signed_in(actor)
    ):
        raise PermissionDenied(_("只有办事人本人可以评价这项服务。"))
    if anonymous and invitation.kind not in rules().anonymous_kinds:
        raise ValidationFailed(
            _("办件评价须实名。"),
            fields=[FieldProblem("anonymous", _("办件由申请人本人评价，不能匿名。"))],
        )
    rater = None
    if not anonymous:
        if on_behalf:
            rater = invitation.invitee
        elif _signed_in(actor):
            rater = actor
        elif invitation.invitee_id is not None:
            # The SMS link was sent to the invitee: the token stands for them.
            rater = invitation.invitee
    is_real_name = rater is not None or (on_behalf and not anonymous)
    if not anonymous and rater is None and not on_behalf:
        raise ValidationFailed(
            _("请登录后评价，或选择匿名评价。"),
            fields=[FieldProblem("anonymous", _("未登录时只能匿名评价。"))],
        )
    now = timezone.now()
    rating = Rating.objects.create(
        invitation=invitation,
        kind=invitation.kind,
        stage=invitation.stage,
        department_id=invitation.department_id,
        region_id=invitation.region_id,
        level=level,
        reasons=reasons,
        comment=comment,
        channel=channel,
        rater=rater,
        is_real_name=is_real_name,
        is_bad=level in BAD_LEVELS,
        editable_until=now + timedelta(hours=rules().rating_edit_hours),
    )
    if rating.is_bad:
        _open_bad_review(rating, actor=actor)
    audit_record(
        actor=actor,
        action="feedback.rating.submit",
        obj=rating,
        summary={
            "kind": invitation.kind,
            "reference": invitation.reference,
            "stage": invitation.stage,
            "level": level,
            "channel": channel,
            "anonymous": anonymous,
        },
    )
    return rating


def _open_bad_review(rating: Rating, *, actor: Any) -> BadReview:
    return BadReview.objects.create(
        rating=rating,
        department_id=rating.department_id,
        region_id=rating.region_id,
        must_follow_up=rating.is_real_name,
        due_on=_rectify_due(),
    )


@transaction.atomic
def rating_update(
    *,
    rating: Rating,
    actor: Any,
    level: int,
    reasons: Sequence[str] = (),
    comment: str = "",
) -> Rating:
    """Change one's own rating before `editable_until`; a change to or from a bad level opens
    or withdraws the bad-review handling (withdrawn only while nobody has started on it)."""
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    if rating.rater_id is None or rating.rater_id != getattr(actor, "pk", None):
        raise NotFound()
    if timezone.now() >= rating.editable_until:
        raise Conflict(_("评价提交后超过修改期限，已不能修改。"))
    level = _check_level(level)
    was_bad = rating.is_bad
    rating.level = level
    rating.reasons = _clean_reasons(reasons)
    rating.comment = (comment or "").strip()[:500]
    rating.is_bad = level in BAD_LEVELS
    rating.edit_count += 1
    rating.save()
    if rating.is_bad and not was_bad:
        if not BadReview.objects.filter(rating=rating).exists():
            _open_bad_review(rating, actor=actor)
    elif was_bad and not rating.is_bad:
        BadReview.objects.filter(
            rating=rating, status=BadReviewStatus.VERIFYING, verification=""
        ).delete()
    audit_record(
        actor=actor,
        action="feedback.rating.update",
        obj=rating,
        summary={"level": level, "edit_count": rating.edit_count},
    )
    return rating


def _locked_bad_review(actor: Any, public_id: Any) -> BadReview:
    review = access_bad_review_by_id(actor, public_id)
    return (
        BadReview.objects.select_for_update(of=("self",)).select_related("rating").get(pk=review.pk)
    )


@transaction.atomic
def bad_review_verify(*, actor: Any, public_id: Any, verification: str) -> BadReview:
    """核实: the department records what it found."""
    review = _locked_bad_review(actor, public_id)
    if review.status != BadReviewStatus.VERIFYING:
        raise Conflict(_("该差评已核实，无需重复核实。"))
    text = (verification or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写核实情况。"),
            fields=[FieldProblem("verification", _("请写明核实的经过和结论。"))],
        )
    review.verification = text
    review.status = BadReviewStatus.HANDLING
    review.handled_by = actor
    review.save()
    audit_record(actor=actor, action="feedback.bad_review.verify", obj=review, summary={})
    return review


@transaction.atomic
def bad_review_reply(
    *, actor: Any, public_id: Any, outcome: str, measures: str, reply: str
) -> BadReview:
    """整改或解释说明, then 答复: the department's measures and its reply to the person.
    "invalid" (申诉复核) needs the measures to state why the review is mistaken or malicious."""
    review = _locked_bad_review(actor, public_id)
    if review.status != BadReviewStatus.HANDLING:
        raise Conflict(_("请先核实差评情况，再填写整改和答复。"))
    problems = []
    if outcome not in BadReviewOutcome.values:
        problems.append(FieldProblem("outcome", _("请选择处置方式。")))
    if not (measures or "").strip():
        problems.append(FieldProblem("measures", _("请写明整改措施，或向评价人解释的依据。")))
    if not (reply or "").strip():
        problems.append(FieldProblem("reply", _("请填写给评价人的答复。")))
    if problems:
        raise ValidationFailed(_("差评处置信息不完整。"), fields=problems)
    now = timezone.now()
    review.outcome = outcome
    review.measures = measures.strip()
    review.reply = reply.strip()
    review.replied_at = now
    review.replied_on_time = local_today() <= review.due_on
    review.handled_by = actor
    if review.must_follow_up or outcome == BadReviewOutcome.RECTIFY:
        review.status = BadReviewStatus.REPLIED
        review.revisit_due_on = add_workdays(local_today(), rules().revisit_workdays)
    else:
        # An anonymous review leaves nobody to call back: it closes on the reply.
        review.status = BadReviewStatus.CLOSED
    review.save()
    audit_record(
        actor=actor,
        action="feedback.bad_review.reply",
        obj=review,
        summary={"outcome": outcome, "on_time": review.replied_on_time},
    )
    return review


@transaction.atomic
def bad_review_revisit(*, actor: Any, public_id: Any, level: int, note: str = "") -> BadReview:
    """回访: the person's satisfaction with what was done; closes the handling."""
    review = _locked_bad_review(actor, public_id)
    if review.status != BadReviewStatus.REPLIED:
        raise Conflict(_("差评答复后才能回访。"))
    review.revisit_level = _check_level(level)
    review.revisit_note = (note or "").strip()
    review.revisited_at = timezone.now()
    review.status = BadReviewStatus.CLOSED
    review.save()
    audit_record(
        actor=actor,
        action="feedback.bad_review.revisit",
        obj=review,
        summary={"level": review.revisit_level},
    )
    return review


@transaction.atomic
def bad_reviews_escalate_overdue(*, actor: Any = None, today: Any = None) -> int:
    """Escalate open bad reviews past their deadline to the supervising level (the parent
    region of the responsible department); returns how many were escalated."""
    today = today or local_today()
    overdue = (
        BadReview.objects.select_for_update(of=("self",))
        .select_related("department__region")
        .filter(escalated_at__isnull=True)
        .filter(status__in=BAD_REVIEW_OPEN, due_on__lt=today)
    )
    count = 0
    now = timezone.now()
    for review in overdue:
        region = review.department.region
        review.escalated_to_id = region.parent_id or region.pk
        review.escalated_at = now
        review.save(update_fields=["escalated_to", "escalated_at", "updated_at"])
        count += 1
    overdue_revisits = BadReview.objects.filter(
        escalated_at__isnull=True, status=BadReviewStatus.REPLIED, revisit_due_on__lt=today
    ).select_related("department__region")
    for review in overdue_revisits:
        region = review.department.region
        review.escalated_to_id = region.parent_id or region.pk
        review.escalated_at = now
        review.save(update_fields=["escalated_to", "escalated_at", "updated_at"])
        count += 1
    if count:
        audit_record(
            actor=actor,
            action="feedback.bad_review.escalate",
            object_type="feedback.BadReview",
            object_id="batch",
            summary={"count": count, "today": today},
        )
    return count


def due_state(due_on: Any, *, done_at: datetime | None = None) -> str:
    """ "overdue" / "due_soon" (≤ 2 working days) / "ok" for display."""
    if due_on is None or done_at is not None:
        return "ok"
    today = local_today()
    if today > due_on:
        return "overdue"
    if workday_calendar().workdays_between(today, due_on) <= 2:
        return "due_soon"
    return "ok"


def rating_submit_safe(**kwargs: Any) -> Rating:
    """`rating_submit` that turns the race on the one-per-stage constraint into a Conflict."""
    try:
        return rating_submit(**kwargs)
    except IntegrityError as exc:
        raise Conflict(_("这项服务在该环节已经评价过了，每项服务每个环节只能评价一次。")) from exc
