"""Tables of the sharing app (数据共享交换).

- DataResource / DataField: the government information resource catalog (政务信息资源目录) with
  the national core metadata (provider, fields with sensitivity, share/open attributes, update
  cycle, format, legal basis); base registries are resources with `base_registry` set.
- DataRecord: the records a resource serves through the exchange (the platform's front-end
  store, 前置库), keyed by a blind index of the look-up key, payload SM4-encrypted.
- SharingRequest → Grant: 供需对接; a grant binds one consumer app to one resource, some fields,
  a purpose and a period.
- ConsumerApp / AppSecret / AppToken: the consumer systems and their OAuth 2.0 client
  credentials (RFC 6749 §4.4); secrets and tokens are stored as SM3 digests only.
- ExchangeLog: one row per call (also chained in the audit log), what the subject's
  right-to-know page and the provider statistics read.
- MaterialConsent: an applicant's consent to fill one case material from a resource (免提交).
- BulkJob: one dataset exchange (CSV / JSON Lines) with its checkpoint, checksum and row count.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models import BaseModel


class ShareType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NONE = "none", _("不予共享")


class OpenType(models.TextChoices):
    OPEN = "open", _("无条件开放")
    CONDITIONAL = "conditional", _("有条件开放")
    CLOSED = "closed", _("不予开放")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    IRREGULAR = "irregular", _("不定期")


class ResourceFormat(models.TextChoices):
    DATABASE = "database", _("数据库")
    API = "api", _("接口")
    FILE = "file", _("电子文件")


class ResourceCategory(models.TextChoices):
    BASE = "base", _("基础信息资源")
    THEME = "theme", _("主题信息资源")
    DEPARTMENT = "department", _("部门信息资源")


class BaseRegistry(models.TextChoices):
    POPULATION = "population", _("人口基础信息库")
    LEGAL_PERSON = "legal_person", _("法人单位基础信息库")
    LICENSE = "license", _("电子证照库")
    SOCIAL_SECURITY = "social_security", _("社会保障信息库")
    REAL_ESTATE = "real_estate", _("不动产登记信息库")
    CREDIT = "credit", _("社会信用信息库")


class KeyKind(models.TextChoices):
    ID_NUMBER = "id_number", _("公民身份号码")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")
    LICENSE_NUMBER = "license_number", _("证照编号")
    NONE = "none", _("无（整表交换）")


class Verifier(models.TextChoices):
    """A verification service (核验): answers yes or no, returns no data."""

    NONE = "", _("不是核验服务")
    PERSON_NAME_ID = "person_name_id", _("姓名与身份证号一致性核验")
    BUSINESS_LICENCE = "business_licence", _("营业执照有效性核验")
    MARRIAGE = "marriage", _("婚姻登记核验")


class DataType(models.TextChoices):
    STRING = "string", _("字符型")
    INTEGER = "integer", _("整数型")
    NUMBER = "number", _("数值型")
    DATE = "date", _("日期型")
    BOOLEAN = "boolean", _("布尔型")


class Sensitivity(models.TextChoices):
    """Field classes after GB/T 43697-2024 and PIPL §28 (敏感个人信息)."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    PERSONAL = "personal", _("个人信息")
    SENSITIVE = "sensitive", _("敏感个人信息")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤销")


