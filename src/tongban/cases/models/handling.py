"""What happens to a case: its history (the GB/T 39046 stage data sets), corrections, special
procedures, extensions, the decision, delivery, supervision and follow-up checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import SpecialProcedureKind
from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class EventStage(models.TextChoices):
    """Which GB/T 39046 data set an event reports to (standards.md §3.1)."""

    APPLY = "apply", _("办事申请")
    ACCEPT = "accept", _("事项受理")
    PROCESS = "process", _("事项办理")
    SPECIAL = "special", _("特别程序")
    RESULT = "result", _("事项办结")
    DELIVERY = "delivery", _("物流送达")
    SUPERVISION = "supervision", _("电子监察")


class BusinessAction(models.TextChoices):
    """业务动作 of 事项办理 (T7)."""

    PASS = "1", _("通过")
    RETURN = "2", _("退回")
    OTHER = "9", _("其他")


class CaseEvent(models.Model):
    """One transition, append-only: who did what, when, from which status to which, with the
    opinion, legal basis and documents the national data sets ask for."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="events", verbose_name=_("办件")
    )
    sequence = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("动作"), max_length=50, help_text=_("如 case.accept"))
    action_label = models.CharField(_("动作名称"), max_length=100)
    stage = models.CharField(_("数据集"), max_length=12, choices=EventStage.choices)
    business_action = models.CharField(
        _("业务动作"), max_length=1, choices=BusinessAction.choices, default=BusinessAction.OTHER
    )
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("处理人姓名"), max_length=100, blank=True)
    actor_unit_name = models.CharField(_("处理单位"), max_length=200, blank=True)
    actor_unit_code = models.CharField(_("处理单位统一社会信用代码"), max_length=18, blank=True)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    step_key = models.CharField(_("环节标识"), max_length=50, blank=True)
    step_name = models.CharField(_("环节名称"), max_length=200, blank=True)
    step_started_at = models.DateTimeField(_("环节开始时间"), null=True, blank=True)
    opinion = models.TextField(_("处理意见"), blank=True)
    legal_basis = models.TextField(_("法律依据"), blank=True)
    document_number = models.CharField(_("文书编号"), max_length=60, blank=True)
    documents = models.JSONField(_("文书"), default=list, blank=True)
    data = models.JSONField(_("其他数据"), default=dict, blank=True)
    visible_to_applicant = models.BooleanField(_("申请人可见"), default=True)

    class Meta:
        ordering = ["case_id", "sequence"]
        verbose_name = _("办件过程")
        verbose_name_plural = _("办件过程")
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="case_event_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.sequence} {self.action}"


