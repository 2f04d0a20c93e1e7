"""Reads of the identity app.

Look-ups by ID number or phone go through the keyed blind index (HMAC-SM3): the database never
sees the number in clear, not even in a WHERE clause or a slow-query log."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.crypto import blind_index, normalise_for_index
from tongban.core.errors import Conflict, NotFound, ValidationFailed
from tongban.core.identifiers import validate_citizen_id
from tongban.identity.models import (
    AccountKind,
    AgentGrant,
    AgentScope,
    LegalPerson,
    RecoveryCode,
    SignInEvent,
    TotpDevice,
    User,
    UserSession,
)
from tongban.identity.registries import normalise_name

_PHONE_PREFIX = re.compile(r"^(?:\+?86|0086)(?=1\d{10}$)")


def _index_of(field_name: str, value: str) -> str:
    purpose = User._meta.get_field(field_name).index_purpose  # type: ignore[union-attr]
    return blind_index(value, purpose=purpose)


def _single(candidates: QuerySet[User], field_name: str, value: str) -> User | None:
    # The blind index only narrows the search; the decrypted value decides. A row whose value
    # was changed without its index (QuerySet.update) is therefore never returned by mistake.
    wanted = normalise_for_index(value)
    matches = [u for u in candidates if normalise_for_index(getattr(u, field_name)) == wanted]
    if len(matches) > 1:
        raise Conflict(
            _("有多个账号使用该号码，请指定账号类型后再查找。"), code="identity_ambiguous"
        )
    return matches[0] if matches else None


def user_find_by_id_number(*, id_number: str, kind: str | None = None) -> User | None:
    """The account holding this 公民身份号码 (normalised first: full-width digits, spaces, a
    lower-case x), or None, also when the number is malformed. Pass `kind` when one person may
    hold several accounts (a citizen account and a staff account); without it, several matches
    raise Conflict rather than guess."""
    try:
        number = validate_citizen_id(id_number)
    except ValidationFailed:
        return None
    candidates = User.objects.filter(id_number_index=_index_of("id_number", number))
    if kind:
        candidates = candidates.filter(kind=kind)
    return _single(candidates, "id_number", number)


def normalise_phone(value: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    digits = re.sub(r"[\s\-()]", "", text)
    return _PHONE_PREFIX.sub("", digits)


def user_find_by_phone(*, phone: str, kind: str | None = None) -> User | None:
    """The account with this mobile number (a +86 prefix, spaces and dashes are ignored)."""
    number = normalise_phone(phone)
    if not number:
        return None
    candidates = User.objects.filter(phone_index=_index_of("phone", number))
    if kind:
        candidates = candidates.filter(kind=kind)
    return _single(candidates, "phone", number)


# --- Sign-in ---------------------------------------------------------------------------------------

_PHONE = re.compile(r"^1\d{10}$")


def identifier_kind(identifier: str) -> str:
    """What a sign-in identifier looks like: "phone", "id_number" or "username"."""
    if _PHONE.match(normalise_phone(identifier)):
        return "phone"
    text = unicodedata.normalize("NFKC", identifier or "")
    compact = re.sub(r"[\s\-]", "", text)
    if re.fullmatch(r"\d{17}[\dxX]", compact):
        return "id_number"
    return "username"


def _matching(candidates: QuerySet[User], field_name: str, value: str) -> list[User]:
    wanted = normalise_for_index(value)
    return [u for u in candidates if normalise_for_index(getattr(u, field_name)) == wanted]


def user_candidates_for_sign_in(identifier: str) -> list[User]:
    """The accounts an identifier typed at sign-in may name: by phone number or ID number
    (through the blind index, confirmed on the decrypted value) or by exact username. Usually
    one; a person holding a citizen and a staff account with the same phone gets two, and the
    password decides."""
    kind = identifier_kind(identifier)
    if kind == "phone":
        number = normalise_phone(identifier)
        return _matching(
            User.objects.filter(phone_index=_index_of("phone", number)), "phone", number
        )
    if kind == "id_number":
        try:
            number = validate_citizen_id(identifier)
        except ValidationFailed:
            return []
        return _matching(
            User.objects.filter(id_number_index=_index_of("id_number", number)),
            "id_number",
            number,
        )
    username = (identifier or "").strip()
    if not username:
        return []
    return list(User.objects.filter(username=username))


def user_get_active(pk: object) -> User | None:
    """An active account by primary key (the half-done sign-in kept in the session)."""
    try:
        return User.objects.filter(pk=int(str(pk)), is_active=True).first()
    except (TypeError, ValueError):
        return None


def users_with_verified_phone(phone: str) -> list[User]:
    """Active accounts whose phone number was proved by an SMS code (SMS sign-in, reset)."""
    number = normalise_phone(phone)
    if not _PHONE.match(number):
        return []
    candidates = User.objects.filter(
        phone_index=_index_of("phone", number), phone_verified_at__isnull=False, is_active=True
    )
    return _matching(candidates, "phone", number)


def user_requires_second_factor(user: User) -> bool:
    """Staff always (the workbench holds other people's data); anyone else once they have
    bound an authenticator."""
    if user.kind == AccountKind.STAFF or user.is_staff or user.is_superuser:
        return True
    return totp_device_confirmed(user) is not None


def totp_device_confirmed(user: User) -> TotpDevice | None:
    return (
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=False)
        .order_by("-confirmed_at")
        .first()
    )


def totp_device_pending(user: User) -> TotpDevice | None:
    """The authenticator being bound (shown again if the binding page is reloaded)."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()


def recovery_codes_remaining(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- For the user centre: history, sessions, enterprises ------------------------------------------


def sign_in_events_for(user: User, *, limit: int = 50) -> list[SignInEvent]:
    """The account holder's login history, newest first."""
    return list(SignInEvent.objects.filter(user=user).order_by("-occurred_at", "-id")[:limit])


def user_sessions_active_for(user: User) -> list[UserSession]:
    """Sessions not ended and not expired, most recently used first."""
    return list(
        UserSession.objects.filter(
            user=user, ended_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-last_seen_at")
    )


def agent_grants_active_for(user: User) -> QuerySet[AgentGrant]:
    """Grants under which `user` may act for an enterprise now: not revoked, not expired, and
    the enterprise has a verified representative."""
    return (
        AgentGrant.objects.filter(
            agent=user,
            revoked_at__isnull=True,
            valid_until__gt=timezone.now(),
            legal_person__verified_at__isnull=False,
        )
        .select_related("legal_person")
        .order_by("legal_person__name", "-created_at")
    )


def agent_grants_for_legal_person(*, actor: User, legal_person: LegalPerson) -> list[AgentGrant]:
    """Every grant of an enterprise (active, expired and revoked), for its representative only;
    anyone else gets NotFound."""
    if legal_person.representative_id != actor.pk or legal_person.verified_at is None:
        raise NotFound()
    return list(
        AgentGrant.objects.filter(legal_person=legal_person)
        .select_related("agent")
        .order_by("-created_at")
    )


def legal_persons_represented_by(user: User) -> list[LegalPerson]:
    return list(
        LegalPerson.objects.filter(representative=user, verified_at__isnull=False).order_by("name")
    )


@dataclass(frozen=True)
class EnterpriseRole:
    """An enterprise the user can act for, and in which capacity."""

    legal_person: LegalPerson
    role: str  # "representative" or "agent"
    scopes: tuple[str, ...]
    valid_until: datetime | None


def enterprises_for(user: User) -> list[EnterpriseRole]:
    """Enterprises I can act for: those I represent (every scope) and those that granted me."""
    roles = [
        EnterpriseRole(lp, "representative", tuple(AgentScope.values), None)
        for lp in legal_persons_represented_by(user)
    ]
    seen = {r.legal_person.pk for r in roles}
    for grant in agent_grants_active_for(user):
        if grant.legal_person_id in seen:
            continue
        seen.add(grant.legal_person_id)
        roles.append(
            EnterpriseRole(grant.legal_person, "agent", tuple(grant.scopes), grant.valid_until)
        )
    return roles


def agent_find_for_grant(*, phone: str, real_name: str) -> User | None:
    """The real-name verified account a representative means when naming an agent by phone
    number and name (both must agree, so a phone number alone reveals nobody)."""
    for user in users_with_verified_phone(phone):
        if user.real_name_verified_at and normalise_name(user.real_name) == normalise_name(
            real_name
        ):
            return user
    return None
