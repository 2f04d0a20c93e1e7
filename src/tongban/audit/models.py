from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change, append-only. `entry_hash` = SM3(previous hash + canonical content), so
    editing or deleting any row breaks the chain at that row (`manage audit verify`).

    `actor` keeps the id of a deleted user on purpose (DO_NOTHING, no database constraint): the
    id is part of the hashed content, so SET_NULL would rewrite history and break the chain;
    `actor_label` keeps the username readable after the account is gone."""

    sequence = models.PositiveBigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    action = models.CharField(_("动作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象标识"), max_length=100, db_index=True)
    summary = models.JSONField(_("变更摘要"), default=dict)
    reason = models.CharField(_("事由"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    previous_hash = models.CharField(_("上一条哈希"), max_length=64)
    entry_hash = models.CharField(_("本条哈希"), max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row every writer locks to append: serialises the chain on every database.
    It also records where the chain ends, so deleting the newest entries is detected."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.sequence}"
