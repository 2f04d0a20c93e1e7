from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.jsonfields import UnicodeJSONEncoder
from tongban.core.models import BaseModel


class GuideStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")
    WITHDRAWN = "withdrawn", _("已撤回")


class GuideVersion(BaseModel):
    """One version of an implementation item's service guide (办事指南), including its application
    form and handling workflow definitions. `content` follows `catalog.guide_schema.GuideContent`.
    A version leaves `draft` only through catalog.services; once published it never changes —
    a change is a new version. `content_digest` (SM3) is fixed at submission and checked later."""

    item = models.ForeignKey(
        "catalog.ImplementationItem",
        verbose_name=_("实施清单事项"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=10, choices=GuideStatus.choices, default=GuideStatus.DRAFT
    )
    content = models.JSONField(_("指南内容"), encoder=UnicodeJSONEncoder)
    content_digest = models.CharField(_("内容摘要(SM3)"), max_length=64, blank=True)
    revision = models.PositiveIntegerField(
        _("草稿修订号"), default=1, help_text=_("防止两人同时编辑互相覆盖")
    )
    change_note = models.CharField(_("变更说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编制人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("停止生效时间"), null=True, blank=True)

    class Meta:
        ordering = ["item_id", "-number"]
        verbose_name = _("办事指南版本")
        verbose_name_plural = _("办事指南版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="guide_version_number_unique"),
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="guide_one_open_draft",
            ),
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="published"), name="guide_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number} {self.get_status_display()}"
