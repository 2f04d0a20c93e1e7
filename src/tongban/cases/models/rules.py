"""Per-item handling settings the guide does not carry: 告知承诺 and 容缺 allowances, joint
handling, and the declarative 秒批 rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models import BaseModel


class ItemCasePolicy(BaseModel):
    """How cases of one implementation item may be handled. Items without a row get the
    defaults (容缺 allowed for non-key materials, no 告知承诺, no 秒批)."""

    item = models.OneToOneField(
        "catalog.ImplementationItem", on_delete=models.CASCADE, related_name="case_policy"
    )
    allows_tolerance = models.BooleanField(_("允许容缺受理"), default=True)
    tolerance_days = models.PositiveSmallIntegerField(_("容缺补齐期限（工作日）"), default=10)
    allows_commitment = models.BooleanField(_("实行告知承诺制"), default=False)
    commitment_template = models.TextField(_("承诺书文本"), blank=True)
    commitment_check_days = models.PositiveSmallIntegerField(
        _("承诺核查期限（工作日）"), default=20
    )
    instant_enabled = models.BooleanField(_("启用秒批"), default=False)
    is_joint = models.BooleanField(_("联合办理（45日）"), default=False)
    correction_days = models.PositiveSmallIntegerField(_("补正期限（工作日）"), default=10)

    class Meta:
        ordering = ["item_id"]
        verbose_name = _("事项办件设置")
        verbose_name_plural = _("事项办件设置")

    def __str__(self) -> str:
        return str(self.item_id)


class InstantRule(BaseModel):
    """A 秒批 rule: when every condition holds the case is approved on submission. Conditions
    are data, shown to reviewers as written:

        [{"field": "age", "op": "gte", "value": 18},
         {"license": "CN-LIC-0001", "op": "present"},
         {"material": "id_card", "op": "verified"}]

    ops: eq ne gt gte lt lte in not_in present absent (fields); present / verified (licenses and
    materials: satisfied by a verified e-license or shared data, not by an upload)."""

    item = models.ForeignKey(
        "catalog.ImplementationItem", on_delete=models.CASCADE, related_name="instant_rules"
    )
    name = models.CharField(_("规则名称"), max_length=200)
    conditions = models.JSONField(_("条件"), default=list)
    decision_text = models.TextField(_("准予决定内容"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item_id", "id"]
        verbose_name = _("秒批规则")
        verbose_name_plural = _("秒批规则")

    def __str__(self) -> str:
        return self.name
