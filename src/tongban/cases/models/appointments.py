"""预约办: service halls, their window slots and bookings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models import BaseModel


class ServiceHall(BaseModel):
    """A government service hall (政务服务中心/便民服务中心) with windows."""

    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("管理部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=300)
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("政务服务大厅")
        verbose_name_plural = _("政务服务大厅")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="hall_unique_name")]

    def __str__(self) -> str:
        return self.name


class AppointmentSlot(BaseModel):
    """A time window at a hall; `item` empty means any item of the hall."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="slots")
    item = models.ForeignKey(
        "catalog.ImplementationItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(_("日期"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))
    booked = models.PositiveSmallIntegerField(_("已预约人数"), default=0)
    is_open = models.BooleanField(_("开放预约"), default=True)

    class Meta:
        ordering = ["hall_id", "date", "start"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.UniqueConstraint(
                fields=["hall", "item", "date", "start"], name="slot_unique_time"
            ),
        ]
        indexes = [models.Index(fields=["hall", "date"], name="slot_hall_date")]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.date} {self.start:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已到场")
    NO_SHOW = "no_show", _("未到场")


class Appointment(BaseModel):
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appointments"
    )
    item = models.ForeignKey(
        "catalog.ImplementationItem", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(_("预约号"), max_length=20, unique=True)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        constraints = [
            # No double booking: one live booking per person and slot.
            models.UniqueConstraint(
                fields=["user", "slot"],
                condition=models.Q(status="booked"),
                name="appointment_one_per_slot",
            )
        ]

    def __str__(self) -> str:
        return self.code
