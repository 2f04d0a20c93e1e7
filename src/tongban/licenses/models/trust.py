"""Mutual recognition (互信互认): issuers and keys trusted from other platforms' signed trust
lists or from X.509 signer certificates (EU DCC), and revocation lists."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.jsonfields import UnicodeJSONEncoder
from tongban.core.models import BaseModel


class TrustSource(models.TextChoices):
    TRUST_LIST = "trust_list", _("签名信任列表")
    X509 = "x509", _("X.509 签名证书")


class TrustedPlatform(BaseModel):
    """Another platform whose signed trust lists we import. Its list-signing key is pinned at the
    first import; a later list signed by another key is refused."""

    platform_id = models.CharField(_("平台标识"), max_length=100, unique=True)
    name = models.CharField(_("平台名称"), max_length=200)
    algorithm = models.CharField(_("算法"), max_length=16)
    kid = models.CharField(_("签名密钥标识"), max_length=16)
    public_pem = models.TextField(_("签名公钥"))
    last_sequence = models.PositiveIntegerField(_("最新列表序号"), default=0)
    last_imported_at = models.DateTimeField(_("最近导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("互认平台")
        verbose_name_plural = _("互认平台")

    def __str__(self) -> str:
        return self.name


class TrustedIssuer(BaseModel):
    """An issuer of another region, platform or country whose signatures we accept."""

    source = models.CharField(_("来源"), max_length=12, choices=TrustSource.choices)
    platform = models.ForeignKey(
        TrustedPlatform,
        verbose_name=_("来源平台"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="issuers",
    )
    code = models.CharField(_("颁发机构代码"), max_length=100)
    name = models.CharField(_("颁发机构名称"), max_length=300)
    country = models.CharField(_("国家/地区"), max_length=2, default="CN")
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    is_active = models.BooleanField(_("信任"), default=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("互认颁发机构")
        verbose_name_plural = _("互认颁发机构")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "country", "code"], name="licenses_trusted_issuer_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TrustedKey(BaseModel):
    issuer = models.ForeignKey(TrustedIssuer, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(_("密钥标识"), max_length=16, db_index=True)
    algorithm = models.CharField(_("算法"), max_length=16)
    public_pem = models.TextField(_("公钥（PEM）"))
    certificate_pem = models.TextField(_("证书（PEM）"), blank=True)
    not_before = models.DateTimeField(_("生效时间"), null=True, blank=True)
    not_after = models.DateTimeField(_("失效时间"), null=True, blank=True)
    is_active = models.BooleanField(_("信任"), default=True)

    class Meta:
        ordering = ["issuer_id", "kid"]
        verbose_name = _("互认密钥")
        verbose_name_plural = _("互认密钥")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kid"], name="licenses_trusted_key_unique")
        ]


class RevocationEntry(models.Model):
    """A revoked license: ours (written when we revoke) or another platform's (imported)."""

    identifier = models.CharField(_("电子证照标识"), max_length=120)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=100, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    platform = models.ForeignKey(
        TrustedPlatform,
        verbose_name=_("来源平台"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revocations",
    )

    class Meta:
        ordering = ["-revoked_at"]
        verbose_name = _("撤销记录")
        verbose_name_plural = _("撤销记录")
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "platform"], name="licenses_revocation_unique"
            )
        ]

    def __str__(self) -> str:
        return self.identifier


class RevocationList(models.Model):
    """A published, signed revocation list (for offline verifiers)."""

    sequence = models.PositiveIntegerField(_("序号"), unique=True)
    issued_at = models.DateTimeField(_("发布时间"))
    document = models.JSONField(_("签名文档"), encoder=UnicodeJSONEncoder)
    entry_count = models.PositiveIntegerField(_("条目数"))

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("撤销列表")
        verbose_name_plural = _("撤销列表")

    def __str__(self) -> str:
        return f"#{self.sequence}"
