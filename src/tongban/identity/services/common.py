"""Small pieces shared by the identity services: settings with defaults, keyed digests of
secrets, phone validation, masks for audit summaries."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tongban.core.crypto import blind_index
from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.identifiers import mask_citizen_id, mask_phone
from tongban.identity.models import User
from tongban.identity.selectors import identifier_kind, normalise_phone

_PHONE = re.compile(r"^1[3-9]\d{9}$")

DEFAULTS: dict[str, Any] = {
    "TONGBAN_SIGNIN_MAX_FAILURES": 5,
    "TONGBAN_SIGNIN_FAILURE_WINDOW": 15 * 60,
    "TONGBAN_SIGNIN_LOCK_SECONDS": 15 * 60,
    "TONGBAN_SIGNIN_IP_MAX_FAILURES": 20,
    "TONGBAN_SIGNIN_IP_WINDOW": 10 * 60,
    "TONGBAN_SIGNIN_PENDING_SECONDS": 5 * 60,
    "TONGBAN_VERIFY_MAX_FAILURES_PER_DAY": 5,
    "TONGBAN_OTP_TTL_SECONDS": 5 * 60,
    "TONGBAN_OTP_MAX_ATTEMPTS": 5,
    "TONGBAN_OTP_PHONE_INTERVAL_SECONDS": 60,
    "TONGBAN_OTP_PHONE_PER_DAY": 10,
    "TONGBAN_OTP_IP_PER_HOUR": 30,
}


def conf(name: str) -> Any:
    value = getattr(settings, name, None)
    return DEFAULTS[name] if value is None else value


def secret_digest(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SM3 of a short secret (SMS code, recovery code). Keyed so that a copy of the
    table alone cannot be brute-forced: a plain hash of six digits can."""
    return blind_index(value, purpose=f"identity.secret.{purpose}")


def phone_index(number: str) -> str:
    purpose = User._meta.get_field("phone").index_purpose  # type: ignore[union-attr]
    return blind_index(number, purpose=purpose)


def validate_phone(value: str, *, field: str = "phone") -> str:
    number = normalise_phone(value)
    if not number:
        message = _("请填写手机号码。")
        raise ValidationFailed(message, fields=[FieldProblem(field, message)])
    if not _PHONE.match(number):
        message = _("手机号码应为以1开头的11位数字，请核对。")
        raise ValidationFailed(message, fields=[FieldProblem(field, message)])
    return number


def mask_identifier(identifier: str) -> str:
    """How a typed sign-in identifier appears in the log and the login history."""
    kind = identifier_kind(identifier)
    if kind == "phone":
        return mask_phone(normalise_phone(identifier))
    if kind == "id_number":
        return mask_citizen_id(identifier)
    text = (identifier or "").strip()
    if len(text) <= 2:
        return "*" * len(text)
    return (text[:2] + "*" * min(len(text) - 2, 8))[:40]


def truncate_user_agent(value: str | None) -> str:
    return (value or "")[:300]