class DataResource(BaseModel):
    code = models.CharField(_("信息资源代码"), max_length=64, unique=True)
    name = models.CharField(_("信息资源名称"), max_length=200)
    summary = models.TextField(_("信息资源摘要"), blank=True)
    provider = models.ForeignKey(
        "core.Department",
        verbose_name=_("信息资源提供方"),
        on_delete=models.PROTECT,
        related_name="data_resources",
    )
    category = models.CharField(
        _("资源分类"), max_length=16, choices=ResourceCategory.choices, default="department"
    )
    base_registry = models.CharField(
        _("基础库"), max_length=20, choices=BaseRegistry.choices, blank=True
    )
    share_type = models.CharField(
        _("共享类型"), max_length=16, choices=ShareType.choices, default=ShareType.CONDITIONAL
    )
    share_condition = models.CharField(_("共享条件"), max_length=500, blank=True)
    open_type = models.CharField(
        _("开放属性"), max_length=16, choices=OpenType.choices, default=OpenType.CLOSED
    )
    update_frequency = models.CharField(
        _("更新周期"),
        max_length=16,
        choices=UpdateFrequency.choices,
        default=UpdateFrequency.DAILY,
    )
    format = models.CharField(
        _("信息资源格式"), max_length=16, choices=ResourceFormat.choices, default="api"
    )
    legal_basis = models.CharField(_("法律依据"), max_length=500)
    key_kind = models.CharField(
        _("查询标识"), max_length=16, choices=KeyKind.choices, default=KeyKind.NONE
    )
    key_field = models.CharField(_("标识信息项"), max_length=64, blank=True)
    verifier = models.CharField(
        _("核验服务"), max_length=24, choices=Verifier.choices, blank=True, default=""
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ResourceStatus.choices, default="published"
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    license = models.CharField(_("开放许可"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("信息资源")
        verbose_name_plural = _("信息资源")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DataField(models.Model):
    """信息项: one column of a resource."""

    resource = models.ForeignKey(
        DataResource, verbose_name=_("信息资源"), on_delete=models.CASCADE, related_name="fields"
    )
    name = models.CharField(_("信息项标识"), max_length=64)
    label = models.CharField(_("信息项名称"), max_length=100)
    data_type = models.CharField(
        _("数据类型"), max_length=16, choices=DataType.choices, default=DataType.STRING
    )
    sensitivity = models.CharField(
        _("敏感级别"), max_length=16, choices=Sensitivity.choices, default=Sensitivity.INTERNAL
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["resource_id", "position", "id"]
        verbose_name = _("信息项")
        verbose_name_plural = _("信息项")
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="sharing_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.name}"


class DataRecord(models.Model):
    """One record a resource serves. `payload` is JSON, SM4-encrypted when the resource has any
    field above 'public' (`encrypted`); `key_index` is the blind index of the look-up key."""

    resource = models.ForeignKey(
        DataResource, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    key_index = models.CharField(max_length=64, blank=True)
    payload = models.TextField()
    encrypted = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("共享数据记录")
        verbose_name_plural = _("共享数据记录")
        indexes = [models.Index(fields=["resource", "key_index"], name="sharing_record_key")]

    def __str__(self) -> str:
        return f"DataRecord:{self.pk}"


class ConsumerApp(BaseModel):
    """A consumer department's system (使用系统) and its OAuth client id."""

    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("使用部门"),
        on_delete=models.PROTECT,
        related_name="sharing_apps",
    )
    name = models.CharField(_("应用系统名称"), max_length=200)
    client_id = models.CharField(_("客户端标识"), max_length=64, unique=True)
    daily_quota = models.PositiveIntegerField(_("每日调用上限"), default=10000)
    rate_per_minute = models.PositiveIntegerField(_("每分钟调用上限"), default=600)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["department_id", "name"]
        verbose_name = _("使用系统")
        verbose_name_plural = _("使用系统")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="sharing_app_unique")
        ]

    def __str__(self) -> str:
        return self.name


class AppSecret(models.Model):
    """A client secret, kept as a salted SM3 digest. Rotation: a new secret is issued and the
    old ones stay valid until `expires_at` (a grace period for the consumer to switch)."""

    app = models.ForeignKey(ConsumerApp, on_delete=models.CASCADE, related_name="secrets")
    secret_hash = models.CharField(max_length=128)
    hint = models.CharField(_("密钥末四位"), max_length=8)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("客户端密钥")
        verbose_name_plural = _("客户端密钥")

    def __str__(self) -> str:
        return f"AppSecret:{self.pk}"


class AppToken(models.Model):
    """An access token from the client-credentials grant; only its SM3 digest is stored."""

    app = models.ForeignKey(ConsumerApp, on_delete=models.CASCADE, related_name="tokens")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")

    def __str__(self) -> str:
        return f"AppToken:{self.pk}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    NEEDS_INFO = "needs_info", _("待补充")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class SharingRequest(BaseModel):
    """供需对接: a consumer department asks for a resource for one of its systems."""

    resource = models.ForeignKey(
        DataResource, verbose_name=_("信息资源"), on_delete=models.PROTECT, related_name="requests"
    )
    consumer = models.ForeignKey(
        "core.Department",
        verbose_name=_("申请部门"),
        on_delete=models.PROTECT,
        related_name="sharing_requests",
    )
    system_name = models.CharField(_("使用系统"), max_length=200)
    purpose = models.CharField(_("用途（应用场景）"), max_length=500)
    legal_basis = models.CharField(_("申请依据"), max_length=500)
    fields = models.JSONField(_("申请信息项"), default=list)
    valid_from = models.DateField(_("使用期限起"))
    valid_until = models.DateField(_("使用期限止"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    approved_fields = models.JSONField(_("同意的信息项"), default=list, blank=True)
    reply = models.TextField(_("答复意见"), blank=True)
    supplement = models.TextField(_("补充说明"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    app = models.ForeignKey(
        ConsumerApp,
        verbose_name=_("使用系统"),
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")

    def __str__(self) -> str:
        return f"SharingRequest:{self.pk}"


class Grant(BaseModel):
    """What one app may read from one resource, for what purpose, until when."""

    request = models.OneToOneField(
        SharingRequest, on_delete=models.PROTECT, related_name="grant", null=True, blank=True
    )
    app = models.ForeignKey(ConsumerApp, on_delete=models.PROTECT, related_name="grants")
    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="grants")
    fields = models.JSONField(_("授权信息项"), default=list)
    purpose = models.CharField(_("用途"), max_length=500)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"))
    revoked_at = models.DateTimeField(_("终止时间"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        indexes = [models.Index(fields=["app", "resource"], name="sharing_grant_app_res")]

    def __str__(self) -> str:
        return f"Grant:{self.pk}"


class Operation(models.TextChoices):
    LOOKUP = "lookup", _("数据查询")
    VERIFY = "verify", _("数据核验")
    BULK = "bulk", _("批量交换")
    MATERIAL = "material", _("免提交材料")
    DOWNLOAD = "download", _("开放数据下载")


class CallResult(models.TextChoices):
    OK = "ok", _("成功")
    NOT_FOUND = "not_found", _("无记录")
    MATCH = "match", _("一致")
    MISMATCH = "mismatch", _("不一致")
    REFUSED = "refused", _("拒绝")


class ExchangeLog(models.Model):
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    app = models.ForeignKey(
        ConsumerApp, on_delete=models.PROTECT, related_name="logs", null=True, blank=True
    )
    consumer = models.ForeignKey(
        "core.Department",
        verbose_name=_("使用部门"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    consumer_label = models.CharField(_("使用方"), max_length=200)
    resource = models.ForeignKey(
        DataResource, on_delete=models.PROTECT, related_name="logs", null=True, blank=True
    )
    operation = models.CharField(_("操作"), max_length=16, choices=Operation.choices)
    purpose = models.CharField(_("用途"), max_length=500, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    subject_index = models.CharField(max_length=64, blank=True)
    subject_masked = models.CharField(_("对象"), max_length=40, blank=True)
    fields = models.JSONField(_("信息项"), default=list)
    result = models.CharField(_("结果"), max_length=16, choices=CallResult.choices)
    refusal_code = models.CharField(max_length=40, blank=True)
    records = models.PositiveIntegerField(_("记录数"), default=0)
    bytes = models.PositiveBigIntegerField(_("字节数"), default=0)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("交换日志")
        verbose_name_plural = _("交换日志")
        indexes = [
            models.Index(fields=["subject_index", "occurred_at"], name="sharing_log_subject"),
            models.Index(fields=["resource", "occurred_at"], name="sharing_log_resource"),
            models.Index(fields=["app", "occurred_at"], name="sharing_log_app"),
        ]

    def __str__(self) -> str:
        return f"ExchangeLog:{self.pk}"


class MaterialConsent(BaseModel):
    """The applicant allowed the case of `case_number` to fill one material from a resource."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sharing_consents"
    )
    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="+")
    case_number = models.CharField(_("办件编号"), max_length=64)
    material_code = models.CharField(_("材料编码"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=500)
    subject_index = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("免提交授权")
        verbose_name_plural = _("免提交授权")

    def __str__(self) -> str:
        return f"MaterialConsent:{self.pk}"


class BulkFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    JSONL = "jsonl", _("JSON Lines")


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DELIVERED = "delivered", _("已送达，待校验")
    VERIFIED = "verified", _("已校验")
    FAILED = "failed", _("失败")


class BulkSchedule(models.TextChoices):
    ONCE = "once", _("一次性")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")


class BulkJob(BaseModel):
    """One dataset exchange from a provider to a consumer department."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="bulk_jobs")
    grant = models.ForeignKey(
        Grant, on_delete=models.PROTECT, related_name="bulk_jobs", null=True, blank=True
    )
    consumer = models.ForeignKey(
        "core.Department", verbose_name=_("接收部门"), on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(_("格式"), max_length=8, choices=BulkFormat.choices)
    schedule = models.CharField(
        _("周期"), max_length=8, choices=BulkSchedule.choices, default=BulkSchedule.ONCE
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=BulkStatus.choices, default=BulkStatus.QUEUED
    )
    fields = models.JSONField(_("信息项"), default=list)
    total_rows = models.PositiveBigIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveBigIntegerField(_("已导出行数"), default=0)
    last_record_id = models.PositiveBigIntegerField(default=0)
    checkpoint_offset = models.PositiveBigIntegerField(default=0)
    checksum = models.CharField(_("SM3 校验值"), max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("批量交换任务")
        verbose_name_plural = _("批量交换任务")

    def __str__(self) -> str:
        return f"BulkJob:{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == BulkStatus.VERIFIED else 0
        return min(100, int(self.rows_done * 100 / self.total_rows))
