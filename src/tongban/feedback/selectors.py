"""Every read of the feedback app, scoped to the caller (STYLE.md rule 2).

The rates (`feedback_rates`) are defined here because the national texts define none
(standards.md §4.2, §5.3 [U]):

- 评价覆盖率 coverage = ratings / invitations (every service is invited once per stage);
- 满意率 satisfaction = ratings at levels 1–3 / ratings; 差评率 bad = levels 4–5 / ratings;
- 差评整改率 rectification = bad reviews answered (rectified or explained) / valid bad reviews
  (those not set aside on appeal as mistaken or malicious);
- 按期整改率 on time = answered by the deadline / answered;
- 实名差评回访率 revisit = real-name bad reviews revisited / real-name bad reviews answered;
- 直接答复率 direct answer = consultations answered on the spot / consultations;
- 按时办结率 on-time completion = replied in time / replied after dispatch;
- 回访满意率 callback satisfaction = callbacks at levels 1–3 / callbacks;
- 重复诉求率, 退单率 as shares of tickets.

Each table is read once per call (a GROUP BY with conditional counts), whatever the number of
rows, so the page and `GET /api/v1/feedback/stats` cost four aggregate queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr

from tongban.core.errors import NotFound
from tongban.core.models import Department, Region
from tongban.core.scopes import Scope, scope_q, staff_scope
from tongban.feedback.models import (
    OPEN_TICKET_STATUSES,
    BadReview,
    BadReviewOutcome,
    BadReviewStatus,
    KnowledgeEntry,
    Open311Key,
    Rating,
    RatingInvitation,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from tongban.feedback.permissions import (
    DESK_ROLES,
    STATS_ROLES,
    bad_reviews_for_staff,
    department_tickets,
    desk_tickets,
)

GROUPS = ("department", "region", "none")


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class Rates:
    key: str
    label: str = ""
    invitations: int = 0
    ratings: int = 0
    satisfied: int = 0
    bad: int = 0
    level_sum: int = 0
    bad_reviews: int = 0
    bad_valid: int = 0
    bad_answered: int = 0
    bad_on_time: int = 0
    bad_real_name_answered: int = 0
    bad_revisited: int = 0
    bad_overdue_open: int = 0
    tickets: int = 0
    consults: int = 0
    direct_answers: int = 0
    replied: int = 0
    replied_on_time: int = 0
    callbacks: int = 0
    callback_satisfied: int = 0
    duplicates: int = 0
    returns: int = 0
    rates: dict[str, float | None] = field(default_factory=dict)

    def finish(self) -> Rates:
        self.rates = {
            "coverage": _ratio(self.ratings, self.invitations),
            "satisfaction": _ratio(self.satisfied, self.ratings),
            "bad": _ratio(self.bad, self.ratings),
            "average_level": round(self.level_sum / self.ratings, 3) if self.ratings else None,
            "rectification": _ratio(self.bad_answered, self.bad_valid),
            "rectification_on_time": _ratio(self.bad_on_time, self.bad_answered),
            "revisit": _ratio(self.bad_revisited, self.bad_real_name_answered),
            "direct_answer": _ratio(self.direct_answers, self.consults),
            "on_time_completion": _ratio(self.replied_on_time, self.replied),
            "callback_satisfaction": _ratio(self.callback_satisfied, self.callbacks),
            "duplicate": _ratio(self.duplicates, self.tickets),
            "return_rate": _ratio(self.returns, self.tickets),
        }
        return self


@dataclass(frozen=True)
class RateFilters:
    start: datetime | None = None
    end: datetime | None = None
    region: str = ""
    department_id: int | None = None
    group: str = "department"
    region_digits: int = 6


def _key_expr(group: str, *, department_field: str, region_field: str, digits: int) -> Any:
    if group == "department":
        return F(department_field)
    if group == "region":
        return Substr(region_field, 1, digits)
    return Value("all")


def _apply(
    qs: QuerySet[Any],
    filters: RateFilters,
    scope: Scope,
    *,
    date_field: str,
    region_field: str = "region",
    department_field: str = "department",
) -> QuerySet[Any]:
    condition = scope_q(
        scope, qs.model, region_field=region_field, department_field=department_field
    )
    if condition is not None:
        qs = qs.filter(condition)
    if filters.start is not None:
        qs = qs.filter(**{f"{date_field}__gte": filters.start})
    if filters.end is not None:
        qs = qs.filter(**{f"{date_field}__lt": filters.end})
    if filters.region:
        qs = qs.filter(**{f"{region_field}__pk__startswith": filters.region})
    if filters.department_id is not None:
        qs = qs.filter(**{f"{department_field}_id": filters.department_id})
    return qs


def _grouped(qs: QuerySet[Any], key: Any, **aggregates: Any) -> Iterable[dict[str, Any]]:
    return qs.annotate(k=key).values("k").annotate(**aggregates).order_by()


def feedback_rates(actor: Any, filters: RateFilters, *, scope: Scope | None = None) -> list[Rates]:
    """The rates per department, region (first `region_digits` digits of the code) or overall,
    for what `actor` may see. Pass `scope` to skip the membership query (benchmarks, batch)."""
    scope = scope if scope is not None else staff_scope(actor, roles=STATS_ROLES)
    if scope.is_empty:
        return []
    group = filters.group if filters.group in GROUPS else "department"
    rows: dict[Any, Rates] = {}

    def row(key: Any) -> Rates:
        if key not in rows:
            rows[key] = Rates(key=str(key) if key is not None else "")
        return rows[key]

    key = _key_expr(
        group,
        department_field="department_id",
        region_field="region_id",
        digits=filters.region_digits,
    )
    invitations = _apply(RatingInvitation.objects.all(), filters, scope, date_field="created_at")
    for r in _grouped(invitations, key, n=Count("id")):
        row(r["k"]).invitations = r["n"]

    ratings = _apply(Rating.objects.all(), filters, scope, date_field="created_at")
    for r in _grouped(
        ratings,
        key,
        n=Count("id"),
        satisfied=Count("id", filter=Q(level__lte=3)),
        bad=Count("id", filter=Q(is_bad=True)),
        level_sum=Sum("level"),
    ):
        target = row(r["k"])
        target.ratings = r["n"]
        target.satisfied = r["satisfied"]
        target.bad = r["bad"]
        target.level_sum = r["level_sum"] or 0

    answered = Q(status__in=(BadReviewStatus.REPLIED, BadReviewStatus.CLOSED)) & ~Q(
        outcome=BadReviewOutcome.INVALID
    )
    bad = _apply(BadReview.objects.all(), filters, scope, date_field="created_at")
    for r in _grouped(
        bad,
        key,
        n=Count("id"),
        valid=Count("id", filter=~Q(outcome=BadReviewOutcome.INVALID)),
        answered=Count("id", filter=answered),
        on_time=Count("id", filter=answered & Q(replied_on_time=True)),
        real_answered=Count("id", filter=answered & Q(must_follow_up=True)),
        revisited=Count("id", filter=answered & Q(must_follow_up=True, revisited_at__isnull=False)),
        overdue=Count("id", filter=Q(escalated_at__isnull=False) & ~answered),
    ):
        target = row(r["k"])
        target.bad_reviews = r["n"]
        target.bad_valid = r["valid"]
        target.bad_answered = r["answered"]
        target.bad_on_time = r["on_time"]
        target.bad_real_name_answered = r["real_answered"]
        target.bad_revisited = r["revisited"]
        target.bad_overdue_open = r["overdue"]

    tickets = _apply(Ticket.objects.all(), filters, scope, date_field="created_at")
    for r in _grouped(
        tickets,
        key,
        n=Count("id"),
        consults=Count("id", filter=Q(type=TicketType.CONSULT)),
        direct=Count("id", filter=Q(answered_directly=True)),
        replied=Count("id", filter=Q(dispatch_count__gt=0, replied_at__isnull=False)),
        on_time=Count(
            "id", filter=Q(dispatch_count__gt=0, replied_at__isnull=False, replied_on_time=True)
        ),
        callbacks=Count("id", filter=Q(callback_level__isnull=False)),
        callback_ok=Count("id", filter=Q(callback_level__lte=3)),
        duplicates=Count("id", filter=Q(duplicate_of__isnull=False)),
        returns=Sum("return_count"),
    ):
        target = row(r["k"])
        target.tickets = r["n"]
        target.consults = r["consults"]
        target.direct_answers = r["direct"]
        target.replied = r["replied"]
        target.replied_on_time = r["on_time"]
        target.callbacks = r["callbacks"]
        target.callback_satisfied = r["callback_ok"]
        target.duplicates = r["duplicates"]
        target.returns = r["returns"] or 0

    _label(rows, group)
    return sorted((r.finish() for r in rows.values()), key=lambda r: (r.label == "", r.key))


def _label(rows: dict[Any, Rates], group: str) -> None:
    if group == "department":
        ids = [k for k in rows if k is not None]
        names = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
        for k, r in rows.items():
            r.label = names.get(k, "") if k is not None else "（未派单）"
    elif group == "region":
        codes = {str(k).ljust(6, "0")[:6]: k for k in rows}
        names = dict(Region.objects.filter(pk__in=list(codes)).values_list("pk", "name"))
        for code, k in codes.items():
            rows[k].label = names.get(code, str(k))
    else:
        for r in rows.values():
            r.label = "合计"


def rates_total(rows: list[Rates]) -> Rates:
    total = Rates(key="total", label="合计")
    for r in rows:
        for name in Rates.__dataclass_fields__:
            if name in ("key", "label", "rates"):
                continue
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total.finish()


# --- Tickets ------------------------------------------------------------------------------------


def desk_queue(
    actor: Any, *, status: str = "", q: str = "", overdue: bool = False
) -> QuerySet[Ticket]:
    qs = desk_tickets(actor, Ticket.objects.select_related("region", "department", "duplicate_of"))
    if status == "open":
        qs = qs.filter(status__in=OPEN_TICKET_STATUSES)
    elif status in TicketStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        from django.utils import timezone

        qs = qs.filter(status=TicketStatus.DISPATCHED, due_at__lt=timezone.now())
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(content__icontains=q))
    return qs.order_by("-created_at")


def department_queue(actor: Any, *, status: str = "") -> QuerySet[Ticket]:
    qs = department_tickets(actor, Ticket.objects.select_related("region", "department"))
    if status in TicketStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status=TicketStatus.DISPATCHED)
    return qs.order_by("due_at", "created_at")


def tickets_of_caller(actor: Any) -> QuerySet[Ticket]:
    if not getattr(actor, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(caller_id=actor.pk).select_related("department", "region")


def ticket_events(ticket: Ticket, *, public_only: bool) -> list[TicketEvent]:
    qs = ticket.events.select_related("department", "actor")
    if public_only:
        qs = qs.filter(public=True)
    return list(qs)


def ticket_duplicates(ticket: Ticket) -> list[Ticket]:
    root = ticket.duplicate_of or ticket
    return list(
        Ticket.objects.filter(Q(pk=root.pk) | Q(duplicate_of=root))
        .exclude(pk=ticket.pk)
        .only("number", "title", "status", "created_at")
        .order_by("-created_at")[:10]
    )


# --- Bad reviews --------------------------------------------------------------------------------


def bad_reviews_for(
    actor: Any, *, status: str = "", escalated: bool = False
) -> QuerySet[BadReview]:
    qs = bad_reviews_for_staff(
        actor,
        BadReview.objects.select_related("rating", "rating__invitation", "department", "region"),
    )
    if status == "open":
        qs = qs.exclude(status=BadReviewStatus.CLOSED)
    elif status in BadReviewStatus.values:
        qs = qs.filter(status=status)
    if escalated:
        qs = qs.filter(escalated_at__isnull=False).exclude(status=BadReviewStatus.CLOSED)
    return qs.order_by("due_on", "-created_at")


def escalated_for_supervisor(actor: Any) -> QuerySet[BadReview]:
    """Escalated, still-open bad reviews whose supervising region the actor covers."""
    from tongban.feedback.permissions import SUPERVISOR_ROLES

    scope = staff_scope(actor, roles=SUPERVISOR_ROLES)
    if scope.is_empty:
        return BadReview.objects.none()
    qs = (
        BadReview.objects.select_related("rating__invitation", "department", "escalated_to")
        .filter(escalated_at__isnull=False)
        .exclude(status=BadReviewStatus.CLOSED)
    )
    condition = scope_q(scope, BadReview, region_field="escalated_to")
    return qs if condition is None else qs.filter(condition)


# --- Ratings ------------------------------------------------------------------------------------


def invitation_by_token(token: str) -> RatingInvitation:
    invitation = (
        RatingInvitation.objects.select_related("department", "region").filter(token=token).first()
        if token
        else None
    )
    if invitation is None:
        raise NotFound()
    return invitation


def invitations_pending_for(actor: Any) -> list[RatingInvitation]:
    if not getattr(actor, "is_authenticated", False):
        return []
    from django.utils import timezone

    return list(
        RatingInvitation.objects.filter(
            invitee_id=actor.pk, rating__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("department")
        .order_by("-created_at")[:50]
    )


def ratings_of(actor: Any) -> list[Rating]:
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        Rating.objects.filter(rater_id=actor.pk)
        .select_related("invitation", "department", "bad_review")
        .order_by("-created_at")[:100]
    )


def rating_of_rater(actor: Any, public_id: Any) -> Rating:
    try:
        rating = (
            Rating.objects.select_related("invitation", "department")
            .filter(public_id=public_id, rater_id=getattr(actor, "pk", -1))
            .first()
        )
    except (ValueError, TypeError, DjangoValidationError):
        rating = None
    if rating is None:
        raise NotFound()
    return rating


def rating_for_invitation(invitation: RatingInvitation) -> Rating | None:
    return Rating.objects.filter(invitation=invitation).first()


# --- Knowledge base -----------------------------------------------------------------------------


def _knowledge_qs(actor: Any) -> QuerySet[KnowledgeEntry]:
    scope = staff_scope(actor, roles=DESK_ROLES)
    if scope.is_empty:
        return KnowledgeEntry.objects.none()
    qs = KnowledgeEntry.objects.filter(is_active=True)
    if not scope.unrestricted:
        # A city's desk also answers the province-wide questions: match on the province.
        cond = Q(pk__in=[])
        for province in {g.region_code[:2] for g in scope.grants}:
            cond |= Q(region__pk__startswith=province)
        qs = qs.filter(cond)
    return qs


def knowledge_search(actor: Any, q: str = "", *, limit: int = 20) -> list[KnowledgeEntry]:
    """Entries of the desk's province matching every word of `q` (question, keywords, answer)."""
    qs = _knowledge_qs(actor)
    for term in [t for t in (q or "").split() if t][:5]:
        qs = qs.filter(
            Q(question__icontains=term) | Q(keywords__icontains=term) | Q(answer__icontains=term)
        )
    return list(
        qs.select_related("region", "department").order_by("-use_count", "question")[:limit]
    )


