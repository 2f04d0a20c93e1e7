"""Tables of the OpenID provider beside django-oauth-toolkit's own (tokens, grants, ID tokens).

- Client: DOT's swappable Application (settings.OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client")
  with what a government platform registers: organisation, allowed scopes, ES256 beside RS256,
  logout URIs, an on/off switch.
- Subject: the stable, non-sequential `sub` every relying party sees for an account.
- Consent: what a person allowed a client to read, remembered until revoked.
- RpSession: one sign-in of a person at a client through one browser session of ours (`sid`),
  what back-channel logout ends; GrantSession and TokenFamily tie DOT's authorization codes
  and refresh-token families to it.
- BackchannelDelivery: one logout token to deliver to one client, with its attempts.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication, ApplicationManager
from oauth2_provider.settings import oauth2_settings

from tongban.core.models import BaseModel
from tongban.identity.oidc import keys
from tongban.identity.oidc.client_secrets import Sm3ClientSecretField


def default_client_scopes() -> list[str]:
    return ["openid", "profile"]


class Client(AbstractApplication):
    """A platform that signs its users in through Tongban (a relying party)."""

    ES256_ALGORITHM = keys.ES256
    ALGORITHM_TYPES = (
        (AbstractApplication.RS256_ALGORITHM, _("RS256（RSA 签名）")),
        (keys.ES256, _("ES256（椭圆曲线 P-256 签名）")),
    )

    name = models.CharField(_("平台名称"), max_length=255)
    organisation = models.CharField(
        _("主管单位"), max_length=200, blank=True, help_text=_("该平台的建设或运营单位。")
    )
    client_secret = Sm3ClientSecretField(
        _("客户端密钥"),
        max_length=255,
        blank=True,
        help_text=_("只保存摘要；明文只在创建或重置时显示一次。"),
    )
    authorization_grant_type = models.CharField(
        _("授权方式"),
        max_length=44,
        choices=AbstractApplication.GRANT_TYPES,
        default=AbstractApplication.GRANT_AUTHORIZATION_CODE,
    )
    algorithm = models.CharField(
        _("ID 令牌签名算法"),
        max_length=5,
        choices=ALGORITHM_TYPES,
        default=AbstractApplication.RS256_ALGORITHM,
    )
    allowed_scopes = models.JSONField(
        _("允许申请的权限范围"),
        default=default_client_scopes,
        help_text=_("该平台最多可以申请的范围；用户在授权页面逐次同意。"),
    )
    backchannel_logout_uri = models.URLField(
        _("后台注销地址"),
        max_length=500,
        blank=True,
        help_text=_("用户退出登录时，本平台向该地址发送注销令牌（OIDC Back-Channel Logout）。"),
    )
    is_active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用后该平台无法再登录用户或使用令牌。")
    )

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        ordering = ["name"]
        verbose_name = _("接入平台")
        verbose_name_plural = _("接入平台")

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    def is_usable(self, request: Any) -> bool:
        return self.is_active

    @property
    def jwk_key(self) -> Any:
        """The active private key for this client's algorithm (DOT signs ID tokens with it)."""
        return keys.signing_key(self.algorithm)

    def clean(self) -> None:
        problems: dict[str, list[Any]] = {}
        try:
            super().clean()
        except ValidationError as exc:
            problems.update(exc.message_dict)
        if self.algorithm not in keys.ALGORITHMS:
            problems.setdefault("algorithm", []).append(_("只支持 RS256 和 ES256。"))
        elif not keys.is_configured(self.algorithm):
            problems.setdefault("algorithm", []).append(
                _("服务器尚未配置该算法的签名密钥，请选择另一种算法或联系运维人员。")
            )
        known = set(oauth2_settings.SCOPES)
        scopes = self.allowed_scopes if isinstance(self.allowed_scopes, list) else None
        if scopes is None or "openid" not in scopes:
            problems.setdefault("allowed_scopes", []).append(_("权限范围必须包含 openid。"))
        elif unknown := sorted(set(scopes) - known):
            problems.setdefault("allowed_scopes", []).append(
                _("未知的权限范围：%(scopes)s。") % {"scopes": "、".join(unknown)}
            )
        if self.authorization_grant_type != AbstractApplication.GRANT_AUTHORIZATION_CODE:
            problems.setdefault("authorization_grant_type", []).append(
                _("接入平台只能使用授权码方式（authorization code）。")
            )
        if problems:
            raise ValidationError(problems)


class Subject(models.Model):
    """The `sub` claim of an account: random, stable, never the database id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="oidc_subject",
    )
    sub = models.CharField(_("用户标识（sub）"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("用户标识")
        verbose_name_plural = _("用户标识")

    def __str__(self) -> str:
        return self.sub


class Consent(BaseModel):
    """Remembered consent: later authorizations for these scopes skip the consent screen."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="oidc_consents",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("接入平台"), on_delete=models.CASCADE, related_name="consents"
    )
    scopes = models.JSONField(_("已同意的范围"), default=list)
    legal_person = models.ForeignKey(
        "identity.LegalPerson",
        verbose_name=_("代办企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("同意时选择的代办企业（tongban.enterprise 范围）。"),
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("授权同意")
        verbose_name_plural = _("授权同意")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="oidc_consent_user_client")
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.user_id}"


class RpSession(BaseModel):
    """A sign-in at one client through one of our browser sessions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="oidc_rp_sessions",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("接入平台"), on_delete=models.CASCADE, related_name="rp_sessions"
    )
    sid = models.CharField(_("会话标识（sid）"), max_length=64, db_index=True)
    # SM3 of the Django session key (as identity.UserSession keeps it): enough to find the
    # sign-ins a logout ends, useless to anyone who reads the table.
    session_digest = models.CharField(max_length=64, db_index=True, blank=True)
    amr = models.JSONField(_("认证方式"), default=list, blank=True)
    issuer = models.CharField(_("签发者"), max_length=255)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("单点登录会话")
        verbose_name_plural = _("单点登录会话")
        indexes = [models.Index(fields=["user", "ended_at"], name="oidc_rpsession_user_open")]

    def __str__(self) -> str:
        return f"{self.client} · {self.sid}"


class GrantSession(models.Model):
    """Which sign-in an authorization code belongs to (deleted with the code)."""

    grant = models.OneToOneField(
        oauth2_settings.GRANT_MODEL, on_delete=models.CASCADE, related_name="tongban_session"
    )
    rp_session = models.ForeignKey(RpSession, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"grant {self.grant_id} · {self.rp_session_id}"


class TokenFamily(models.Model):
    """Which sign-in a refresh-token family (DOT's RefreshToken.token_family) belongs to."""

    token_family = models.UUIDField(unique=True)
    rp_session = models.ForeignKey(
        RpSession, on_delete=models.CASCADE, related_name="token_families"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.token_family)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("等待重试")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("放弃发送")


class BackchannelDelivery(BaseModel):
    """One logout token for one client. The token is signed afresh at each attempt (it expires
    after two minutes); the jti stays, so a client that did receive an earlier attempt can tell."""

    client = models.ForeignKey(
        Client,
        verbose_name=_("接入平台"),
        on_delete=models.CASCADE,
        related_name="backchannel_deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("用户标识（sub）"), max_length=64)
    sid = models.CharField(_("会话标识（sid）"), max_length=64, blank=True)
    issuer = models.CharField(_("签发者"), max_length=255)
    jti = models.UUIDField(_("令牌编号（jti）"), default=uuid.uuid4, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台注销通知")
        verbose_name_plural = _("后台注销通知")

    def __str__(self) -> str:
        return f"{self.client} · {self.jti}"
