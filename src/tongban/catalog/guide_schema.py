"""The structure of a service guide (办事指南): every element of GB/T 39046 Table 4 and the code
tables A.1–A.8 (standards.md §2), plus the application form and handling workflow definitions.

A guide version stores this as JSON; `parse_guide` is the single gate every write passes, and it
answers in Chinese with the path of each problem (e.g. `materials[2].copies`). Reads of stored
content pass `stored=True`: links that predate the link rule are dropped instead of refused."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tongban.core.codes import (
    CaseKind,
    ExerciseLevel,
    HandlingForm,
    ItemType,
    LegalPersonTheme,
    NaturalPersonTheme,
    OnlineDepth,
    ServiceObject,
)
from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.models import StaffRole

# Code sets as frozensets, built once: validators run for every guide of a 100k-item import.
ITEM_TYPES = frozenset(ItemType.values)
EXERCISE_LEVELS = frozenset(ExerciseLevel.values)
CASE_KINDS = frozenset(CaseKind.values)
SERVICE_OBJECTS = frozenset(ServiceObject.values)
PERSON_THEMES = frozenset(NaturalPersonTheme.values)
CORPORATE_THEMES = frozenset(LegalPersonTheme.values)
HANDLING_FORMS = frozenset(HandlingForm.values)
ONLINE_DEPTHS = frozenset(OnlineDepth.values)

Text = Annotated[str, Field(max_length=4000)]
Short = Annotated[str, Field(max_length=200)]

# A link a guide may carry: http(s) with a host, or a path on this site. "//host" and "/\host"
# are other sites to a browser; javascript:, data: and the like are never links.
_WEB_URL = re.compile(
    r"(?:https?://[^\s/?#\\\x00-\x1f\x7f]+|/(?![/\\]))[^\x00-\x1f\x7f]*", re.IGNORECASE
)


def is_web_url(value: str) -> bool:
    """Whether `value` may be shown or exported as a link: http(s)://… or a site path "/…"."""
    return bool(_WEB_URL.fullmatch(value))


def _web_url(value: str, info: ValidationInfo) -> str:
    if not value or is_web_url(value):
        return value
    if info.context and info.context.get("stored"):
        return ""  # stored before links were checked: kept out of every page and export
    raise ValueError(_("请填写以 http:// 或 https:// 开头的网址，或以“/”开头的本站路径。"))