class Correction(BaseModel):
    """补正告知: the complete list of what to fix, notified once (一次性告知)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="corrections")
    items = models.JSONField(
        _("补正清单"), default=list, help_text=_('[{"code", "name", "reason"}] 材料或表单字段')
    )
    note = models.TextField(_("补正说明"), blank=True)
    legal_basis = models.TextField(_("依据"), blank=True)
    notified_at = models.DateTimeField(_("告知时间"))
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(_("补正期限"))
    after_acceptance = models.BooleanField(
        _("受理后补正"), default=False, help_text=_("受理后补正期间暂停计时")
    )
    resolved_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)

    class Meta:
        ordering = ["case_id", "-notified_at"]
        verbose_name = _("补正告知")
        verbose_name_plural = _("补正告知")

    def __str__(self) -> str:
        return f"{self.case_id} 补正 {self.notified_at:%Y-%m-%d}"


class SuspensionReason(models.TextChoices):
    """特别程序 whose time is not counted (行政许可法 §45)."""

    HEARING = "hearing", _("听证")
    TENDER = "tender", _("招标")
    AUCTION = "auction", _("拍卖")
    INSPECTION = "inspection", _("检验")
    TESTING = "testing", _("检测")
    QUARANTINE = "quarantine", _("检疫")
    APPRAISAL = "appraisal", _("鉴定")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    PUBLICITY = "publicity", _("公示")
    ONSITE_CHECK = "onsite_check", _("实地核查")
    CORRECTION = "correction", _("受理后补正")


class Suspension(BaseModel):
    """A special procedure (特别程序) during which the clock stops."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(
        _("特别程序种类代码"),
        max_length=1,
        choices=SpecialProcedureKind.choices,
        default=SpecialProcedureKind.OTHER,
    )
    reason_kind = models.CharField(
        _("特别程序类型"), max_length=16, choices=SuspensionReason.choices
    )
    reason = models.TextField(_("启动理由或依据"))
    started_at = models.DateTimeField(_("开始时间"))
    start_date = models.DateField(_("开始日期"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("特别程序结果"), blank=True)
    days_not_counted = models.PositiveSmallIntegerField(_("不计时工作日"), default=0)

    class Meta:
        ordering = ["case_id", "started_at"]
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_reason_kind_display()}"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Extension(BaseModel):
    """延长审批 (特别程序种类 1): +10 working days (+15 for joint handling) with the approval of
    the agency head; the reason is told to the applicant."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.TextField(_("延长理由"))
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["case_id", "created_at"]
        verbose_name = _("延长审批")
        verbose_name_plural = _("延长审批")

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", _("准予许可")
    DENY = "deny", _("不予许可")


class Decision(BaseModel):
    """准予 / 不予 decision with its document; a denial states its reasons and the applicant's
    right to administrative reconsideration or litigation."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("决定"), max_length=8, choices=DecisionOutcome.choices)
    document_number = models.CharField(_("决定文书编号"), max_length=60)
    text = models.TextField(_("决定内容"))
    reason = models.TextField(_("理由"), blank=True)
    legal_basis = models.TextField(_("法律依据"), blank=True)
    remedy_notice = models.TextField(_("救济途径告知"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"))
    automatic = models.BooleanField(_("系统自动决定（秒批）"), default=False)
    rule = models.ForeignKey(
        "cases.InstantRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_trace = models.JSONField(_("规则判定记录"), default=list, blank=True)
    overridden_at = models.DateTimeField(_("人工改判时间"), null=True, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_name = models.CharField(_("结果证照名称"), max_length=200, blank=True)
    result_reference = models.CharField(_("结果证照编号"), max_length=100, blank=True)
    result_url = models.CharField(_("结果链接"), max_length=300, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome} {self.document_number}"


class DeliveryMethod(models.TextChoices):
    ONLINE = "online", _("网上送达（电子证照）")
    MAIL = "mail", _("邮寄送达")
    WINDOW = "window", _("窗口领取")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待送达")
    SENT = "sent", _("已寄出")
    DELIVERED = "delivered", _("已送达")


class Delivery(BaseModel):
    """制证/送达 (GB/T 39046 物流 T15 for mail)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="deliveries")
    method = models.CharField(_("送达方式"), max_length=8, choices=DeliveryMethod.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    license_reference = models.CharField(_("电子证照标识"), max_length=100, blank=True)
    label = models.CharField(_("送达内容"), max_length=300, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    carrier = models.CharField(_("快递公司"), max_length=50, blank=True)
    tracking_number = models.CharField(_("物流单号"), max_length=50, blank=True)
    recipient_name = models.CharField(_("收件人"), max_length=50, blank=True)
    recipient_phone = EncryptedCharField(_("收件人电话"), blank=True)
    address = EncryptedCharField(_("寄送地址"), blank=True)
    sent_at = models.DateTimeField(_("寄送/发放时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达/领取时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case_id", "created_at"]
        verbose_name = _("送达")
        verbose_name_plural = _("送达")

    def __str__(self) -> str:
        return f"{self.case_id} {self.method}"


class Supervision(BaseModel):
    """电子监察 (T11): a warning or an escalation of an overdue step to the supervising level."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supervisions")
    number = models.CharField(_("监察编号"), max_length=60, unique=True)
    rule_code = models.CharField(_("监察规则编号"), max_length=20)
    alert_type = models.CharField(
        _("监察预警类型"), max_length=1, help_text=_("1 预警（黄灯） 2 超期（红灯）")
    )
    step_key = models.CharField(_("环节"), max_length=50, blank=True)
    content = models.TextField(_("督办内容"))
    level = models.PositiveSmallIntegerField(_("督办层级"), default=1)
    supervised_department = models.ForeignKey(
        "core.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supervising_region = models.ForeignKey(
        "core.Region", verbose_name=_("督办区划"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("督办发出时间"))
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    result = models.TextField(_("监察结果描述"), blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("效能监察")
        verbose_name_plural = _("效能监察")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step_key", "level"], name="supervision_once_per_level"
            )
        ]

    def __str__(self) -> str:
        return self.number


class CheckStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    PASSED = "passed", _("核查属实")
    FAILED = "failed", _("承诺不实")


class CommitmentCheck(BaseModel):
    """告知承诺制 follow-up: the department checks the applicant's written commitment."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="commitment_check"
    )
    due_date = models.DateField(_("核查期限"))
    status = models.CharField(max_length=8, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    result = models.TextField(_("核查结果"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date"]
        verbose_name = _("承诺核查")
        verbose_name_plural = _("承诺核查")

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"
