"""Use instead of paper (用证): grants, the access log, and bulk imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.jsonfields import UnicodeJSONEncoder
from tongban.core.models import BaseModel


class UseGrant(BaseModel):
    """The holder authorizes one license for one material of one case (用证授权)."""

    license = models.ForeignKey(
        "licenses.License",
        verbose_name=_("电子证照"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_number = models.CharField(_("办件编号"), max_length=64, db_index=True)
    material_code = models.CharField(_("材料编码"), max_length=64)
    material_name = models.CharField(_("材料名称"), max_length=200)
    purpose = models.CharField(_("用证事由"), max_length=200)
    expires_at = models.DateTimeField(_("授权有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    used_at = models.DateTimeField(_("首次使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("用证授权")
        verbose_name_plural = _("用证授权")


class UseAccess(models.Model):
    """Every read of a license's content by someone other than its holder: who, why (事由),
    which license, when, for which case (standards.md §6.4)."""

    grant = models.ForeignKey(
        UseGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="accesses"
    )
    license = models.ForeignKey(
        "licenses.License", on_delete=models.PROTECT, related_name="accesses"
    )
    identifier = models.CharField(_("电子证照标识"), max_length=120)
    accessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("使用人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessor_label = models.CharField(_("使用单位/人员"), max_length=200)
    purpose = models.CharField(_("用证事由"), max_length=200)
    case_number = models.CharField(_("办件编号"), max_length=64, blank=True)
    accessed_at = models.DateTimeField(_("使用时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")

    def __str__(self) -> str:
        return f"{self.identifier} @ {self.accessed_at:%Y-%m-%d %H:%M}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败（未导入任何数据）")


class ImportJob(BaseModel):
    """A bulk import of a legacy license registry: one file, all rows or none."""

    license_type = models.ForeignKey(
        "licenses.LicenseType",
        verbose_name=_("证照类型"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuer = models.ForeignKey(
        "core.ImplementingBody",
        verbose_name=_("颁发机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filename = models.CharField(_("文件名"), max_length=200)
    data = models.BinaryField(_("文件内容"), blank=True, default=b"")
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    phase = models.CharField(_("阶段"), max_length=50, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("导入证照数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, encoder=UnicodeJSONEncoder)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("证照导入批次")
        verbose_name_plural = _("证照导入批次")

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status != ImportStatus.SUCCEEDED else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))
