"""The embedded base registries (人口库, 法人库): the default behind the registry adapters
(identity/registries.py) when the platform is not connected to the real ones. Filled by the demo
data and by `manage identity registry import`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class PersonStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    DECEASED = "deceased", _("死亡注销")
    CANCELLED = "cancelled", _("其他注销")


class LegalPersonStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    CANCELLED = "cancelled", _("注销")
    REVOKED = "revoked", _("吊销")


class RegistryPerson(BaseModel):
    """One natural person of the population registry (人口库)."""

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedCharField(_("公民身份号码"), blind_index_field="id_number_index")
    id_number_index = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.NORMAL
    )
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("人口库记录")
        verbose_name_plural = _("人口库记录")

    def __str__(self) -> str:
        return f"RegistryPerson:{self.pk}"


class RegistryLegalPerson(BaseModel):
    """One legal person of the legal-person registry (法人库)."""

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    representative_name = models.CharField(_("法定代表人"), max_length=50)
    representative_id_number = EncryptedCharField(
        _("法定代表人身份证号"), blind_index_field="representative_id_number_index"
    )
    representative_id_number_index = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=LegalPersonStatus.choices,
        default=LegalPersonStatus.ACTIVE,
    )
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        ordering = ["credit_code"]
        verbose_name = _("法人库记录")
        verbose_name_plural = _("法人库记录")

    def __str__(self) -> str:
        return self.credit_code
