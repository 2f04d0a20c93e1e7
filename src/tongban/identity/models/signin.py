"""Sign-in: the event log (login history), lockout guards, sessions, one-time codes (SMS), TOTP
devices and recovery codes. Secrets are never stored in clear: codes as keyed digests, TOTP
secrets encrypted, sessions by the SM3 digest of their key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class SignInMethod(models.TextChoices):
    PASSWORD = "password", _("密码")
    SMS = "sms", _("短信验证码")
    TOTP = "totp", _("动态口令")
    RECOVERY = "recovery", _("恢复码")


class SignInOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    LOCKED = "locked", _("账号锁定")
    THROTTLED = "throttled", _("请求过于频繁")


class SignInEvent(models.Model):
    """Every sign-in attempt. Shown to the account holder as login history (only rows with
    `user` set); `lock_key` groups the failures that count toward a lockout (the account, or
    the identifier typed when it names no account, so unknown names lock the same way)."""

    user = models.ForeignKey(
        "identity.User",
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sign_in_events",
    )
    identifier_hint = models.CharField(_("登录标识（脱敏）"), max_length=40, blank=True)
    method = models.CharField(_("方式"), max_length=16, choices=SignInMethod.choices)
    outcome = models.CharField(_("结果"), max_length=16, choices=SignInOutcome.choices)
    reason = models.CharField(_("原因"), max_length=32, blank=True)
    lock_key = models.CharField(max_length=64, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        indexes = [
            models.Index(fields=["user", "occurred_at"], name="identity_signin_user"),
            models.Index(fields=["lock_key", "occurred_at"], name="identity_signin_lock"),
            models.Index(fields=["ip_address", "occurred_at"], name="identity_signin_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.outcome} {self.occurred_at:%Y-%m-%d %H:%M}"


class SignInGuard(models.Model):
    """Lockout state of one lock key: failures are counted from `counted_since` (moved forward
    by a success or when a lock starts) within the window; `blocked_until` is the lock."""

    key = models.CharField(max_length=64, unique=True)
    counted_since = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录锁定状态")
        verbose_name_plural = _("登录锁定状态")

    def __str__(self) -> str:
        return self.key[:12]


class UserSession(BaseModel):
    """A signed-in browser session: listed in the user centre and revocable there. The session
    key itself is not stored, only its SM3 digest, so this table cannot be used to hijack one."""

    user = models.ForeignKey(
        "identity.User",
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="user_sessions",
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    method = models.CharField(_("登录方式"), max_length=16, choices=SignInMethod.choices)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    last_seen_at = models.DateTimeField(_("最近活动"))
    expires_at = models.DateTimeField(_("过期时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        indexes = [models.Index(fields=["user", "ended_at"], name="identity_session_user")]

    def __str__(self) -> str:
        return f"UserSession:{self.pk}"


class CodePurpose(models.TextChoices):
    LOGIN = "login", _("短信登录")
    RESET = "reset", _("重置密码")
    VERIFY_PHONE = "verify_phone", _("验证手机号")


class OneTimeCode(BaseModel):
    """A 6-digit code sent by SMS. Stored as a keyed digest bound to this row, so the table
    alone does not reveal codes (a plain hash of 6 digits would). `user` is empty when the
    phone names no account: the row still exists so rate limits look the same either way."""

    purpose = models.CharField(_("用途"), max_length=16, choices=CodePurpose.choices)
    phone_index = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        "identity.User",
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    code_digest = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    requested_ip = models.GenericIPAddressField(_("请求IP"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone_index", "created_at"], name="identity_otp_phone"),
            models.Index(fields=["requested_ip", "created_at"], name="identity_otp_ip"),
        ]

    def __str__(self) -> str:
        return f"OneTimeCode:{self.pk}"


class TotpDevice(BaseModel):
    """An authenticator app (RFC 6238, 30 s steps, 6 digits). `last_used_step` refuses a code
    that was already accepted, even within its validity window."""

    user = models.ForeignKey(
        "identity.User",
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="totp_devices",
    )
    name = models.CharField(_("名称"), max_length=100, default="身份验证器")
    secret = EncryptedCharField(_("密钥"))
    confirmed_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    def __str__(self) -> str:
        return f"TotpDevice:{self.pk}"


class RecoveryCode(models.Model):
    """A single-use fallback for a lost authenticator; only its keyed digest is stored."""

    user = models.ForeignKey(
        "identity.User",
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("生成时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def __str__(self) -> str:
        return f"RecoveryCode:{self.pk}"
