"""Every write of the feedback app (STYLE.md rule 1)."""

from tongban.feedback.services.keys import (
    open311_key_authenticate,
    open311_key_create,
    open311_key_revoke,
)
from tongban.feedback.services.knowledge import knowledge_save
from tongban.feedback.services.ratings import (
    REASON_TAGS,
    bad_review_reply,
    bad_review_revisit,
    bad_review_verify,
    bad_reviews_escalate_overdue,
    rating_invite,
    rating_submit,
    rating_update,
    window_visit_invite,
)
from tongban.feedback.services.tickets import (
    CATEGORIES,
    ticket_answer,
    ticket_callback,
    ticket_create,
    ticket_dispatch,
    ticket_reopen,
    ticket_reply,
    ticket_return,
    ticket_supervise,
    ticket_supplement,
)

__all__ = [
    "CATEGORIES",
    "REASON_TAGS",
    "bad_review_reply",
    "bad_review_revisit",
    "bad_review_verify",
    "bad_reviews_escalate_overdue",
    "knowledge_save",
    "open311_key_authenticate",
    "open311_key_create",
    "open311_key_revoke",
    "rating_invite",
    "rating_submit",
    "rating_update",
    "ticket_answer",
    "ticket_callback",
    "ticket_create",
    "ticket_dispatch",
    "ticket_reopen",
    "ticket_reply",
    "ticket_return",
    "ticket_supervise",
    "ticket_supplement",
    "window_visit_invite",
]
