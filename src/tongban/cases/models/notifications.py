"""Messages to applicants: a site message (站内信) and its dispatch over SMS / email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models import BaseModel


class Notification(BaseModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_notifications"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_inbox"),
        ]

    def __str__(self) -> str:
        return self.title


class DispatchChannel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class DispatchStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无联系方式")


class NotificationDispatch(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="dispatches"
    )
    channel = models.CharField(max_length=8, choices=DispatchChannel.choices)
    status = models.CharField(
        max_length=8, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification_id", "channel"]
        verbose_name = _("消息发送")
        verbose_name_plural = _("消息发送")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notification_dispatch_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id}:{self.channel}:{self.status}"
