from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    """Levels of administrative divisions (行政区划层级); 1–5 match GB/T 39046 A.2 codes 2–6."""

    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


# How many leading characters of a code identify the division at each level. Every code of the
# Ministry of Civil Affairs data starts with its parent's significant prefix (checked on import),
# so "everything under X" is a prefix match on the primary key, with no join.
SIGNIFICANT_DIGITS = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(models.Model):
    """Administrative division (行政区划), GB/T 2260 codes (6 digits) and 统计用区划代码
    for townships (9) and villages (12)."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    prefix = models.CharField(_("代码前缀"), max_length=12, db_index=True)
    full_name = models.CharField(_("全称"), max_length=300)
    is_current = models.BooleanField(
        _("现行区划"),
        default=True,
        help_text=_("已撤销的历史代码仍保留，以便旧身份证号码能查到当时的名称。"),
    )
    valid_until = models.PositiveSmallIntegerField(_("撤销年份"), null=True, blank=True)
    is_generated = models.BooleanField(
        _("演示生成"),
        default=False,
        help_text=_("没有官方数据包提供村级代码，演示数据中的村级区划为生成数据。"),
    )
    source = models.CharField(_("数据来源"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        indexes = [models.Index(fields=["parent", "is_current"], name="region_parent_current")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
