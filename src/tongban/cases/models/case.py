"""The case (办件) and its materials."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.codes import CaseKind
from tongban.core.fields import EncryptedCharField
from tongban.core.models import BaseModel


class CaseStatus(models.TextChoices):
    """The stages of standards.md §3.2. A bundle parent uses IN_PROGRESS while its members run."""

    DRAFT = "draft", _("暂存")
    SUBMITTED = "submitted", _("已提交待受理")
    CORRECTION = "correction", _("待补正")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    IN_PROGRESS = "in_progress", _("办理中")
    SUSPENDED = "suspended", _("特别程序中")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    COMPLETED = "completed", _("已办结")
    DELIVERED = "delivered", _("已送达")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.CORRECTION,
    CaseStatus.IN_PROGRESS,
    CaseStatus.SUSPENDED,
    CaseStatus.APPROVED,
    CaseStatus.DENIED,
)
# The clock runs (counts toward the deadline) only in these.
CLOCK_RUNNING = (CaseStatus.IN_PROGRESS, CaseStatus.APPROVED, CaseStatus.DENIED)
FINAL_STATUSES = (
    CaseStatus.NOT_ACCEPTED,
    CaseStatus.COMPLETED,
    CaseStatus.DELIVERED,
    CaseStatus.WITHDRAWN,
)


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人")


class Channel(models.TextChoices):
    """申报来源 (= 办理形式, GB/T 39046 A.5) with the platform's own channel names."""

    ONLINE = "online", _("网上申请（电脑端）")
    MOBILE = "mobile", _("移动端申请")
    WINDOW = "window", _("窗口申请")
    KIOSK = "kiosk", _("自助终端")
    POST = "post", _("快递申请")
    API = "api", _("接口申请")

    @classmethod
    def handling_form(cls, value: str) -> str:
        return {"online": "2", "mobile": "3", "window": "1", "post": "4"}.get(value, "9")


class CaseKindChoice(models.TextChoices):
    SINGLE = "single", _("单事项办件")
    BUNDLE = "bundle", _("一件事（主件）")


class CrossRegionMode(models.TextChoices):
    NONE = "", _("本地办理")
    ONLINE = "online", _("全程网办")
    PROXY = "proxy", _("异地代收代办")
    JOINT = "joint", _("多地联办")


class ClockState(models.TextChoices):
    """Computed, never stored (selectors annotate it): 绿灯 / 黄灯 / 红灯."""

    NOT_STARTED = "not_started", _("未计时")
    ON_TIME = "on_time", _("正常")
    WARNING = "warning", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    PAUSED = "paused", _("暂停计时")
    STOPPED = "stopped", _("已结束")


class CaseSequence(models.Model):
    """The last number handed out per handling region and day (the 办件编号 sequence); rows are
    incremented under a lock, never read-check-written."""

    region_code = models.CharField(max_length=12)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["region_code", "day"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "day"], name="case_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_code}-{self.day:%Y%m%d}:{self.last}"


