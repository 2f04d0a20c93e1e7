"""Models of the feedback app: ratings (好差评) with the handling of bad reviews (差评整改),
citizen requests (诉求工单: 12345 hotline calls, web messages, portal complaints and suggestions,
Open311 requests), the hotline knowledge base and Open311 API keys.

One request model serves the 12345 desk and the portal's 投诉建议 on purpose: in practice a web
complaint is a 12345 web message, dispatched and answered by the same workflow and counted in the
same rates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedCharField
from tongban.core.models.base import BaseModel


class ServiceKind(models.TextChoices):
    """What is rated: a case (办件), a visit to a service window (现场服务), a hotline ticket."""

    CASE = "case", _("办件")
    WINDOW = "window", _("窗口服务")
    HOTLINE = "hotline", _("12345热线")


class RatingStage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理环节")
    COMPLETION = "completion", _("办结环节")
    VISIT = "visit", _("现场服务")
    CALLBACK = "callback", _("回访")


class RatingLevel(models.IntegerChoices):
    """GB/T 39046 A.8 满意度代码."""

    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


BAD_LEVELS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class RatingChannel(models.TextChoices):
    """GB/T 39046 Table 9 评价渠道."""

    PC = "pc", _("PC端")
    MOBILE = "mobile", _("移动服务端")
    QRCODE = "qrcode", _("二维码")
    HALL_TABLET = "hall_tablet", _("政务大厅平板电脑")
    HALL_TERMINAL = "hall_terminal", _("政务大厅其他终端")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")


class RatingInvitation(BaseModel):
    """An invitation to rate one service at one stage, created by the service's own app (the cases
    hook, the window clerk, the hotline callback) so that the department, region and handler come
    from the record and not from the person rating. Unique per service and stage: the rating hangs
    on it one-to-one, which is what "one rating per service and stage" means in the database."""

    kind = models.CharField(_("服务类别"), max_length=16, choices=ServiceKind.choices)
    reference = models.CharField(_("服务编号"), max_length=64)
    stage = models.CharField(_("评价环节"), max_length=16, choices=RatingStage.choices)
    title = models.CharField(_("服务名称"), max_length=200)
    item_code = models.CharField(_("实施编码"), max_length=40, blank=True)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受邀评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rating_invitations",
    )
    token = models.CharField(_("评价链接令牌"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("评价截止时间"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference", "stage"], name="feedback_invitation_once"
            )
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="fb_invite_dept"),
            models.Index(fields=["region", "created_at"], name="fb_invite_region"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference}:{self.stage}"


class Rating(BaseModel):
    """One evaluation (评价数据, GB/T 39046 Table 9). Department, region and kind are copied from
    the invitation so the rates are one scan of this table."""

    invitation = models.OneToOneField(
        RatingInvitation,
        verbose_name=_("评价邀请"),
        on_delete=models.PROTECT,
        related_name="rating",
    )
    kind = models.CharField(_("服务类别"), max_length=16, choices=ServiceKind.choices)
    stage = models.CharField(_("评价环节"), max_length=16, choices=RatingStage.choices)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("满意度"), choices=RatingLevel.choices)
    reasons = models.JSONField(_("评价标签"), default=list, blank=True)
    comment = models.TextField(_("文字评价"), blank=True)
    channel = models.CharField(_("评价渠道"), max_length=16, choices=RatingChannel.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ratings",
    )
    is_real_name = models.BooleanField(_("实名评价"), default=False)
    is_bad = models.BooleanField(_("差评"), default=False)
    editable_until = models.DateTimeField(_("可修改截止"))
    edit_count = models.PositiveSmallIntegerField(_("修改次数"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="feedback_rating_level"
            )
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="fb_rating_dept"),
            models.Index(fields=["region", "created_at"], name="fb_rating_region"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}:{self.level}"


class BadReviewStatus(models.TextChoices):
    VERIFYING = "verifying", _("待核实")
    HANDLING = "handling", _("整改中")
    REPLIED = "replied", _("已答复，待回访")
    CLOSED = "closed", _("已办结")


class BadReviewOutcome(models.TextChoices):
    RECTIFY = "rectify", _("情况属实，整改")
    EXPLAIN = "explain", _("缺乏依据，解释说明")
    INVALID = "invalid", _("申诉复核：误评或恶意差评")


class BadReview(BaseModel):
    """The handling of one bad review (差评整改): verify → rectify or explain → reply → revisit,
    with working-day deadlines configured per province (settings.TONGBAN_FEEDBACK)."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="bad_review"
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=BadReviewStatus.choices,
        default=BadReviewStatus.VERIFYING,
    )
    must_follow_up = models.BooleanField(_("须回访（实名差评）"), default=False)
    verification = models.TextField(_("核实情况"), blank=True)
    outcome = models.CharField(
        _("处置方式"), max_length=16, choices=BadReviewOutcome.choices, blank=True
    )
    measures = models.TextField(_("整改措施或解释说明"), blank=True)
    reply = models.TextField(_("答复评价人"), blank=True)
    due_on = models.DateField(_("整改答复期限"))
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按期答复"), null=True, blank=True)
    revisit_due_on = models.DateField(_("回访期限"), null=True, blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    revisit_level = models.PositiveSmallIntegerField(
        _("回访满意度"), choices=RatingLevel.choices, null=True, blank=True
    )
    revisit_note = models.TextField(_("回访记录"), blank=True)
    escalated_at = models.DateTimeField(_("升级督办时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "core.Region",
        verbose_name=_("督办层级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["due_on", "-created_at"]
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        indexes = [
            models.Index(fields=["department", "status"], name="fb_bad_dept_status"),
            models.Index(fields=["status", "due_on"], name="fb_bad_status_due"),
        ]

    def __str__(self) -> str:
        return f"bad:{self.rating_id}"


class TicketType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网上留言")
    PORTAL = "portal", _("政务服务网投诉建议")
    RATING = "rating", _("评价页面")
    OPEN311 = "open311", _("Open311 接口")
    SMS = "sms", _("短信")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class TicketStatus(models.TextChoices):
    NEW = "new", _("待受理")
    DISPATCHED = "dispatched", _("办理中")
    RETURNED = "returned", _("已退单，待改派")
    REPLIED = "replied", _("已答复，待回访")
    CLOSED = "closed", _("已办结")


OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.DISPATCHED, TicketStatus.RETURNED)


class Ticket(BaseModel):
    """A request (诉求工单) from a citizen or enterprise: a 12345 call, a web message, a portal
    complaint or suggestion, an Open311 request (GB/T 39046 Table 10)."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    type = models.CharField(_("诉求类型"), max_length=16, choices=TicketType.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=TicketChannel.choices)
    category = models.CharField(_("诉求分类"), max_length=50, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    region = models.ForeignKey(
        "core.Region", verbose_name=_("诉求发生地"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("详细地址"), max_length=300, blank=True)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("诉求人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback_tickets",
    )
    caller_name = EncryptedCharField(_("诉求人姓名"), blank=True)
    caller_phone = EncryptedCharField(
        _("联系电话"), blank=True, blind_index_field="caller_phone_index"
    )
    caller_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    item_code = models.CharField(_("涉及事项实施编码"), max_length=40, blank=True)
    target_kind = models.CharField(
        _("涉及服务类别"), max_length=16, choices=ServiceKind.choices, blank=True
    )
    target_reference = models.CharField(_("涉及服务编号"), max_length=64, blank=True)
    reported_department = models.ForeignKey(
        "core.Department",
        verbose_name=_("被投诉/举报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理话务员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    knowledge = models.ForeignKey(
        "feedback.KnowledgeEntry",
        verbose_name=_("答复所用知识"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_directly = models.BooleanField(_("直接答复"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    dispatch_count = models.PositiveSmallIntegerField(_("派单次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    supervision_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_level = models.PositiveSmallIntegerField(
        _("回访满意度"), choices=RatingLevel.choices, null=True, blank=True
    )
    supplements = models.JSONField(_("补充材料"), default=list, blank=True)
    reopened_at = models.DateTimeField(_("重新办理时间"), null=True, blank=True)
    open311_key = models.ForeignKey(
        "feedback.Open311Key",
        verbose_name=_("Open311 应用"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        indexes = [
            models.Index(fields=["department", "created_at"], name="fb_ticket_dept"),
            models.Index(fields=["region", "created_at"], name="fb_ticket_region"),
            models.Index(fields=["status", "due_at"], name="fb_ticket_status_due"),
            models.Index(fields=["caller_phone_index", "created_at"], name="fb_ticket_caller"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES


# How each step of a ticket reads to the person who made the request (portal page and API).
PUBLIC_EVENT_LABELS = {
    "created": _("已受理"),
    "dispatched": _("已转交承办单位办理"),
    "answered": _("已答复"),
    "replied": _("承办单位已答复"),
    "supervised": _("12345已督办"),
    "callback": _("已回访"),
    "supplemented": _("您补充了情况"),
    "reopened": _("您申请了重新办理"),
}


class TicketEvent(models.Model):
    """The history of a ticket, shown to the person as "what was done"."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    action = models.CharField(_("环节"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("诉求人可见"), default=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.action}"


class KnowledgeEntry(BaseModel):
    """A question and its answer in the hotline knowledge base (知识库)."""

    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("答复口径"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    category = models.CharField(_("分类"), max_length=50, blank=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("适用区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("提供部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("依据"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    use_count = models.PositiveIntegerField(_("使用次数"), default=0)

    class Meta:
        ordering = ["-use_count", "question"]
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库条目")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "question"], name="feedback_knowledge_unique_question"
            )
        ]

    def __str__(self) -> str:
        return self.question


class Open311Key(BaseModel):
    """An API key issued by an administrator to an Open311 app; only its digest is stored."""

    name = models.CharField(_("应用名称"), max_length=100, unique=True)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
