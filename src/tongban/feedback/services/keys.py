"""Open311 API keys: issued to apps by administrators (`open311 key create --name NAME`)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import constant_time_equal, sm3_hex
from tongban.core.errors import Conflict, FieldProblem, ValidationFailed
from tongban.feedback.models import Open311Key

KEY_PREFIX = "o311_"


def _digest(raw: str) -> str:
    return sm3_hex(raw.encode())


@transaction.atomic
def open311_key_create(*, name: str, actor: Any = None) -> tuple[Open311Key, str]:
    """Returns the key row and the raw key, shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("请填写应用名称。"), fields=[FieldProblem("name", _("必填。"))])
    if Open311Key.objects.filter(name=name).exists():
        raise Conflict(_("已有同名应用的密钥，请换一个名称或先吊销旧密钥。"))
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    key = Open311Key.objects.create(name=name[:100], prefix=raw[:10], digest=_digest(raw))
    audit_record(actor=actor, action="feedback.open311_key.create", obj=key, summary={"name": name})
    return key, raw


@transaction.atomic
def open311_key_revoke(*, name: str, actor: Any = None) -> Open311Key:
    key = Open311Key.objects.select_for_update().filter(name=name, revoked_at__isnull=True).first()
    if key is None:
        raise ValidationFailed(
            _("没有该名称的有效密钥。"), fields=[FieldProblem("name", _("不存在。"))]
        )
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="feedback.open311_key.revoke", obj=key, summary={"name": name})
    return key


def open311_key_authenticate(raw: str) -> Open311Key | None:
    """A read with a small side effect (last use), like API tokens: not audited."""
    if not raw or not raw.startswith(KEY_PREFIX):
        return None
    digest = _digest(raw)
    key = Open311Key.objects.filter(digest=digest, revoked_at__isnull=True).first()
    if key is None or not constant_time_equal(key.digest, digest):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 300:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