class Case(BaseModel):
    """One application (办件) and its handling. `number` is the public 办件编号
    (handling region + submission date + sequence, e.g. 510104-20261122-000017); drafts carry a
    temporary "D-…" number until submission."""

    number = models.CharField(_("办件编号"), max_length=40, unique=True)
    kind = models.CharField(
        _("办件形态"), max_length=8, choices=CaseKindChoice.choices, default=CaseKindChoice.SINGLE
    )
    # --- what was applied for, exactly as it stood (the guide version pins form and workflow) ---
    item = models.ForeignKey(
        "catalog.ImplementationItem",
        verbose_name=_("实施清单事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    guide_version = models.ForeignKey(
        "catalog.GuideVersion",
        verbose_name=_("办事指南版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    guide_digest = models.CharField(_("指南内容摘要(SM3)"), max_length=64, blank=True)
    item_code = models.CharField(_("实施编码"), max_length=31, blank=True, db_index=True)
    item_name = models.CharField(_("事项名称"), max_length=200)
    case_kind = models.CharField(
        _("办件类型"), max_length=1, choices=CaseKind.choices, default=CaseKind.PROMISED
    )
    bundle = models.ForeignKey(
        "catalog.Bundle",
        verbose_name=_("一件事"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("一件事主件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="members",
    )
    bundle_stage = models.PositiveSmallIntegerField(_("一件事阶段"), default=0)
    # --- who applies ---
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_kind = models.CharField(
        _("申请人类型"), max_length=12, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    legal_person = models.ForeignKey(
        "identity.LegalPerson",
        verbose_name=_("申请法人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_name = models.CharField(_("申请人名称"), max_length=200)
    applicant_id_type = models.CharField(
        _("申请人证件类型代码"), max_length=3, default="111", help_text=_("111 身份证；001 USCC")
    )
    applicant_id_number = EncryptedCharField(_("申请人证件号码"), blank=True)
    agent_name = models.CharField(_("代理人姓名"), max_length=50, blank=True)
    agent_id_number = EncryptedCharField(_("代理人证件号码"), blank=True)
    contact_phone = EncryptedCharField(_("联系人手机"), blank=True)
    contact_address = EncryptedCharField(_("通讯地址"), blank=True)
    # --- routing: who handles it (办理地) and who received it (收件地, 收受分离) ---
    handling_body = models.ForeignKey(
        "core.ImplementingBody",
        verbose_name=_("办理实施主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("办理部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_region = models.ForeignKey(
        "core.Region", verbose_name=_("办理地区划"), on_delete=models.PROTECT, related_name="+"
    )
    accepting_region = models.ForeignKey(
        "core.Region",
        verbose_name=_("收件地区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("跨省通办/异地代收时的收件窗口所在区划"),
    )
    accepting_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("收件部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cross_region_mode = models.CharField(
        _("跨域办理模式"), max_length=8, choices=CrossRegionMode.choices, blank=True, default=""
    )
    forwarded_at = models.DateTimeField(_("转办理地时间"), null=True, blank=True)
    # --- content ---
    form_data = models.JSONField(_("申请表数据"), default=dict, blank=True)
    channel = models.CharField(
        _("申报渠道"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    delivery_preference = models.CharField(
        _("结果领取方式"), max_length=8, blank=True, help_text=_("online / mail / window")
    )
    # --- state ---
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    current_step = models.CharField(_("当前环节"), max_length=50, blank=True)
    current_step_name = models.CharField(_("当前环节名称"), max_length=200, blank=True)
    current_role = models.CharField(
        _("当前环节岗位"), max_length=32, blank=True, help_text=_("工作台按岗位分队列")
    )
    step_started_at = models.DateTimeField(_("环节开始时间"), null=True, blank=True)
    step_due_date = models.DateField(_("环节到期日"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    version = models.PositiveIntegerField(
        _("版本"), default=1, help_text=_("乐观锁：每次状态变化加一")
    )
    # --- the clock (working days; standards.md §3.3) ---
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    received_on = models.DateField(
        _("收件日期"), null=True, blank=True, help_text=_("补正告知五日期限从此日起算")
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acceptance_document_number = models.CharField(_("受理文书编号"), max_length=60, blank=True)
    deemed_accepted = models.BooleanField(
        _("视为受理"), default=False, help_text=_("五个工作日内未告知补正，自收件之日起视为受理")
    )
    legal_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"), default=0)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("延长时限（工作日）"), default=0)
    paused_days = models.PositiveSmallIntegerField(_("不计时天数（工作日）"), default=0)
    paused_since = models.DateField(_("暂停计时起始日"), null=True, blank=True)
    legal_due_date = models.DateField(_("法定到期日"), null=True, blank=True)
    promised_due_date = models.DateField(_("承诺到期日"), null=True, blank=True)
    is_joint = models.BooleanField(
        _("联合办理"), default=False, help_text=_("45个工作日，可延长15日")
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("终结时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办层级"), default=0)
    # --- service modes ---
    tolerated = models.BooleanField(_("容缺受理"), default=False)
    tolerated_due_date = models.DateField(_("容缺材料补齐期限"), null=True, blank=True)
    commitment = models.BooleanField(_("告知承诺"), default=False)
    commitment_text = models.TextField(_("承诺书内容"), blank=True)
    commitment_signed_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)
    instant = models.BooleanField(_("秒批"), default=False)
    # --- progress query without signing in ---
    verification_digest = models.CharField(_("查询码摘要"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            # Workbench queues: open cases of a department (or a region) by deadline.
            models.Index(
                fields=["handling_department", "status", "promised_due_date"],
                name="case_queue_dept",
            ),
            models.Index(
                fields=["handling_region", "status", "promised_due_date"],
                name="case_queue_region",
            ),
            models.Index(
                fields=["accepting_region", "status", "promised_due_date"],
                name="case_queue_accepting",
            ),
            models.Index(fields=["status", "promised_due_date"], name="case_status_due"),
            # Role queues read in deadline order: a department's (reviewers) or a region's
            # (window clerks, 一窗受理). current_role is empty once a case is closed.
            models.Index(
                fields=["handling_department", "current_role", "promised_due_date"],
                name="case_dept_role_due",
            ),
            models.Index(fields=["current_role", "promised_due_date"], name="case_role_due"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            # "My cases".
            models.Index(fields=["applicant", "-created_at"], name="case_applicant_recent"),
            models.Index(fields=["legal_person", "-created_at"], name="case_company_recent"),
            models.Index(fields=["status", "received_on"], name="case_status_received"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MaterialStatus(models.TextChoices):
    PENDING = "pending", _("待提供")
    PROVIDED = "provided", _("已提供")
    TOLERATED = "tolerated", _("容缺待补")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class SatisfiedBy(models.TextChoices):
    NONE = "", _("未提供")
    UPLOAD = "upload", _("上传电子材料")
    LICENSE = "license", _("电子证照")
    SHARING = "sharing", _("共享数据（免提交）")
    PAPER = "paper", _("窗口收取纸质材料")


class ScanStatus(models.TextChoices):
    NONE = "", _("无文件")
    PENDING = "pending", _("待扫描")
    CLEAN = "clean", _("安全")
    INFECTED = "infected", _("发现病毒")
    SKIPPED = "skipped", _("未配置扫描")


class CaseMaterial(BaseModel):
    """One material of the guide for one case (GB/T 39046 申请材料: 材料名称, 是否收取, 收取方式,
    收取数量, 收取时间, 附件实体). `evidence` holds the cases.sources.MaterialEvidence values when
    an e-license or shared data stands in for the paper."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(_("材料编码"), max_length=200)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要材料"), default=True)
    is_key = models.BooleanField(_("核心材料"), default=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=MaterialStatus.choices, default=MaterialStatus.PENDING
    )
    satisfied_by = models.CharField(
        _("提供方式"), max_length=8, choices=SatisfiedBy.choices, blank=True, default=""
    )
    file_path = models.CharField(_("存储路径"), max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sm3 = models.CharField(_("SM3摘要"), max_length=64, blank=True)
    scan_status = models.CharField(
        _("病毒扫描"), max_length=8, choices=ScanStatus.choices, blank=True, default=""
    )
    evidence = models.JSONField(_("证照/共享数据凭据"), default=dict, blank=True)
    supplied_at = models.DateTimeField(_("收取时间"), null=True, blank=True)
    copies = models.PositiveSmallIntegerField(_("收取数量"), default=0)
    tolerated_due_date = models.DateField(_("容缺补齐期限"), null=True, blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="case_material_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.code}"