WebUrl = Annotated[Short, AfterValidator(_web_url)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


MATERIAL_FORMS = {"original": "原件", "copy": "复印件", "electronic": "电子材料"}
MATERIAL_SOURCES = {
    "applicant": "申请人自备",
    "government": "政府部门核发",
    "intermediary": "中介机构或法定机构产生",
    "other": "其他",
}
CHANNELS = {
    "online": "全程网办",
    "mobile": "掌上办",
    "kiosk": "自助办",
    "appointment": "预约办",
    "post": "邮寄办",
}
CROSS_REGION_SCOPES = {
    "national": "全国通办",
    "cross_province": "跨省通办",
    "cross_city": "跨市通办",
    "cross_county": "跨县通办",
}
CROSS_REGION_MODES = {"online": "全程网办", "proxy": "异地代收代办", "joint": "多地联办"}
FIELD_TYPES = {
    "text": "单行文本",
    "textarea": "多行文本",
    "number": "数字",
    "date": "日期",
    "select": "单选",
    "multiselect": "多选",
    "checkbox": "是/否",
    "citizen_id": "公民身份号码",
    "credit_code": "统一社会信用代码",
    "phone": "手机号码",
    "email": "电子邮箱",
    "region": "行政区划",
    "address": "地址",
}
WORKFLOW_ACTIONS = {
    "accept": "受理",
    "refuse": "不予受理",
    "request_correction": "补正告知",
    "approve": "通过",
    "reject": "不予许可",
    "return": "退回",
    "forward": "转下一环节",
    "extend": "延长审批",
    "special_procedure": "特别程序",
    "issue": "制证",
    "deliver": "送达",
}


class Material(Strict):
    """申请材料: GB/T 39046 Table 4 items 56–64 and the exchange schema's material fields."""

    code: Short = ""
    name: Short = Field(min_length=1)
    forms: list[Literal["original", "copy", "electronic"]] = Field(min_length=1)
    original_copies: int = Field(default=0, ge=0, le=99)
    copy_copies: int = Field(default=0, ge=0, le=99)
    required: bool = True
    condition: Text = ""
    source: Literal["applicant", "government", "intermediary", "other"]
    issuer: Short = ""
    specification: Short = ""
    notes: Text = ""
    legal_basis: Text = ""
    license_type_code: Short = ""
    data_resource_code: Short = ""
    blank_form_url: WebUrl = ""
    sample_url: WebUrl = ""
    is_key: bool = Field(default=True, description="核心材料：缺少时不得容缺受理")

    @model_validator(mode="after")
    def _consistent(self) -> Material:
        if not self.required and not self.condition:
            raise ValueError(_("非必要材料须写明在什么情形下需要提交（condition）。"))
        if (
            "original" in self.forms
            and self.original_copies == 0
            and "electronic" not in self.forms
        ):
            raise ValueError(_("要求原件时须写明原件份数。"))
        if "copy" in self.forms and self.copy_copies == 0:
            raise ValueError(_("要求复印件时须写明复印件份数。"))
        return self

    @property
    def replaceable(self) -> bool:
        """Whether an e-license or shared data can stand in for the paper (免提交)."""
        return bool(self.license_type_code or self.data_resource_code)


class FeeItem(Strict):
    name: Short = Field(min_length=1)
    standard: Short = Field(min_length=1, description="收费标准，如：每证10元")
    legal_basis: Text = Field(min_length=1)
    reducible: bool = False
    reduction_basis: Text = ""


class Fees(Strict):
    charged: bool = False
    items: list[FeeItem] = []

    @model_validator(mode="after")
    def _consistent(self) -> Fees:
        if self.charged and not self.items:
            raise ValueError(_("收费事项须列出收费项目、标准和依据。"))
        if not self.charged and self.items:
            raise ValueError(_("不收费的事项不应列出收费项目。"))
        return self


class Step(Strict):
    name: Short = Field(min_length=1)
    description: Text = ""
    days: int | None = Field(default=None, ge=0, le=365)


class CrossRegion(Strict):
    scope: Literal["national", "cross_province", "cross_city", "cross_county"]
    modes: list[Literal["online", "proxy", "joint"]] = Field(min_length=1)
    partner_regions: list[str] = []


class Result(Strict):
    name: Short = Field(min_length=1)
    kind: Literal["license", "approval_document", "other"] = "license"
    license_type_code: Short = ""
    sample_url: WebUrl = ""


class FaqEntry(Strict):
    question: Text = Field(min_length=1)
    answer: Text = Field(min_length=1)


class FormField(Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
    label: Short = Field(min_length=1)
    type: str
    required: bool = False
    help_text: Short = ""
    options: list[Short] = []
    pattern: Short = ""
    max_length: int | None = Field(default=None, ge=1, le=4000)
    visible_if: dict[str, Any] | None = Field(
        default=None, description='{"field": "key", "equals": value}'
    )
    prefill: Short = Field(
        default="", description="applicant.name / applicant.id_number / license:<type> …"
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(
                _("未知的字段类型“%(type)s”，可用：%(known)s")
                % {"type": value, "known": "、".join(FIELD_TYPES)}
            )
        return value

    @field_validator("pattern")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(_("校验规则不是有效的正则表达式。")) from exc
        return value

    @model_validator(mode="after")
    def _options(self) -> FormField:
        if self.type in {"select", "multiselect"} and not self.options:
            raise ValueError(_("选择类字段须列出选项。"))
        return self


class FormDefinition(Strict):
    fields: list[FormField] = []

    @model_validator(mode="after")
    def _references(self) -> FormDefinition:
        keys = [f.key for f in self.fields]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ValueError(_("字段标识重复：%(keys)s") % {"keys": "、".join(sorted(duplicates))})
        for f in self.fields:
            if f.visible_if and f.visible_if.get("field") not in keys:
                raise ValueError(
                    _("字段“%(label)s”的显示条件引用了不存在的字段。") % {"label": f.label}
                )
        return self


class WorkflowStep(Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
    name: Short = Field(min_length=1)
    role: str
    actions: list[str] = Field(min_length=1)
    days: int = Field(ge=0, le=365)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in StaffRole.values:
            raise ValueError(_("未知的岗位“%(role)s”。") % {"role": value})
        return value

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
        unknown = [a for a in value if a not in WORKFLOW_ACTIONS]
        if unknown:
            raise ValueError(_("未知的办理动作：%(actions)s") % {"actions": "、".join(unknown)})
        return value


class WorkflowDefinition(Strict):
    steps: list[WorkflowStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> WorkflowDefinition:
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError(_("环节标识重复。"))
        return self

    @property
    def total_days(self) -> int:
        return sum(s.days for s in self.steps)


class GuideContent(Strict):
    """办事指南. Field names are English; the Chinese element each holds is in its description."""

    name: Short = Field(min_length=1, description="事项名称")
    item_type: str = Field(description="事项类型代码 A.1")
    legal_basis: Text = Field(min_length=1, description="设定依据")
    exercise_content: Text = Field(default="", description="行使内容")
    power_division: Text = Field(default="", description="权限划分")
    exercise_level: str = Field(description="行使层级 A.2")
    case_kind: str = Field(description="办件类型 A.6：1 即办件 / 2 承诺件")
    legal_days: int = Field(ge=0, le=3650, description="法定办结时限（工作日）")
    legal_days_note: Text = ""
    promised_days: int = Field(ge=0, le=3650, description="承诺办结时限（工作日）")
    promised_days_note: Text = ""
    acceptance_conditions: list[Text] = Field(min_length=1, description="受理条件")
    materials: list[Material] = []
    steps: list[Step] = Field(min_length=1, description="办理流程")
    fees: Fees = Fees()
    service_objects: list[str] = Field(min_length=1, description="服务对象 A.4")
    person_themes: list[str] = []
    corporate_themes: list[str] = []
    handling_forms: list[str] = Field(min_length=1, description="办理形式 A.5")
    online_depth: list[str] = Field(default=[], description="网上办理深度（多选）")
    online_url: WebUrl = ""
    channels: list[Literal["online", "mobile", "kiosk", "appointment", "post"]] = []
    visits: int = Field(ge=0, le=20, description="到办事现场次数")
    onsite_reason: Text = Field(default="", description="必须现场办理原因说明")
    cross_region: CrossRegion | None = None
    quantity_limit: Text = ""
    intermediary_services: Text = ""
    special_procedures: Text = ""
    result: Result | None = None
    place: Text = Field(min_length=1, description="办理地点")
    hours: Short = Field(min_length=1, description="办理时间")
    consult_phone: Short = Field(min_length=1, description="咨询电话")
    supervise_phone: Short = Field(min_length=1, description="监督投诉电话")
    joint_departments: list[Short] = []
    supports_appointment: bool = False
    supports_online_payment: bool = False
    supports_express: bool = False
    faq: list[FaqEntry] = []
    form: FormDefinition = FormDefinition()
    workflow: WorkflowDefinition

    @field_validator("item_type")
    @classmethod
    def _item_type(cls, v: str) -> str:
        return _in_codes(v, ITEM_TYPES, _lazy("事项类型"))

    @field_validator("exercise_level")
    @classmethod
    def _level(cls, v: str) -> str:
        return _in_codes(v, EXERCISE_LEVELS, _lazy("行使层级"))

    @field_validator("case_kind")
    @classmethod
    def _case_kind(cls, v: str) -> str:
        return _in_codes(v, CASE_KINDS, _lazy("办件类型"))

    @field_validator("service_objects")
    @classmethod
    def _objects(cls, v: list[str]) -> list[str]:
        return [_in_codes(c, SERVICE_OBJECTS, _lazy("服务对象")) for c in v]

    @field_validator("person_themes")
    @classmethod
    def _person_themes(cls, v: list[str]) -> list[str]:
        return [_in_codes(c, PERSON_THEMES, _lazy("自然人主题")) for c in v]

    @field_validator("corporate_themes")
    @classmethod
    def _corporate_themes(cls, v: list[str]) -> list[str]:
        return [_in_codes(c, CORPORATE_THEMES, _lazy("法人主题")) for c in v]

    @field_validator("handling_forms")
    @classmethod
    def _forms(cls, v: list[str]) -> list[str]:
        return [_in_codes(c, HANDLING_FORMS, _lazy("办理形式")) for c in v]

    @field_validator("online_depth")
    @classmethod
    def _depth(cls, v: list[str]) -> list[str]:
        return sorted({_in_codes(c, ONLINE_DEPTHS, _lazy("网上办理深度")) for c in v})

    @model_validator(mode="after")
    def _rules(self) -> GuideContent:
        # 承诺时限 ≤ 法定时限: the promise is a reduction of the legal limit, never an extension.
        if self.promised_days > self.legal_days:
            raise ValueError(
                _("承诺办结时限（%(p)s个工作日）不得超过法定办结时限（%(l)s个工作日）。")
                % {"p": self.promised_days, "l": self.legal_days}
            )
        if self.case_kind == CaseKind.IMMEDIATE and self.promised_days != 0:
            raise ValueError(_("即办件的承诺办结时限应为0个工作日（当场办结）。"))
        if self.case_kind == CaseKind.PROMISED and self.promised_days == 0:
            raise ValueError(_("承诺件须有大于0的承诺办结时限；当场办结的请设为即办件。"))
        if self.visits > 0 and not self.onsite_reason:
            raise ValueError(_("到办事现场次数大于0时，须说明必须现场办理的原因。"))
        if "online" in self.channels and "5" not in self.online_depth:
            raise ValueError(_("标注“全程网办”的事项，网上办理深度须包含“互联网办理”。"))
        if "online" in self.channels and not self.form.fields:
            raise ValueError(_("标注“全程网办”的事项须配置网上申请表单。"))
        if self.workflow.total_days > self.legal_days and self.case_kind == CaseKind.PROMISED:
            raise ValueError(
                _("办理环节时限合计（%(t)s个工作日）超过法定办结时限。")
                % {"t": self.workflow.total_days}
            )
        codes = [m.code for m in self.materials if m.code]
        if len(codes) != len(set(codes)):
            raise ValueError(_("材料编码重复。"))
        return self

    @property
    def fully_online(self) -> bool:
        return "online" in self.channels


def _in_codes(value: str, allowed: frozenset[str], label: Any) -> str:
    if value not in allowed:
        raise ValueError(
            _("%(label)s代码“%(value)s”不在国家代码表中。") % {"label": label, "value": value}
        )
    return value


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "__all__"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "missing":
        return _("此项为必填项。")
    if kind == "extra_forbidden":
        return _("不认识的字段，请检查拼写。")
    if kind in {"too_short", "string_too_short"}:
        return _("此项不能为空。")
    if kind in {"string_too_long", "too_long"}:
        return _("内容过长。")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("请填写整数。")
    if kind in {"greater_than_equal", "less_than_equal"}:
        return _("数值超出允许范围。")
    if kind == "literal_error":
        return _("取值不在允许范围内：%(expected)s") % {"expected": ctx.get("expected", "")}
    if kind in {"bool_parsing", "bool_type"}:
        return _("请填写“是”或“否”。")
    if kind == "string_pattern_mismatch":
        return _("只能使用小写字母、数字和下划线，且以字母开头。")
    return error.get("msg", _("格式不正确。"))


def parse_guide(data: dict[str, Any], *, stored: bool = False) -> GuideContent:
    """Validate a guide; raise ValidationFailed listing every problem with its path.

    `stored=True` is for reading content already saved: a link that is not a web link (saved
    before the rule) is dropped rather than refused, so the guide still shows without it."""
    try:
        return GuideContent.model_validate(data, context={"stored": stored})
    except ValidationError as exc:
        problems = [FieldProblem(field=_path(e["loc"]), message=_message(e)) for e in exc.errors()]
        raise ValidationFailed(
            _("办事指南内容有%(n)s处需要修改。") % {"n": len(problems)}, fields=problems
        ) from exc


def guide_to_json(content: GuideContent) -> dict[str, Any]:
    return content.model_dump(mode="json")