def knowledge_get(actor: Any, public_id: Any) -> KnowledgeEntry:
    try:
        entry = _knowledge_qs(actor).filter(public_id=public_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        entry = None
    if entry is None:
        raise NotFound()
    return entry


def departments_for_dispatch(actor: Any, region_code: str) -> list[Department]:
    """Departments the desk may dispatch to: those of the ticket's region and its ancestors."""
    codes = {region_code[:n].ljust(len(region_code[:6]), "0") for n in (2, 4, 6)}
    codes.add(region_code)
    return list(
        Department.objects.filter(is_active=True, region_id__in=codes).select_related("region")
    )


def _serving(region: Region) -> Q:
    above = {region.code[:2] + "0000", region.code[:4] + "00", region.code[:6], region.code}
    return Q(region__pk__in=above) | Q(region__pk__startswith=region.prefix)


def departments_for_region(
    region: Region, q: str = "", *, limit: int = 20
) -> tuple[list[Department], int]:
    """The active departments a complaint about a place in `region` may go to: those of the
    region itself, of the regions above it (a city bureau answers for its districts) and of
    those below it, narrowed by the words of `q` (each must appear in the name). Returns the
    first `limit` and how many matched, so the picker can say when to type more."""
    qs = Department.objects.filter(is_active=True).filter(_serving(region))
    for word in q.split()[:5]:
        qs = qs.filter(name__icontains=word[:30])
    total = qs.count()
    return list(qs.select_related("region").order_by("region_id", "name")[:limit]), total


def department_in_region(region: Region, public_id: str) -> Department | None:
    """The department `public_id` if a complaint about `region` may go to it, else None."""
    try:
        return (
            Department.objects.filter(is_active=True, public_id=public_id)
            .filter(_serving(region))
            .first()
        )
    except (ValueError, TypeError, DjangoValidationError):
        return None


def window_departments(actor: Any) -> list[Department]:
    """The departments whose windows the actor serves (their department grants; a region-wide
    window clerk may choose among the departments of the region)."""
    from tongban.feedback.permissions import DEPARTMENT_ROLES

    scope = staff_scope(actor, roles=DEPARTMENT_ROLES)
    if scope.is_empty:
        return []
    qs = Department.objects.filter(is_active=True).select_related("region")
    condition = scope_q(scope, Department, department_field="pk")
    if condition is not None:
        qs = qs.filter(condition)
    return list(qs.order_by("region_id", "name")[:200])


def open311_keys() -> list[Open311Key]:
    """For administrators (the `open311 key list` command)."""
    return list(Open311Key.objects.order_by("name"))


def ticket_caller_actions(ticket: Ticket) -> tuple[bool, bool]:
    """What the person who made the request may still do: add information (until it is
    closed) and reopen it (once, after a reply); the services enforce the same rules."""
    can_add = ticket.status != TicketStatus.CLOSED
    can_reopen = ticket.reopened_at is None and ticket.status in (
        TicketStatus.REPLIED,
        TicketStatus.CLOSED,
    )
    return can_add, can_reopen
