from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import ThemeAudience
from tongban.core.models import BaseModel


class Bundle(BaseModel):
    """A bundle (一件事): several matters a person or company handles as one, with the form
    fields and materials asked once. `definition` holds the shared fields and materials and the
    stages (members in one stage are handled in parallel, stages in order)."""

    code = models.CharField(_("一件事编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    audience = models.CharField(_("服务对象"), max_length=10, choices=ThemeAudience.choices)
    summary = models.TextField(_("简介"), blank=True)
    is_national_key = models.BooleanField(_("国家“高效办成一件事”重点事项"), default=False)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示全省通用"),
    )
    promised_days = models.PositiveSmallIntegerField(
        _("整体承诺时限（工作日）"), null=True, blank=True
    )
    definition = models.JSONField(_("共享字段、材料与阶段"), default=dict)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    basic_item = models.ForeignKey(
        "catalog.BasicItem",
        verbose_name=_("成员事项"),
        on_delete=models.PROTECT,
        related_name="bundle_memberships",
    )
    stage = models.PositiveSmallIntegerField(
        _("办理阶段"), default=1, help_text=_("同一阶段的事项并联办理")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["bundle_id", "stage", "id"]
        verbose_name = _("一件事成员事项")
        verbose_name_plural = _("一件事成员事项")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "basic_item"], name="bundle_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.basic_item_id}"
