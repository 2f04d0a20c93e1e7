"""SMS one-time codes: 6 digits, valid 5 minutes, single use, at most 5 attempts, rate limited
per phone (one a minute, ten a day) and per IP address.

Enumeration safety: a code request for a phone that names no account behaves exactly like one
that does (same answer, same rate limits, a row is written) — only no message is sent. The
registration code (verify_phone) is always sent: it proves possession of the phone before
anything about accounts is said."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import constant_time_equal
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import mask_phone
from tongban.identity.errors import RateLimited
from tongban.identity.models import CodePurpose, OneTimeCode, User
from tongban.identity.selectors import users_with_verified_phone
from tongban.identity.services.common import conf, phone_index, secret_digest, validate_phone
from tongban.identity.sms import get_sms_sender

CODE_DIGITS = 6

_TEXTS = {
    CodePurpose.LOGIN: "【{platform}】您的登录验证码为 {code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    CodePurpose.RESET: "【{platform}】您正在重置密码，验证码为 {code}，{minutes}分钟内有效。请勿告诉他人。",
    CodePurpose.VERIFY_PHONE: "【{platform}】您的手机号验证码为 {code}，{minutes}分钟内有效。请勿告诉他人。",
}


def _code_digest(row: OneTimeCode, code: str) -> str:
    # Bound to the row, so equal codes of two rows have unrelated digests.
    return secret_digest(f"{row.public_id}:{code}", purpose="one_time_code")


def _check_rate(*, index: str, ip: str | None) -> None:
    now = timezone.now()
    recent = OneTimeCode.objects.filter(phone_index=index)
    interval = int(conf("TONGBAN_OTP_PHONE_INTERVAL_SECONDS"))
    if recent.filter(created_at__gt=now - timedelta(seconds=interval)).exists():
        raise RateLimited(
            _("验证码发送过于频繁，请 %(n)d 秒后再试。") % {"n": interval}, code="otp_too_soon"
        )
    if recent.filter(created_at__gt=now - timedelta(days=1)).count() >= int(
        conf("TONGBAN_OTP_PHONE_PER_DAY")
    ):
        raise RateLimited(
            _("该手机号今天获取验证码的次数已达上限，请明天再试。"), code="otp_daily_limit"
        )
    if ip and OneTimeCode.objects.filter(
        requested_ip=ip, created_at__gt=now - timedelta(hours=1)
    ).count() >= int(conf("TONGBAN_OTP_IP_PER_HOUR")):
        raise RateLimited(_("请求过于频繁，请稍后再试。"), code="otp_ip_limit")


def _recipient(purpose: str, number: str) -> User | None:
    if purpose == CodePurpose.VERIFY_PHONE:
        return None
    users = users_with_verified_phone(number)
    # Several accounts on one phone (a citizen and a staff account of one person): SMS
    # sign-in and reset cannot tell which is meant; the password sign-in can.
    return users[0] if len(users) == 1 else None


@transaction.atomic
def one_time_code_request(
    *, purpose: str, phone: str, ip: str | None = None, user: User | None = None
) -> OneTimeCode:
    """Create a code and send it after commit. `user` is given when a signed-in account asks
    to verify a new phone number; otherwise the phone decides. Raises RateLimited."""
    number = validate_phone(phone)
    index = phone_index(number)
    _check_rate(index=index, ip=ip)
    recipient = user if user is not None else _recipient(purpose, number)
    send = purpose == CodePurpose.VERIFY_PHONE or recipient is not None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    ttl = int(conf("TONGBAN_OTP_TTL_SECONDS"))
    row = OneTimeCode(
        purpose=purpose,
        phone_index=index,
        user=recipient,
        code_digest="",
        expires_at=timezone.now() + timedelta(seconds=ttl),
        requested_ip=ip,
    )
    row.code_digest = _code_digest(row, code)
    row.save()
    if send:
        text = _TEXTS[CodePurpose(purpose)].format(
            platform=settings.TONGBAN_PLATFORM_NAME, code=code, minutes=max(ttl // 60, 1)
        )
        sender = get_sms_sender()  # fails here, not after commit, when misconfigured
        transaction.on_commit(lambda: sender.send(number, text), robust=False)
    audit_record(
        actor=recipient,
        action="identity.one_time_code.request",
        obj=row,
        summary={"purpose": purpose, "phone": mask_phone(number), "sent": send},
    )
    return row


def one_time_code_match(*, purpose: str, phone: str, code: str) -> OneTimeCode | None:
    """The newest live code of this phone and purpose if `code` is it; a wrong guess uses up
    one attempt. Call inside the caller's transaction; the code stays unused until
    `one_time_code_consume` (so a form error after the match does not burn it)."""
    try:
        number = validate_phone(phone)
    except ValidationFailed:  # a malformed phone simply has no code
        return None
    now = timezone.now()
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(
            purpose=purpose,
            phone_index=phone_index(number),
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None or row.attempts >= int(conf("TONGBAN_OTP_MAX_ATTEMPTS")):
        return None
    typed = "".join(ch for ch in str(code or "") if ch.isdigit())
    if len(typed) != CODE_DIGITS or not constant_time_equal(
        row.code_digest, _code_digest(row, typed)
    ):
        OneTimeCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return None
    return row


def one_time_code_consume(row: OneTimeCode) -> bool:
    """Mark the code used; False if another request used it first (single use under races)."""
    return bool(
        OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now())
    )
