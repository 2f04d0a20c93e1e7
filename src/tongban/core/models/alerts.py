from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models.base import BaseModel


class AlertSeverity(models.TextChoices):
    WARNING = "warning", _("警告")
    CRITICAL = "critical", _("严重")


class OperatorAlert(BaseModel):
    """Something an operator must act on (e.g. next year's holiday arrangement is missing).
    One open row per key; repeats bump the counter instead of flooding the table."""

    key = models.CharField(_("告警键"), max_length=100, db_index=True)
    severity = models.CharField(_("级别"), max_length=10, choices=AlertSeverity.choices)
    message = models.TextField(_("内容"))
    occurrences = models.PositiveIntegerField(_("次数"), default=1)
    last_seen_at = models.DateTimeField(_("最近发生"), auto_now=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("运维告警")
        verbose_name_plural = _("运维告警")
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_one_open_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.message
