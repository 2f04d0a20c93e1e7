"""Second factor: TOTP authenticator apps (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import constant_time_equal
from tongban.core.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from tongban.identity.models import AccountKind, RecoveryCode, TotpDevice, User
from tongban.identity.services.common import secret_digest

TOTP_STEP = 30
TOTP_DIGITS = 6
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read off paper and typed by hand.
_RECOVERY_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


@dataclass(frozen=True)
class TotpEnrolment:
    device: TotpDevice
    secret: str  # base32, shown once for manual entry
    uri: str  # otpauth:// URI for the QR code


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP).provisioning_uri(
        name=user.get_username(), issuer_name=settings.TONGBAN_PLATFORM_NAME
    )


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code or "") if ch.isdigit())


def totp_accept(device: TotpDevice, code: str, *, at: datetime | None = None) -> bool:
    """Whether `code` is valid now (one step of clock drift either way) and newer than the
    last accepted one. The step is recorded with a conditional UPDATE, so two requests
    presenting the same code cannot both succeed."""
    typed = _digits(code)
    if len(typed) != TOTP_DIGITS:
        return False
    totp = pyotp.TOTP(device.secret, digits=TOTP_DIGITS, interval=TOTP_STEP)
    current = int((at or timezone.now()).timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if step <= device.last_used_step:
            continue
        if constant_time_equal(totp.generate_otp(step), typed):
            updated = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step
            )
            if updated:
                device.last_used_step = step
            return bool(updated)
    return False


def _recovery_normalise(code: str) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def _recovery_digest(code: str) -> str:
    return secret_digest(_recovery_normalise(code), purpose="recovery_code")


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    now = timezone.now()
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, digest=_recovery_digest(c), created_at=now) for c in codes]
    )
    return codes


def recovery_code_accept(user: User, code: str) -> bool:
    """Use up one recovery code of `user`; False if it is wrong or already used."""
    if len(_recovery_normalise(code)) != 10:
        return False
    return bool(
        RecoveryCode.objects.filter(
            user=user, digest=_recovery_digest(code), used_at__isnull=True
        ).update(used_at=timezone.now())
    )


@transaction.atomic
def totp_enrol(*, user: User) -> TotpEnrolment:
    """Start binding an authenticator: a fresh secret on an unconfirmed device (an earlier
    unconfirmed one is replaced). Nothing changes for sign-in until `totp_confirm`."""
    if TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise Conflict(
            _("您已绑定动态口令。如需更换，请先在用户中心解除绑定。"), code="totp_exists"
        )
    TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()
    secret = pyotp.random_base32(32)
    device = TotpDevice.objects.create(user=user, secret=secret)
    audit_record(actor=user, action="identity.totp.enrol", obj=device, summary={})
    return TotpEnrolment(device=device, secret=secret, uri=provisioning_uri(user, secret))


@transaction.atomic
def totp_confirm(*, user: User, device: TotpDevice, code: str) -> list[str]:
    """Finish binding with a code from the app; returns the recovery codes (shown once)."""
    if device.user_id != user.pk or device.confirmed_at is not None:
        raise Conflict(_("绑定已失效，请重新开始。"), code="totp_stale")
    if not totp_accept(device, code):
        message = _("动态口令不正确：请输入身份验证器当前显示的6位数字，并确认手机时间准确。")
        raise ValidationFailed(message, fields=[FieldProblem("code", message)])
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at", "updated_at"])
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action="identity.totp.confirm",
        obj=device,
        summary={"recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def totp_disable(*, user: User, password: str) -> None:
    """Unbind the authenticator (with the password, so a borrowed session cannot do it).
    Staff cannot: the workbench requires a second factor."""
    if user.kind == AccountKind.STAFF or user.is_staff or user.is_superuser:
        raise Conflict(
            _("工作人员账号必须使用动态口令，不能解除绑定；更换手机请联系单位管理员。"),
            code="totp_required",
        )
    if not user.check_password(password):
        message = _("密码不正确。")
        raise ValidationFailed(message, fields=[FieldProblem("password", message)])
    removed, _detail = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=user, action="identity.totp.disable", obj=user, summary={"devices": removed})


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    if not TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise Conflict(_("请先绑定动态口令。"), code="totp_missing")
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action="identity.recovery_codes.regenerate",
        obj=user,
        summary={"count": len(codes)},
    )
    return codes


@transaction.atomic
def totp_reset_by_admin(*, actor: User | None, user: User, reason: str) -> int:
    """A platform administrator (or, with actor None, the operator at the server console:
    `manage identity mfa-reset`) removes a user's authenticator (lost phone). Staff then bind
    a new one at their next sign-in. The reason is kept in the audit log."""
    if actor is not None and not (actor.is_superuser and actor.is_active):
        raise PermissionDenied(_("只有平台管理员可以重置动态口令。"))
    if not reason.strip():
        raise ValidationFailed(
            _("请填写重置原因。"), fields=[FieldProblem("reason", _("请填写重置原因。"))]
        )
    removed, _detail = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="identity.totp.reset",
        obj=user,
        summary={"user": user.get_username(), "devices": removed},
        reason=reason.strip(),
    )
    return removed
