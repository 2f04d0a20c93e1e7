"""Reads of the identity app.

Look-ups by ID number or phone go through the keyed blind index (HMAC-SM3): the database never
sees the number in clear, not even in a WHERE clause or a slow-query log."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tongban.core.crypto import blind_index, normalise_for_index
from tongban.core.errors import Conflict, ValidationFailed
from tongban.core.identifiers import validate_citizen_id
from tongban.identity.models import User

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
