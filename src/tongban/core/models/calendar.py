from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models.base import BaseModel


class CalendarYear(BaseModel):
    """An official holiday arrangement (国务院办公厅关于某年部分节假日安排的通知) entered by an
    administrator. Once a year is entered, it replaces the chinese-calendar package for that year."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据文件"), max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One exception to the Monday–Friday rule in an entered year: a holiday on a weekday, or an
    adjusted working day (调休) on a weekend."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(
        _("名称"), max_length=50, blank=True, help_text=_("如：国庆节、调休上班")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日或调休日")
        verbose_name_plural = _("节假日或调休日")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
