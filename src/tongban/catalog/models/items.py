from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import CaseKind, ExerciseLevel, ItemType
from tongban.core.models import BaseModel


class BasicItem(BaseModel):
    """A matter of the basic catalog (政务服务事项基本目录), keyed by its 12-character basic code
    (基本编码). Sub-items (子项) point at their main item (主项)."""

    code = models.CharField(_("基本编码"), max_length=12, unique=True)
    name = models.CharField(_("事项名称"), max_length=200, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_items",
    )
    item_type = models.CharField(
        _("事项类型"), max_length=2, choices=ItemType.choices, db_index=True
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    competent_department = models.CharField(_("主管部门"), max_length=100, blank=True)
    service_objects = models.JSONField(
        _("服务对象"), default=list, help_text=_("GB/T 39046 A.4 代码列表")
    )
    exercise_levels = models.JSONField(
        _("行使层级"), default=list, help_text=_("GB/T 39046 A.2 代码列表")
    )
    is_active = models.BooleanField(_("有效"), default=True)
    source = models.CharField(
        _("目录来源"), max_length=100, blank=True, help_text=_("如：国家基本目录、四川省地方目录")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("基本目录事项")
        verbose_name_plural = _("基本目录事项")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("未发布")
    ACTIVE = "active", _("在用")
    WITHDRAWN = "withdrawn", _("已取消")


class ImplementationItem(BaseModel):
    """One implementing body's matter (实施清单事项), keyed by the 31-character implementation code
    (实施编码 = the body's credit code + exercise level + basic code), unique nationally.

    The columns after `status` repeat facts of the published guide so lists and filters need no
    JSON parsing; `catalog.services` rewrites them whenever a version is published."""

    code = models.CharField(_("实施编码"), max_length=31, unique=True)
    basic_item = models.ForeignKey(
        BasicItem,
        verbose_name=_("基本目录事项"),
        on_delete=models.PROTECT,
        related_name="implementations",
    )
    body = models.ForeignKey(
        "core.ImplementingBody",
        verbose_name=_("实施主体"),
        on_delete=models.PROTECT,
        related_name="implementation_items",
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    exercise_level = models.CharField(_("行使层级"), max_length=1, choices=ExerciseLevel.choices)
    local_basic_code = models.CharField(_("地方基本编码"), max_length=50, blank=True)
    local_code = models.CharField(_("地方实施编码"), max_length=60, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )
    published_version = models.ForeignKey(
        "catalog.GuideVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Denormalised from the published guide (see class docstring).
    name = models.CharField(_("事项名称"), max_length=200, db_index=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    case_kind = models.CharField(
        _("办件类型"), max_length=1, choices=CaseKind.choices, default=CaseKind.PROMISED
    )
    legal_days = models.PositiveSmallIntegerField(
        _("法定办结时限（工作日）"), null=True, blank=True
    )
    promised_days = models.PositiveSmallIntegerField(
        _("承诺办结时限（工作日）"), null=True, blank=True
    )
    visits = models.PositiveSmallIntegerField(_("到办事现场次数"), null=True, blank=True)
    fully_online = models.BooleanField(_("全程网办"), default=False)
    popularity = models.PositiveIntegerField(
        _("热度"), default=0, help_text=_("近期办件量，用于热门服务排序")
    )

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("实施清单事项")
        verbose_name_plural = _("实施清单事项")
        indexes = [
            models.Index(fields=["status", "region", "name"], name="impl_status_region_name"),
            models.Index(fields=["status", "department"], name="impl_status_department"),
            # The public list of a resident's services (region IN their ancestors, most popular
            # first) walks this index until a page is found; with the region in the index the
            # walk reads no table rows, so it costs the same at 10k and 1M items
            # (bench/catalog_read.py).
            models.Index(fields=["status", "-popularity", "region"], name="impl_status_pop_region"),
            models.Index(fields=["basic_item", "status"], name="impl_basic_status"),
            # The public list filters by level or type and sorts by popularity: without these a
            # filter on 1M rows walks the popularity index row by row (≈200 ms on SQLite).
            models.Index(
                fields=["status", "exercise_level", "-popularity"], name="impl_status_level_pop"
            ),
            models.Index(
                fields=["status", "item_type", "-popularity"], name="impl_status_type_pop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ItemFacet(models.Model):
    """Multi-valued facts of the published guide as rows, so filters by theme, service object,
    online depth or channel use an index instead of scanning JSON."""

    class Kind(models.TextChoices):
        PERSON_THEME = "theme_p", _("自然人主题")
        CORPORATE_THEME = "theme_c", _("法人主题")
        SERVICE_OBJECT = "object", _("服务对象")
        ONLINE_DEPTH = "depth", _("网上办理深度")
        CHANNEL = "channel", _("办理渠道")
        CROSS_REGION = "cross", _("跨域通办")

    item = models.ForeignKey(ImplementationItem, on_delete=models.CASCADE, related_name="facets")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    code = models.CharField(max_length=16)

    class Meta:
        ordering = ["item_id", "kind", "code"]
        verbose_name = _("事项标签")
        verbose_name_plural = _("事项标签")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code", "item"], name="facet_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"
