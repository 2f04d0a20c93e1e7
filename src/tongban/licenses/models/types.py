"""The license catalog (证照目录) and the issuers' signing keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import ExerciseLevel
from tongban.core.fields import EncryptedCharField
from tongban.core.jsonfields import UnicodeJSONEncoder
from tongban.core.models import BaseModel


class LicenseType(BaseModel):
    """One kind of license (证照类型), GB/T 36902 catalog information.

    `code` is the platform's own stable code (CN-LIC-…, what guides and materials name);
    `national_code` is the GB/T 36904 证照类型代码: the defining ministry's unified social credit
    code followed by a 3-digit sequence. `fields` lists the structured content of a license of
    this type: [{"key": "name", "label": "名称", "required": true}, …]."""

    code = models.CharField(_("证照类型代码"), max_length=64, unique=True)
    national_code = models.CharField(_("国家证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照类型名称"), max_length=100)
    defining_department = models.CharField(_("证照定义机构"), max_length=100)
    defining_department_code = models.CharField(_("证照定义机构代码"), max_length=18)
    issuing_level = models.CharField(
        _("颁发层级"), max_length=1, choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )
    holder_kind = models.CharField(
        _("持证主体类型"),
        max_length=16,
        choices=[("person", _("自然人")), ("organisation", _("法人或其他组织"))],
    )
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("留空表示长期有效")
    )
    fields = models.JSONField(_("证照字段"), default=list, encoder=UnicodeJSONEncoder)
    replaces_materials = models.JSONField(
        _("可替代的申请材料"), default=list, blank=True, encoder=UnicodeJSONEncoder
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")

    def __str__(self) -> str:
        return self.name

    @property
    def field_keys(self) -> list[str]:
        return [f["key"] for f in self.fields]


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("使用中")
    RETIRED = "retired", _("已轮换（仅用于验证）")


class IssuerKey(BaseModel):
    """A signing key of an issuing body (`body`), or of the platform itself (`body` empty: signs
    trust lists and revocation lists). Rotation retires the old key but keeps it, so licenses
    signed earlier still verify. The private key is SM4-GCM encrypted at rest with the data key
    from the environment (TONGBAN_DATA_KEYS) and never leaves the services that sign."""

    body = models.ForeignKey(
        "core.ImplementingBody",
        verbose_name=_("颁发机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="license_keys",
    )
    algorithm = models.CharField(_("算法"), max_length=16)
    kid = models.CharField(_("密钥标识"), max_length=16, unique=True)
    public_pem = models.TextField(_("公钥（PEM）"))
    private_pem = EncryptedCharField(_("私钥（加密存储）"))
    status = models.CharField(
        _("状态"), max_length=8, choices=KeyStatus.choices, default=KeyStatus.ACTIVE
    )
    retired_at = models.DateTimeField(_("轮换时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["body_id", "-created_at"]
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        constraints = [
            models.UniqueConstraint(
                fields=["body"],
                condition=models.Q(status="active", body__isnull=False),
                name="licenses_one_active_key_per_body",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active", body__isnull=True),
                name="licenses_one_active_platform_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.algorithm})"
