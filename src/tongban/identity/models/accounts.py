"""Accounts: people (User), legal persons (法人) with their representative, agent grants (经办人
授权) and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("自然人")
    ENTERPRISE = "enterprise", _("法人经办人")
    STAFF = "staff", _("工作人员")


class AssuranceLevel(models.IntegerChoices):
    """How sure the platform is that the account holder is the person named (GB/T 31504 style
    levels as used by the national 政务服务 identity platform)."""

    NONE = 0, _("未认证")
    L1 = 1, _("L1 已注册（手机号已验证）")
    L2 = 2, _("L2 实名认证（人口库核验）")
    L3 = 3, _("L3 实人认证（现场或人脸核验）")


class LegalPerson(BaseModel):
    """A legal person (法人): company, public institution or social organisation."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("登记地"), null=True, blank=True, on_delete=models.PROTECT
    )
    # The account of the legal representative, once they proved it against the 法人库: only
    # this account grants and revokes agents.
    representative = models.ForeignKey(
        "identity.User",
        verbose_name=_("法定代表人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represented_legal_persons",
    )
    verified_at = models.DateTimeField(_("法人库核验时间"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("法人")
        verbose_name_plural = _("法人")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Every account: citizens, enterprise agents (经办人) and staff. Personal data is encrypted at
    rest; the *_index columns hold a keyed blind index for exact look-ups."""

    kind = models.CharField(
        _("账号类型"), max_length=16, choices=AccountKind.choices, default=AccountKind.CITIZEN
    )
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = EncryptedCharField(
        _("公民身份号码"), blank=True, blind_index_field="id_number_index"
    )
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedCharField(_("手机号码"), blank=True, blind_index_field="phone_index")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedCharField(_("通讯地址"), blank=True)
    legal_person = models.ForeignKey(
        LegalPerson,
        verbose_name=_("所属法人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("常住地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assurance_level = models.PositiveSmallIntegerField(
        _("认证等级"), choices=AssuranceLevel.choices, default=AssuranceLevel.NONE
    )
    phone_verified_at = models.DateTimeField(_("手机号验证时间"), null=True, blank=True)
    real_name_verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    in_person_verified_at = models.DateTimeField(_("实人核验时间"), null=True, blank=True)
    in_person_method = models.CharField(_("实人核验方式"), max_length=32, blank=True)
    in_person_verifier = models.ForeignKey(
        "identity.User",
        verbose_name=_("核验人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    in_person_reference = models.CharField(_("核验凭据编号"), max_length=100, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class AgentScope(models.TextChoices):
    """What an agent (经办人) may do for the enterprise."""

    APPLY = "apply", _("在线申办事项")
    CASES = "cases", _("查询办件进度")
    LICENSES = "licenses", _("使用电子证照")


class AgentGrant(BaseModel):
    """The representative authorises an agent to act for the enterprise, for some scopes, until
    a date. Revoked grants stay as the record of who could act when."""

    legal_person = models.ForeignKey(
        LegalPerson, verbose_name=_("法人"), on_delete=models.CASCADE, related_name="agent_grants"
    )
    agent = models.ForeignKey(
        User, verbose_name=_("经办人"), on_delete=models.CASCADE, related_name="agent_grants"
    )
    scopes = models.JSONField(_("授权范围"), default=list)
    valid_until = models.DateTimeField(_("有效期至"))
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授权人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        indexes = [models.Index(fields=["agent", "valid_until"], name="identity_grant_agent")]

    def __str__(self) -> str:
        return f"{self.legal_person_id} → {self.agent_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.valid_until > timezone.now()


class ApiToken(BaseModel):
    """A bearer token for scripts and integrations; only its SM3 digest is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
