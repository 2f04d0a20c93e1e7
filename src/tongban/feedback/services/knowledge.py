"""The hotline knowledge base (知识库): entries are written by the desk (or loaded by the demo)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import FieldProblem, PermissionDenied, ValidationFailed
from tongban.core.models import Department, Region
from tongban.core.scopes import staff_scope
from tongban.feedback.models import KnowledgeEntry
from tongban.feedback.permissions import DESK_ROLES


@transaction.atomic
def knowledge_save(
    *,
    actor: Any,
    question: str,
    answer: str,
    region: Region,
    keywords: str = "",
    category: str = "",
    department: Department | None = None,
    source: str = "",
    entry: KnowledgeEntry | None = None,
) -> KnowledgeEntry:
    """Create an entry, or update `entry`. Only the desk of the entry's region writes it."""
    if actor is not None and not staff_scope(actor, roles=DESK_ROLES).covers_region(region.pk):
        raise PermissionDenied(_("只有本区划的12345话务员可以维护知识库。"))
    problems = []
    if not question.strip():
        problems.append(FieldProblem("question", _("请填写问题。")))
    if len(answer.strip()) < 10:
        problems.append(FieldProblem("answer", _("请填写完整的答复口径（至少10个字）。")))
    if problems:
        raise ValidationFailed(_("知识库条目不完整。"), fields=problems)
    if entry is None:
        entry = KnowledgeEntry(region=region)
    entry.question = question.strip()[:300]
    entry.answer = answer.strip()
    entry.keywords = keywords.strip()[:300]
    entry.category = category.strip()[:50]
    entry.department = department
    entry.source = source.strip()[:300]
    entry.region = region
    entry.save()
    audit_record(
        actor=actor,
        action="feedback.knowledge.save",
        obj=entry,
        summary={"question": entry.question[:60], "region": region.pk},
    )
    return entry
