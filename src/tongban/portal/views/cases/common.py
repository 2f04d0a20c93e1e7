"""What the applicant's case pages share: sign-in and assurance checks, the access funnel, the
material rows shown on the materials, review and detail pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.cases.models import Case, CaseKindChoice
from tongban.cases.permissions import access_case_for_applicant
from tongban.cases.selectors import material_choices
from tongban.cases.services.bundles import bundle_materials
from tongban.cases.services.common import case_guide
from tongban.catalog.guide_schema import MATERIAL_FORMS, GuideContent
from tongban.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tongban.identity.models import AssuranceLevel, User

# 510104-20261122-000017; drafts may carry other shapes, so letters, digits and dashes.
CASE_NUMBER = re.compile(r"[0-9A-Za-z-]{1,40}")
# Applying needs a real-name verified account (the case records the applicant's ID number);
# booking a window slot or reading one's own cases only a verified phone.
APPLY_LEVEL = AssuranceLevel.L2
BOOK_LEVEL = AssuranceLevel.L1
# 网上办理深度 codes under which the platform takes the application online.
ONLINE_DEPTHS = {"2", "3", "4", "5"}
SESSION_CODES = "cases.verification_codes"


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def assurance_required(level: int) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Sign-in first (to the sign-in page), then the assurance level: a page that says which
    level is needed and where to raise it (403), never a bare refusal."""

    def decorator(view: Callable[..., HttpResponse]) -> Any:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = current_user(request)
            if int(user.assurance_level) < level:
                return render(
                    request,
                    "portal/cases/assurance_needed.html",
                    {"needed": AssuranceLevel(level).label, "level": level},
                    status=403,
                )
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def case_for_applicant(request: HttpRequest, number: str) -> Case:
    """The caller's case (or their enterprise's) by its number; 404 whether missing or not theirs."""
    if not CASE_NUMBER.fullmatch(number):
        raise Http404(_("没有找到这个办件。"))
    try:
        return access_case_for_applicant(current_user(request), number)
    except NotFound as exc:
        raise Http404(_("没有找到这个办件。")) from exc


def error_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 422


def online_application_allowed(content: GuideContent) -> bool:
    return (
        "online" in content.channels
        or "mobile" in content.channels
        or bool(ONLINE_DEPTHS & set(content.online_depth))
    )


def appointments_allowed(content: GuideContent) -> bool:
    return content.supports_appointment or "appointment" in content.channels


def remember_code(request: HttpRequest, number: str, code: str) -> None:
    """Keep a fresh verification code for the next page only (shown once, then forgotten)."""
    codes = dict(request.session.get(SESSION_CODES, {}))
    codes[number] = code
    request.session[SESSION_CODES] = codes


def pop_code(request: HttpRequest, number: str) -> str:
    codes = dict(request.session.get(SESSION_CODES, {}))
    code = codes.pop(number, "")
    request.session[SESSION_CODES] = codes
    return code


# --- Materials as the applicant sees them ------------------------------------------------------


@dataclass
class OfferView:
    source: str
    reference: str
    label: str
    issuer: str


@dataclass
class MaterialView:
    """One material row: what it is, when it is needed, how it is satisfied, what can replace it."""

    key: str  # the material code (single case) or the bundle material key
    anchor: str
    name: str
    required: bool
    is_key: bool
    condition: str
    forms: str
    notes: str
    status: str  # pending | provided | tolerated | not_applicable
    status_label: str
    satisfied_by: str
    file_name: str = ""
    size: int = 0
    no_need_to_bring: bool = False
    reason: str = ""
    offers: list[OfferView] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # bundle: the matters it serves
    errors: list[str] = field(default_factory=list)

    @property
    def provided(self) -> bool:
        return self.status == "provided"


def _forms_text(spec: Any) -> str:
    if spec is None:
        return ""
    return "、".join(MATERIAL_FORMS.get(f, f) for f in spec.forms)


def _guide_specs(guide: GuideContent) -> dict[str, Any]:
    return {(m.code or f"m{i}"): m for i, m in enumerate(guide.materials, start=1)}


def material_views(
    actor: Any, case: Case, errors: dict[str, list[str]] | None = None
) -> list[MaterialView]:
    """The materials of a single case with their conditions (from the case's guide version)
    and what could stand in for each (selectors.material_choices)."""
    errors = errors or {}
    specs = _guide_specs(case_guide(case))
    views = []
    for choice in material_choices(actor, case):
        m = choice.material
        spec = specs.get(m.code)
        views.append(
            MaterialView(
                key=m.code,
                anchor=f"m-{re.sub(r'[^0-9A-Za-z_-]', '_', m.code)}",
                name=m.name,
                required=m.required,
                is_key=m.is_key,
                condition=getattr(spec, "condition", "") or "",
                forms=_forms_text(spec),
                notes=getattr(spec, "notes", "") or "",
                status=m.status,
                status_label=m.get_status_display(),
                satisfied_by=m.satisfied_by,
                file_name=m.file_name,
                size=m.size,
                no_need_to_bring=choice.no_need_to_bring,
                reason=choice.reason,
                offers=[OfferView(o.source, o.reference, o.label, o.issuer) for o in choice.offers],
                errors=errors.get(f"materials.{m.code}", []),
            )
        )
    return views


def bundle_material_views(
    actor: Any, parent: Case, members: list[Case], errors: dict[str, list[str]] | None = None
) -> list[MaterialView]:
    """The combined materials of a 一件事 application: each asked once, with the matters it serves."""
    errors = errors or {}
    by_number = {m.number: m for m in members}
    choices: dict[tuple[str, str], Any] = {}
    specs: dict[tuple[str, str], Any] = {}
    for member in members:
        for choice in material_choices(actor, member):
            choices[(member.number, choice.material.code)] = choice
        for code, spec in _guide_specs(case_guide(member)).items():
            specs[(member.number, code)] = spec
    views = []
    for index, group in enumerate(bundle_materials(parent), start=1):
        found = [choices[t] for t in group.targets if t in choices]
        first = found[0] if found else None
        spec = next((specs[t] for t in group.targets if t in specs), None)
        material = first.material if first else None
        offers = first.offers if first else []
        member_errors: list[str] = []
        for _number, code in group.targets:
            member_errors += errors.get(f"materials.{code}", [])
            member_errors += errors.get(f"bundle.{group.key}", [])
        views.append(
            MaterialView(
                key=group.key,
                anchor=f"bm-{index}",
                name=group.name,
                required=any(c.material.required for c in found),
                is_key=any(c.material.is_key for c in found),
                condition=getattr(spec, "condition", "") or "",
                forms=_forms_text(spec),
                notes=getattr(spec, "notes", "") or "",
                status="provided"
                if group.provided
                else (material.status if material else "pending"),
                status_label=_("已提供") if group.provided else _("待提供"),
                satisfied_by=material.satisfied_by if material else "",
                file_name=material.file_name if material else "",
                size=material.size if material else 0,
                no_need_to_bring=bool(found) and all(c.no_need_to_bring for c in found),
                reason=first.reason if first else "",
                offers=[OfferView(o.source, o.reference, o.label, o.issuer) for o in offers],
                targets=[by_number[n].item_name for n, _code in group.targets if n in by_number],
                errors=list(dict.fromkeys(member_errors)),
            )
        )
    return views


def is_bundle(case: Case) -> bool:
    return case.kind == CaseKindChoice.BUNDLE
