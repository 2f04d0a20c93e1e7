from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import BodyNature
from tongban.core.models.base import BaseModel


class Department(BaseModel):
    """A government department (部门) of one region, e.g. 成都市市场监督管理局."""

    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(_("部门名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    address = models.CharField(_("办公地址"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="department_unique_name_in_region"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ImplementingBody(BaseModel):
    """Implementing body (实施主体): the organization that exercises a matter in its own name."""

    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="bodies"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="bodies"
    )
    name = models.CharField(_("实施主体名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    nature = models.CharField(
        _("实施主体性质"), max_length=1, choices=BodyNature.choices, default=BodyNature.STATUTORY
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("实施主体")
        verbose_name_plural = _("实施主体")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    REVIEWER = "reviewer", _("审核人员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    CATALOG_ADMIN = "catalog_admin", _("事项管理员")
    HOTLINE_OPERATOR = "hotline_operator", _("12345话务员")
    DATA_OFFICER = "data_officer", _("数据专员")
    AUDITOR = "auditor", _("审计员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


class StaffMembership(BaseModel):
    """A staff user's role and data scope (数据范围): a region subtree, optionally one department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=32, choices=StaffRole.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("数据范围（区划）"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("数据范围（部门）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("人员岗位")
        verbose_name_plural = _("人员岗位")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department"],
                name="membership_unique_dept",
                condition=models.Q(department__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                name="membership_unique_region",
                condition=models.Q(department__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_id}"
