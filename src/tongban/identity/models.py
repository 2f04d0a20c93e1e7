from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class AccountKind(models.TextChoices):
    CITIZEN = "citizen", _("自然人")
    ENTERPRISE = "enterprise", _("法人经办人")
    STAFF = "staff", _("工作人员")


class LegalPerson(BaseModel):
    """A legal person (法人): company, public institution or social organisation."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("登记地"), null=True, blank=True, on_delete=models.PROTECT
    )

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

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


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
