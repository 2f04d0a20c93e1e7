"""API tokens for scripts and integrations."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tongban.audit.services import audit_record
from tongban.core.crypto import sm3_hex
from tongban.identity.models import ApiToken, User

TOKEN_PREFIX = "tb_"  # noqa: S105 - a public marker, not a secret


def _token_digest(raw_token: str) -> str:
    return sm3_hex(raw_token.encode())


@transaction.atomic
def api_token_create(
    *, user: User, name: str, actor: User | None = None, valid_days: int | None = 90
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at: datetime | None = (
        timezone.now() + timedelta(days=valid_days) if valid_days else None
    )
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], digest=_token_digest(raw), expires_at=expires_at
    )
    audit_record(
        actor=actor,
        action="identity.api_token.create",
        obj=token,
        summary={
            "user": user.username,
            "name": name,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, raw


def api_token_authenticate(*, raw_token: str) -> User | None:
    """A read with a small side effect (last use time), kept out of the audit log on purpose:
    it is not a state change a person made."""
    if not raw_token.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
