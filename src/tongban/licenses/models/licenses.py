"""Licenses (电子证照), their history and presentations (亮证)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.jsonfields import UnicodeJSONEncoder
from tongban.core.models import BaseModel


class HolderKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


# 持证主体代码类型 (GB/T 36903 as pushed nationally): 111 公民身份号码, 001 统一社会信用代码.
HOLDER_CODE_TYPES = {HolderKind.PERSON: "111", HolderKind.ORGANISATION: "001"}


class LicenseStatus(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")
    SUPERSEDED = "superseded", _("已换证")


class LicenseSource(models.TextChoices):
    MANUAL = "manual", _("人工签发")
    CASE = "case", _("办件结果")
    IMPORT = "import", _("存量导入")
    RENEWAL = "renewal", _("换证")


class LicenseCounter(models.Model):
    """Next serial (流水号) per type, issuer and year, taken with F() under a row lock."""

    license_type = models.ForeignKey(
        "licenses.LicenseType", on_delete=models.CASCADE, related_name="+"
    )
    issuer = models.ForeignKey("core.ImplementingBody", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    next_value = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["license_type", "issuer", "year"], name="licenses_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.license_type_id}/{self.issuer_id}/{self.year}: {self.next_value}"


class License(BaseModel):
    """One electronic license. Identifier per GB/T 36904, metadata per GB/T 36903.

    The signature (by the issuer's key `kid`) covers `signed_bytes()`: the identifier, type,
    issuer, holder, validity and content. Any change to those columns makes verification fail.
    `status` is what the issuer decided (valid, revoked, superseded) or the expiry sweep found;
    selectors also treat a valid license past `valid_until` as expired."""

    identifier = models.CharField(_("电子证照标识"), max_length=120, unique=True)
    serial = models.CharField(_("流水号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    license_type = models.ForeignKey(
        "licenses.LicenseType",
        verbose_name=_("证照类型"),
        on_delete=models.PROTECT,
        related_name="licenses",
    )
    number = models.CharField(_("证照编号"), max_length=100, blank=True)
    issuer = models.ForeignKey(
        "core.ImplementingBody",
        verbose_name=_("颁发机构"),
        on_delete=models.PROTECT,
        related_name="licenses",
    )
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    issuer_name = models.CharField(_("颁发机构名称"), max_length=200)
    # Denormalised from the issuer, for scope filters without joins (core.scopes).
    region = models.ForeignKey(
        "core.Region", verbose_name=_("所属管辖属地"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("颁发部门"), on_delete=models.PROTECT, related_name="+"
    )
    holder_kind = models.CharField(_("持证主体类型"), max_length=16, choices=HolderKind.choices)
    holder_key = EncryptedCharField(_("持证主体代码"), blind_index_field="holder_key_index")
    holder_key_index = models.CharField(max_length=64, db_index=True, editable=False)
    holder_name = models.CharField(_("持证主体"), max_length=200)
    content = models.JSONField(_("证照内容"), default=dict, encoder=UnicodeJSONEncoder)
    issued_on = models.DateField(_("颁发日期"))
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.VALID
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    status_reason = models.CharField(_("状态变更原因"), max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("所换旧证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    source = models.CharField(_("来源"), max_length=8, choices=LicenseSource.choices)
    case_number = models.CharField(_("办件编号"), max_length=64, blank=True)
    algorithm = models.CharField(_("签名算法"), max_length=16)
    kid = models.CharField(_("签名密钥标识"), max_length=16)
    signature = models.TextField(_("签名（Base64）"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_job = models.ForeignKey(
        "licenses.ImportJob",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licenses",
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        indexes = [
            models.Index(fields=["holder_key_index", "license_type"], name="licenses_holder_type"),
            models.Index(fields=["region", "department"], name="licenses_scope"),
            models.Index(fields=["status", "valid_until"], name="licenses_status_until"),
        ]

    def __str__(self) -> str:
        return self.identifier


class LicenseEventKind(models.TextChoices):
    ISSUED = "issued", _("签发")
    RENEWED = "renewed", _("换证")
    SUPERSEDED = "superseded", _("被新证替代")
    REVOKED = "revoked", _("撤销")
    EXPIRED = "expired", _("到期")


class LicenseEvent(models.Model):
    """The history of a license (who did what when); append-only."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=LicenseEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["license_id", "at", "id"]
        verbose_name = _("证照事件")
        verbose_name_plural = _("证照事件")

    def __str__(self) -> str:
        return f"{self.license_id} {self.kind}"


class Presentation(BaseModel):
    """An online presentation (在线亮证): a short-lived token bound to one holder and license.
    Only the SM3 digest of the token is stored; the QR shows the token itself."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="presentations")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    disclosed_fields = models.JSONField(_("出示字段"), default=list)
    expires_at = models.DateTimeField(_("失效时间"))
    resolved_count = models.PositiveIntegerField(_("核验次数"), default=0)
    last_resolved_at = models.DateTimeField(_("最近核验时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("亮证记录")
        verbose_name_plural = _("亮证记录")
