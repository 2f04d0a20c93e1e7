"""Forms of the catalog editor (事项管理): a service guide as Django forms and formsets, so a
catalog administrator edits every element of GB/T 39046 Table 4 without touching JSON.

The forms only parse input (types, required values); the rules of a guide stay in
`catalog.guide_schema.parse_guide`, which the save service runs. `GuideEditor` turns the forms
into the content dict and back, and puts each problem the service reports (`materials[2].
copy_copies`) next to the field it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet, formset_factory
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.catalog.guide_schema import (
    CHANNELS,
    CROSS_REGION_MODES,
    CROSS_REGION_SCOPES,
    FIELD_TYPES,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    WORKFLOW_ACTIONS,
    GuideContent,
)
from tongban.catalog.importer import refine_guide_path
from tongban.catalog.models import ItemStatus
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
from tongban.core.errors import FieldProblem
from tongban.core.models import StaffRole

SHORT = 200  # guide_schema.Short
TEXT = 4000  # guide_schema.Text
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".json")

RESULT_KINDS = {
    "license": gettext_lazy("证照"),
    "approval_document": gettext_lazy("批准文书"),
    "other": gettext_lazy("其他"),
}
BLANK = ("", gettext_lazy("请选择"))


# --- Element names (labels of the editor and of the version comparison) -----------------------


def _described(key: str) -> str | None:
    """The Chinese element name from the schema's Field description ("服务对象 A.4" → 服务对象)."""
    description = GuideContent.model_fields[key].description
    return description.split(" ")[0] if description else None


_TOP_FALLBACK: dict[str, Any] = {
    "legal_days_note": gettext_lazy("法定办结时限说明"),
    "promised_days_note": gettext_lazy("承诺办结时限说明"),
    "materials": gettext_lazy("申请材料"),
    "fees": gettext_lazy("收费"),
    "person_themes": gettext_lazy("自然人主题分类"),
    "corporate_themes": gettext_lazy("法人主题分类"),
    "online_url": gettext_lazy("网上办理地址"),
    "channels": gettext_lazy("办理渠道"),
    "cross_region": gettext_lazy("跨域通办"),
    "quantity_limit": gettext_lazy("数量限制"),
    "intermediary_services": gettext_lazy("中介服务"),
    "special_procedures": gettext_lazy("特别程序"),
    "result": gettext_lazy("办理结果"),
    "joint_departments": gettext_lazy("联办机构"),
    "supports_appointment": gettext_lazy("支持预约办理"),
    "supports_online_payment": gettext_lazy("支持网上支付"),
    "supports_express": gettext_lazy("支持物流快递"),
    "faq": gettext_lazy("常见问题"),
    "form": gettext_lazy("网上申请表单"),
    "workflow": gettext_lazy("内部办理环节"),
}


def top_label(key: str) -> str:
    return str(_described(key) or _TOP_FALLBACK.get(key, key))


MATERIAL_LABELS: dict[str, Any] = {
    "code": gettext_lazy("材料编码"),
    "name": gettext_lazy("材料名称"),
    "forms": gettext_lazy("材料形式"),
    "original_copies": gettext_lazy("原件份数"),
    "copy_copies": gettext_lazy("复印件份数"),
    "required": gettext_lazy("必要材料"),
    "condition": gettext_lazy("需要提交的情形"),
    "source": gettext_lazy("来源渠道"),
    "issuer": gettext_lazy("出具单位"),
    "specification": gettext_lazy("纸质材料规格"),
    "notes": gettext_lazy("填报须知"),
    "legal_basis": gettext_lazy("设定依据"),
    "license_type_code": gettext_lazy("对应电子证照类型代码"),
    "data_resource_code": gettext_lazy("对应共享数据资源代码"),
    "blank_form_url": gettext_lazy("空白表格地址"),
    "sample_url": gettext_lazy("示例样表地址"),
    "is_key": gettext_lazy("核心材料（缺少时不得容缺受理）"),
}
STEP_LABELS: dict[str, Any] = {
    "name": gettext_lazy("步骤名称"),
    "description": gettext_lazy("步骤说明"),
    "days": gettext_lazy("时限（工作日）"),
}
FEES_LABELS: dict[str, Any] = {
    "charged": gettext_lazy("是否收费"),
    "items": gettext_lazy("收费项目"),
}
FEE_ITEM_LABELS: dict[str, Any] = {
    "name": gettext_lazy("收费项目名称"),
    "standard": gettext_lazy("收费标准"),
    "legal_basis": gettext_lazy("收费依据"),
    "reducible": gettext_lazy("可减免"),
    "reduction_basis": gettext_lazy("减免依据"),
}
FAQ_LABELS: dict[str, Any] = {
    "question": gettext_lazy("问题"),
    "answer": gettext_lazy("解答"),
}
CROSS_REGION_LABELS: dict[str, Any] = {
    "scope": gettext_lazy("通办范围"),
    "modes": gettext_lazy("通办模式"),
    "partner_regions": gettext_lazy("合作地区"),
}
RESULT_LABELS: dict[str, Any] = {
    "name": gettext_lazy("结果名称"),
    "kind": gettext_lazy("结果类型"),
    "license_type_code": gettext_lazy("电子证照类型代码"),
    "sample_url": gettext_lazy("结果样本地址"),
}
FORM_FIELD_LABELS: dict[str, Any] = {
    "key": gettext_lazy("字段标识"),
    "label": gettext_lazy("字段名称"),
    "type": gettext_lazy("字段类型"),
    "required": gettext_lazy("必填"),
    "help_text": gettext_lazy("填写提示"),
    "options": gettext_lazy("选项"),
    "pattern": gettext_lazy("校验规则（正则表达式）"),
    "max_length": gettext_lazy("最大长度"),
    "visible_if": gettext_lazy("显示条件"),
    "prefill": gettext_lazy("自动填充来源"),
}
VISIBLE_IF_LABELS: dict[str, Any] = {
    "field": gettext_lazy("条件字段"),
    "equals": gettext_lazy("条件取值"),
}
WORKFLOW_STEP_LABELS: dict[str, Any] = {
    "key": gettext_lazy("环节标识"),
    "name": gettext_lazy("环节名称"),
    "role": gettext_lazy("办理岗位"),
    "actions": gettext_lazy("可执行操作"),
    "days": gettext_lazy("环节时限（工作日）"),
}

# Labels of nested elements by schema path (list indexes removed).
NESTED_LABELS: dict[str, dict[str, Any]] = {
    "materials": MATERIAL_LABELS,
    "steps": STEP_LABELS,
    "fees": FEES_LABELS,
    "fees.items": FEE_ITEM_LABELS,
    "faq": FAQ_LABELS,
    "cross_region": CROSS_REGION_LABELS,
    "result": RESULT_LABELS,
    "form": {"fields": gettext_lazy("表单字段")},
    "form.fields": FORM_FIELD_LABELS,
    "form.fields.visible_if": VISIBLE_IF_LABELS,
    "workflow": {"steps": gettext_lazy("办理环节")},
    "workflow.steps": WORKFLOW_STEP_LABELS,
}

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def element_label(path: str) -> str:
    """A guide element path in Chinese: materials[2].copy_copies → 申请材料 第3项 › 复印件份数."""
    if path in {"", "__all__"}:
        return _("指南整体")
    parts: list[str] = []
    schema: list[str] = []
    for name, indexes in _SEGMENT.findall(path):
        labels = NESTED_LABELS.get(".".join(schema)) if schema else None
        label = str(labels.get(name, name)) if labels is not None else top_label(name)
        if not schema and name not in GuideContent.model_fields:
            label = name
        for index in re.findall(r"\d+", indexes):
            label += _(" 第%(n)s项") % {"n": int(index) + 1}
        parts.append(label)
        schema.append(name)
    return " › ".join(parts)


_CODE_LABELS: dict[str, dict[str, Any]] = {
    "item_type": dict(ItemType.choices),
    "exercise_level": dict(ExerciseLevel.choices),
    "case_kind": dict(CaseKind.choices),
    "service_objects": dict(ServiceObject.choices),
    "person_themes": dict(NaturalPersonTheme.choices),
    "corporate_themes": dict(LegalPersonTheme.choices),
    "handling_forms": dict(HandlingForm.choices),
    "online_depth": dict(OnlineDepth.choices),
    "channels": CHANNELS,
    "materials.forms": MATERIAL_FORMS,
    "materials.source": MATERIAL_SOURCES,
    "cross_region.scope": CROSS_REGION_SCOPES,
    "cross_region.modes": CROSS_REGION_MODES,
    "result.kind": RESULT_KINDS,
    "form.fields.type": FIELD_TYPES,
    "workflow.steps.role": dict(StaffRole.choices),
    "workflow.steps.actions": WORKFLOW_ACTIONS,
}


def element_value(path: str, value: Any) -> str:
    """A stored value as a person reads it: codes by their national names, 是/否, lists joined."""
    if value is None:
        return _("（无）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    codes = _CODE_LABELS.get(re.sub(r"\[\d+\]", "", path))
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            if not value:
                return _("（无）")
            return "、".join(str(codes.get(str(v), v)) if codes else str(v) for v in value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if codes and str(value) in codes:
        return f"{codes[str(value)]}（{value}）"
    return str(value) if value != "" else _("（空）")


# --- Field types ------------------------------------------------------------------------------


class LinesField(forms.CharField):
    """A list of strings edited as a textarea, one per line (blank lines are ignored)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, max_line: int = SHORT, **kwargs: Any) -> None:
        self.max_line = max_line
        super().__init__(**kwargs)

    @staticmethod
    def lines(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return [str(v).strip() for v in value if str(v).strip()]
        return [line.strip() for line in str(value).splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return self.lines(value)

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        too_long = [n for n, line in enumerate(value, start=1) if len(line) > self.max_line]
        if too_long:
            raise ValidationError(
                _("第%(n)s行超过%(max)s个字。") % {"n": too_long[0], "max": self.max_line}
            )

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.lines(initial) != self.lines(data)


def _text(label: Any, *, required: bool = False, long: bool = False, **kwargs: Any) -> Any:
    if long:
        return forms.CharField(
            label=label,
            required=required,
            max_length=TEXT,
            widget=forms.Textarea(attrs={"rows": 3}),
            **kwargs,
        )
    return forms.CharField(label=label, required=required, max_length=SHORT, **kwargs)


def _int(label: Any, *, required: bool = True, lo: int = 0, hi: int = 365, **kwargs: Any) -> Any:
    return forms.IntegerField(label=label, required=required, min_value=lo, max_value=hi, **kwargs)


def _checks(label: Any, choices: Iterable[tuple[str, Any]], *, required: bool = False) -> Any:
    return forms.MultipleChoiceField(
        label=label,
        required=required,
        choices=list(choices),
        widget=forms.CheckboxSelectMultiple,
    )


def _select(label: Any, choices: Iterable[tuple[str, Any]], **kwargs: Any) -> Any:
    return forms.ChoiceField(label=label, choices=[BLANK, *choices], **kwargs)


def _flag(label: Any, **kwargs: Any) -> Any:
    return forms.BooleanField(label=label, required=False, **kwargs)


# --- The guide's single-valued elements -------------------------------------------------------


class GuideForm(forms.Form):
    """Every single-valued element of the guide, and the editing bookkeeping."""

    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_note = forms.CharField(
        label=gettext_lazy("本次变更说明"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("简要说明改了什么、为什么改，审核人和历史记录中可见。"),
    )

    name = _text(top_label("name"), required=True)
    legal_basis = _text(
        top_label("legal_basis"),
        required=True,
        long=True,
        help_text=gettext_lazy("法律法规名称及条款，例如：《中华人民共和国食品安全法》第三十五条"),
    )
    exercise_content = _text(top_label("exercise_content"), long=True)
    power_division = _text(top_label("power_division"), long=True)
    case_kind = _select(top_label("case_kind"), CaseKind.choices)
    legal_days = _int(top_label("legal_days"), hi=3650)
    legal_days_note = _text(top_label("legal_days_note"), long=True)
    promised_days = _int(
        top_label("promised_days"),
        hi=3650,
        help_text=gettext_lazy("不得超过法定办结时限；即办件填0。"),
    )
    promised_days_note = _text(top_label("promised_days_note"), long=True)
    acceptance_conditions = LinesField(
        label=top_label("acceptance_conditions"),
        max_line=TEXT,
        help_text=gettext_lazy("每行一条受理条件。"),
    )
    service_objects = _checks(top_label("service_objects"), ServiceObject.choices, required=True)
    person_themes = _checks(top_label("person_themes"), NaturalPersonTheme.choices)
    corporate_themes = _checks(top_label("corporate_themes"), LegalPersonTheme.choices)
    handling_forms = _checks(top_label("handling_forms"), HandlingForm.choices, required=True)
    online_depth = _checks(top_label("online_depth"), OnlineDepth.choices)
    online_url = _text(top_label("online_url"))
    channels = _checks(top_label("channels"), CHANNELS.items())
    visits = _int(top_label("visits"), hi=20)
    onsite_reason = _text(
        top_label("onsite_reason"),
        long=True,
        help_text=gettext_lazy("到办事现场次数大于0时必须填写。"),
    )
    cross_region_scope = forms.ChoiceField(
        label=CROSS_REGION_LABELS["scope"],
        required=False,
        choices=[("", gettext_lazy("不开展跨域通办")), *CROSS_REGION_SCOPES.items()],
    )
    cross_region_modes = _checks(CROSS_REGION_LABELS["modes"], CROSS_REGION_MODES.items())
    cross_region_partners = LinesField(
        label=CROSS_REGION_LABELS["partner_regions"],
        required=False,
        help_text=gettext_lazy("每行一个行政区划代码。"),
    )
    quantity_limit = _text(top_label("quantity_limit"), long=True)
    intermediary_services = _text(top_label("intermediary_services"), long=True)
    special_procedures = _text(top_label("special_procedures"), long=True)
    result_name = _text(RESULT_LABELS["name"], help_text=gettext_lazy("不产生结果文书的事项留空。"))
    result_kind = forms.ChoiceField(
        label=RESULT_LABELS["kind"], choices=list(RESULT_KINDS.items()), initial="license"
    )
    result_license_type_code = _text(RESULT_LABELS["license_type_code"])
    result_sample_url = _text(RESULT_LABELS["sample_url"])
    place = _text(top_label("place"), required=True, long=True)
    hours = _text(top_label("hours"), required=True)
    consult_phone = _text(top_label("consult_phone"), required=True)
    supervise_phone = _text(top_label("supervise_phone"), required=True)
    joint_departments = LinesField(
        label=top_label("joint_departments"),
        required=False,
        help_text=gettext_lazy("每行一个部门名称。"),
    )
    supports_appointment = _flag(top_label("supports_appointment"))
    supports_online_payment = _flag(top_label("supports_online_payment"))
    supports_express = _flag(top_label("supports_express"))
    fees_charged = _flag(
        FEES_LABELS["charged"],
        help_text=gettext_lazy("收费的事项须在下方列出收费项目、标准和依据。"),
    )

    # Sections of the editor page, in order: (anchor, heading, field names).
    SECTIONS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
        (
            "basic",
            gettext_lazy("基本信息"),
            ("name", "legal_basis", "exercise_content", "power_division", "case_kind"),
        ),
        (
            "limits",
            gettext_lazy("办理时限"),
            ("legal_days", "legal_days_note", "promised_days", "promised_days_note"),
        ),
        ("conditions", gettext_lazy("受理条件"), ("acceptance_conditions",)),
        (
            "objects",
            gettext_lazy("服务对象与主题分类"),
            ("service_objects", "person_themes", "corporate_themes"),
        ),
        (
            "online",
            gettext_lazy("办理形式与网上办理"),
            ("handling_forms", "online_depth", "channels", "online_url", "visits", "onsite_reason"),
        ),
        (
            "cross",
            gettext_lazy("跨域通办"),
            ("cross_region_scope", "cross_region_modes", "cross_region_partners"),
        ),
        (
            "result",
            gettext_lazy("办理结果"),
            ("result_name", "result_kind", "result_license_type_code", "result_sample_url"),
        ),
        (
            "contact",
            gettext_lazy("办理地点、时间与电话"),
            ("place", "hours", "consult_phone", "supervise_phone", "joint_departments"),
        ),
        (
            "other",
            gettext_lazy("其他信息"),
            (
                "quantity_limit",
                "intermediary_services",
                "special_procedures",
                "supports_appointment",
                "supports_online_payment",
                "supports_express",
            ),
        ),
    )

    def sections(self) -> list[tuple[str, Any, list[Any]]]:
        return [(anchor, title, [self[n] for n in names]) for anchor, title, names in self.SECTIONS]


# --- Repeating elements -----------------------------------------------------------------------


class MaterialForm(forms.Form):
    name = _text(MATERIAL_LABELS["name"], required=True)
    code = _text(MATERIAL_LABELS["code"])
    forms = _checks(MATERIAL_LABELS["forms"], MATERIAL_FORMS.items(), required=True)
    original_copies = _int(MATERIAL_LABELS["original_copies"], required=False, hi=99, initial=0)
    copy_copies = _int(MATERIAL_LABELS["copy_copies"], required=False, hi=99, initial=0)
    source = _select(MATERIAL_LABELS["source"], MATERIAL_SOURCES.items())
    required = _flag(MATERIAL_LABELS["required"], initial=True)
    is_key = _flag(MATERIAL_LABELS["is_key"], initial=True)
    condition = _text(
        MATERIAL_LABELS["condition"],
        long=True,
        help_text=gettext_lazy("非必要材料须写明在什么情形下需要提交。"),
    )
    issuer = _text(MATERIAL_LABELS["issuer"])
    specification = _text(MATERIAL_LABELS["specification"])
    notes = _text(MATERIAL_LABELS["notes"], long=True)
    legal_basis = _text(MATERIAL_LABELS["legal_basis"], long=True)
    license_type_code = _text(MATERIAL_LABELS["license_type_code"])
    data_resource_code = _text(MATERIAL_LABELS["data_resource_code"])
    blank_form_url = _text(MATERIAL_LABELS["blank_form_url"])
    sample_url = _text(MATERIAL_LABELS["sample_url"])

    def to_content(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": d["code"],
            "name": d["name"],
            "forms": d["forms"],
            "original_copies": d["original_copies"] or 0,
            "copy_copies": d["copy_copies"] or 0,
            "required": d["required"],
            "condition": d["condition"],
            "source": d["source"],
            "issuer": d["issuer"],
            "specification": d["specification"],
            "notes": d["notes"],
            "legal_basis": d["legal_basis"],
            "license_type_code": d["license_type_code"],
            "data_resource_code": d["data_resource_code"],
            "blank_form_url": d["blank_form_url"],
            "sample_url": d["sample_url"],
            "is_key": d["is_key"],
        }

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


class StepForm(forms.Form):
    name = _text(STEP_LABELS["name"], required=True)
    days = _int(STEP_LABELS["days"], required=False)
    description = _text(STEP_LABELS["description"], long=True)

    def to_content(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"name": d["name"], "description": d["description"], "days": d["days"]}

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


class FeeItemForm(forms.Form):
    name = _text(FEE_ITEM_LABELS["name"], required=True)
    standard = _text(
        FEE_ITEM_LABELS["standard"], required=True, help_text=gettext_lazy("例如：每证10元")
    )
    legal_basis = _text(FEE_ITEM_LABELS["legal_basis"], required=True, long=True)
    reducible = _flag(FEE_ITEM_LABELS["reducible"])
    reduction_basis = _text(FEE_ITEM_LABELS["reduction_basis"], long=True)

    def to_content(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "standard": d["standard"],
            "legal_basis": d["legal_basis"],
            "reducible": d["reducible"],
            "reduction_basis": d["reduction_basis"],
        }

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


class FaqForm(forms.Form):
    question = _text(FAQ_LABELS["question"], required=True, long=True)
    answer = _text(FAQ_LABELS["answer"], required=True, long=True)

    def to_content(self) -> dict[str, Any]:
        return {"question": self.cleaned_data["question"], "answer": self.cleaned_data["answer"]}

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


_TRUE_WORDS = {"是", "true", "1", "yes", "y", "勾选"}
_FALSE_WORDS = {"否", "false", "0", "no", "n", "不勾选"}


def parse_equals(text: str, field_type: str | None) -> Any:
    """The value a display condition compares with, typed like the field it refers to:
    是/否 for a checkbox, a number for a number field, the text itself otherwise."""
    value = text.strip()
    if field_type == "checkbox":
        if value.lower() in _TRUE_WORDS:
            return True
        if value.lower() in _FALSE_WORDS:
            return False
    if field_type == "number":
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def show_equals(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class FormFieldForm(forms.Form):
    key = forms.CharField(
        label=FORM_FIELD_LABELS["key"],
        max_length=50,
        help_text=gettext_lazy("小写字母开头，只用小写字母、数字和下划线，例如 operator_name"),
    )
    label = _text(FORM_FIELD_LABELS["label"], required=True)
    type = _select(FORM_FIELD_LABELS["type"], FIELD_TYPES.items())
    required = _flag(FORM_FIELD_LABELS["required"])
    help_text = _text(FORM_FIELD_LABELS["help_text"])
    options = LinesField(
        label=FORM_FIELD_LABELS["options"],
        required=False,
        help_text=gettext_lazy("单选、多选字段每行一个选项。"),
    )
    pattern = _text(FORM_FIELD_LABELS["pattern"])
    max_length = _int(FORM_FIELD_LABELS["max_length"], required=False, lo=1, hi=TEXT)
    visible_if_field = forms.CharField(
        label=gettext_lazy("显示条件：当字段"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("填写另一字段的标识；留空表示始终显示。"),
    )
    visible_if_equals = forms.CharField(
        label=gettext_lazy("显示条件：取值为"),
        required=False,
        max_length=SHORT,
        help_text=gettext_lazy("是/否类字段填“是”或“否”。"),
    )
    # Keys of a display condition this editor does not show, kept as they were.
    visible_if_extra = forms.CharField(required=False, widget=forms.HiddenInput)
    prefill = _text(
        FORM_FIELD_LABELS["prefill"],
        help_text=gettext_lazy(
            "可选：applicant.name（申请人姓名）、applicant.id_number（身份证号）、"
            "license:证照类型代码"
        ),
    )

    def to_content(self, types: dict[str, str]) -> dict[str, Any]:
        d = self.cleaned_data
        visible_if: dict[str, Any] | None = None
        extra = _json_object(d["visible_if_extra"])
        if d["visible_if_field"] or d["visible_if_equals"] or extra:
            visible_if = {**extra, "field": d["visible_if_field"]}
            visible_if["equals"] = parse_equals(
                d["visible_if_equals"], types.get(d["visible_if_field"])
            )
        return {
            "key": d["key"],
            "label": d["label"],
            "type": d["type"],
            "required": d["required"],
            "help_text": d["help_text"],
            "options": d["options"],
            "pattern": d["pattern"],
            "max_length": d["max_length"],
            "visible_if": visible_if,
            "prefill": d["prefill"],
        }

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        initial = {k: v for k, v in row.items() if k != "visible_if"}
        condition = row.get("visible_if") or {}
        if condition:
            initial["visible_if_field"] = condition.get("field", "")
            initial["visible_if_equals"] = show_equals(condition.get("equals"))
            extra = {k: v for k, v in condition.items() if k not in {"field", "equals"}}
            initial["visible_if_extra"] = json.dumps(extra, ensure_ascii=False) if extra else ""
        return initial


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class WorkflowStepForm(forms.Form):
    key = forms.CharField(
        label=WORKFLOW_STEP_LABELS["key"],
        max_length=50,
        help_text=gettext_lazy("小写字母开头，例如 accept、review"),
    )
    name = _text(WORKFLOW_STEP_LABELS["name"], required=True)
    role = _select(WORKFLOW_STEP_LABELS["role"], StaffRole.choices)
    days = _int(WORKFLOW_STEP_LABELS["days"])
    actions = _checks(WORKFLOW_STEP_LABELS["actions"], WORKFLOW_ACTIONS.items(), required=True)

    def to_content(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "key": d["key"],
            "name": d["name"],
            "role": d["role"],
            "actions": d["actions"],
            "days": d["days"],
        }

    @staticmethod
    def initial_from(row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


class RowFormSet(BaseFormSet):  # type: ignore[type-arg]
    """Every submitted row counts as new: a row left blank is skipped instead of refused, and
    rows added by the "add a row" button need no special case."""

    def initial_form_count(self) -> int:
        return 0 if self.is_bound else super().initial_form_count()

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除此项（保存后生效）")


def _rows(form: type[forms.Form]) -> type[BaseFormSet]:  # type: ignore[type-arg]
    return formset_factory(
        form, formset=RowFormSet, extra=0, can_delete=True, max_num=200, validate_max=True
    )


@dataclass(frozen=True)
class Section:
    """A repeating element: its formset prefix, where it sits in the guide, and its texts."""

    prefix: str
    path: str  # guide path of the list, e.g. "fees.items"
    formset: type[BaseFormSet]  # type: ignore[type-arg]
    title: str | Promise
    row_title: str | Promise
    add_label: str | Promise
    help: str | Promise = ""


SECTIONS: tuple[Section, ...] = (
    Section(
        "materials",
        "materials",
        _rows(MaterialForm),
        top_label("materials"),
        gettext_lazy("材料"),
        gettext_lazy("添加一项材料"),
    ),
    Section(
        "fees",
        "fees.items",
        _rows(FeeItemForm),
        FEES_LABELS["items"],
        gettext_lazy("收费项目"),
        gettext_lazy("添加一个收费项目"),
        gettext_lazy("勾选“是否收费”时至少列出一项；不收费的事项不要列出。"),
    ),
    Section(
        "steps",
        "steps",
        _rows(StepForm),
        top_label("steps"),
        gettext_lazy("步骤"),
        gettext_lazy("添加一个步骤"),
        gettext_lazy("面向办事群众公布的办理流程。"),
    ),
    Section(
        "faq",
        "faq",
        _rows(FaqForm),
        top_label("faq"),
        gettext_lazy("问题"),
        gettext_lazy("添加一个问题"),
    ),
    Section(
        "fields",
        "form.fields",
        _rows(FormFieldForm),
        top_label("form"),
        gettext_lazy("字段"),
        gettext_lazy("添加一个字段"),
        gettext_lazy("申请人网上申请时填写的表单；标注“全程网办”的事项必须配置。"),
    ),
    Section(
        "workflow",
        "workflow.steps",
        _rows(WorkflowStepForm),
        top_label("workflow"),
        gettext_lazy("环节"),
        gettext_lazy("添加一个环节"),
        gettext_lazy("工作人员内部的办理环节：每个环节由哪个岗位办理、可执行哪些操作、时限多少。"),
    ),
)
SECTION_BY_PREFIX = {s.prefix: s for s in SECTIONS}
SECTION_BY_PATH = {s.path: s for s in SECTIONS}

# Guide paths of single-valued elements that GuideForm names differently.
_SCALAR_PATHS = {
    "cross_region": "cross_region_scope",
    "cross_region.scope": "cross_region_scope",
    "cross_region.modes": "cross_region_modes",
    "cross_region.partner_regions": "cross_region_partners",
    "result": "result_name",
    "result.name": "result_name",
    "result.kind": "result_kind",
    "result.license_type_code": "result_license_type_code",
    "result.sample_url": "result_sample_url",
    "fees": "fees_charged",
    "fees.charged": "fees_charged",
}
_ROW_PATH = re.compile(r"^(?P<list>[a-z_.]+?)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?")
_ROW_FIELDS = {"visible_if": "visible_if_field"}


def _lists(content: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        "materials": content.get("materials") or [],
        "fees": (content.get("fees") or {}).get("items") or [],
        "steps": content.get("steps") or [],
        "faq": content.get("faq") or [],
        "fields": (content.get("form") or {}).get("fields") or [],
        "workflow": (content.get("workflow") or {}).get("steps") or [],
    }


def guide_initial(content: dict[str, Any]) -> dict[str, Any]:
    """GuideForm's initial values from stored content."""
    initial = {
        key: content.get(key)
        for key in GuideForm.base_fields
        if key in content and key not in {"number", "revision", "change_note"}
    }
    cross = content.get("cross_region") or {}
    initial["cross_region_scope"] = cross.get("scope", "")
    initial["cross_region_modes"] = cross.get("modes", [])
    initial["cross_region_partners"] = cross.get("partner_regions", [])
    result = content.get("result") or {}
    initial["result_name"] = result.get("name", "")
    initial["result_kind"] = result.get("kind", "license")
    initial["result_license_type_code"] = result.get("license_type_code", "")
    initial["result_sample_url"] = result.get("sample_url", "")
    initial["fees_charged"] = bool((content.get("fees") or {}).get("charged"))
    return initial


def raw_values(form: forms.Form) -> dict[str, Any]:
    """What the user typed into a bound form, field by field, without validating it."""
    return {
        name: bound.field.widget.value_from_datadict(form.data, form.files, bound.html_name)
        for name, bound in ((name, form[name]) for name in form.fields)
    }


@dataclass
class GuideEditor:
    """The editor's forms, bound or not, and the problems that belong to none of them."""

    form: GuideForm
    formsets: dict[str, BaseFormSet]  # type: ignore[type-arg]
    top_errors: list[str] = field(default_factory=list)
    section_errors: dict[str, list[str]] = field(default_factory=dict)
    row_maps: dict[str, list[int]] = field(default_factory=dict)
    added: str = ""  # prefix of the section a row was just added to

    @classmethod
    def unbound(
        cls, content: dict[str, Any], *, number: int, revision: int, change_note: str
    ) -> GuideEditor:
        form = GuideForm(
            initial={
                **guide_initial(content),
                "number": number,
                "revision": revision,
                "change_note": change_note,
            }
        )
        lists = _lists(content)
        formsets = {
            s.prefix: s.formset(
                prefix=s.prefix,
                initial=[s.formset.form.initial_from(row) for row in lists[s.prefix]],  # type: ignore[attr-defined]
            )
            for s in SECTIONS
        }
        return cls(form=form, formsets=formsets)

    @classmethod
    def bound(cls, data: Any) -> GuideEditor:
        return cls(
            form=GuideForm(data),
            formsets={s.prefix: s.formset(data, prefix=s.prefix) for s in SECTIONS},
        )

    def with_row_added(self, prefix: str) -> GuideEditor:
        """The same input, unvalidated (no errors shown yet), with one more blank row."""
        form = GuideForm(initial=raw_values(self.form))
        formsets = {}
        for s in SECTIONS:
            bound = self.formsets[s.prefix]
            rows = [raw_values(f) for f in bound.forms] if bound.is_bound else []
            if s.prefix == prefix:
                rows.append({})
            formsets[s.prefix] = s.formset(prefix=s.prefix, initial=rows)
            if s.prefix == prefix:
                # Keyboard and screen-reader users land in the row they asked for.
                new_row = formsets[s.prefix].forms[-1]
                new_row.fields[next(iter(new_row.fields))].widget.attrs["autofocus"] = True
        return GuideEditor(form=form, formsets=formsets, added=prefix)

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        return valid

    def _kept(self, prefix: str) -> list[tuple[int, forms.Form]]:
        formset = self.formsets[prefix]
        return [
            (index, form)
            for index, form in enumerate(formset.forms)
            if form.has_changed() and not formset._should_delete_form(form)
        ]

    def content(self, *, item_type: str, exercise_level: str) -> dict[str, Any]:
        """The guide the valid forms describe; `row_maps` remembers which row is which item."""
        d = self.form.cleaned_data
        rows: dict[str, list[dict[str, Any]]] = {}
        field_types = {
            form.cleaned_data["key"]: form.cleaned_data["type"] for _i, form in self._kept("fields")
        }
        for s in SECTIONS:
            kept = self._kept(s.prefix)
            self.row_maps[s.prefix] = [index for index, _form in kept]
            rows[s.prefix] = [
                form.to_content(field_types) if s.prefix == "fields" else form.to_content()  # type: ignore[attr-defined]
                for _index, form in kept
            ]
        cross_region = None
        if d["cross_region_scope"] or d["cross_region_modes"] or d["cross_region_partners"]:
            cross_region = {
                "scope": d["cross_region_scope"],
                "modes": d["cross_region_modes"],
                "partner_regions": d["cross_region_partners"],
            }
        result = None
        if d["result_name"] or d["result_license_type_code"] or d["result_sample_url"]:
            result = {
                "name": d["result_name"],
                "kind": d["result_kind"],
                "license_type_code": d["result_license_type_code"],
                "sample_url": d["result_sample_url"],
            }
        return {
            "name": d["name"],
            "item_type": item_type,
            "legal_basis": d["legal_basis"],
            "exercise_content": d["exercise_content"],
            "power_division": d["power_division"],
            "exercise_level": exercise_level,
            "case_kind": d["case_kind"],
            "legal_days": d["legal_days"],
            "legal_days_note": d["legal_days_note"],
            "promised_days": d["promised_days"],
            "promised_days_note": d["promised_days_note"],
            "acceptance_conditions": d["acceptance_conditions"],
            "materials": rows["materials"],
            "steps": rows["steps"],
            "fees": {"charged": d["fees_charged"], "items": rows["fees"]},
            "service_objects": d["service_objects"],
            "person_themes": d["person_themes"],
            "corporate_themes": d["corporate_themes"],
            "handling_forms": d["handling_forms"],
            "online_depth": d["online_depth"],
            "online_url": d["online_url"],
            "channels": d["channels"],
            "visits": d["visits"],
            "onsite_reason": d["onsite_reason"],
            "cross_region": cross_region,
            "quantity_limit": d["quantity_limit"],
            "intermediary_services": d["intermediary_services"],
            "special_procedures": d["special_procedures"],
            "result": result,
            "place": d["place"],
            "hours": d["hours"],
            "consult_phone": d["consult_phone"],
            "supervise_phone": d["supervise_phone"],
            "joint_departments": d["joint_departments"],
            "supports_appointment": d["supports_appointment"],
            "supports_online_payment": d["supports_online_payment"],
            "supports_express": d["supports_express"],
            "faq": rows["faq"],
            "form": {"fields": rows["fields"]},
            "workflow": {"steps": rows["workflow"]},
        }

    def show_problems(self, problems: list[FieldProblem], content: dict[str, Any]) -> None:
        """Put each problem of the save service next to its field; the rest at the top."""
        for problem in problems:
            if not self._place(refine_guide_path(problem.field, content), problem.message):
                where = element_label(problem.field)
                self.top_errors.append(f"{where}：{problem.message}")

    def _place(self, path: str, message: str) -> bool:
        if path in SECTION_BY_PATH:
            self.section_errors.setdefault(SECTION_BY_PATH[path].prefix, []).append(message)
            return True
        match = _ROW_PATH.match(path)
        if match and match["list"] in SECTION_BY_PATH:
            prefix = SECTION_BY_PATH[match["list"]].prefix
            rows = self.row_maps.get(prefix, [])
            index = int(match["index"])
            if index >= len(rows):
                return False
            form = self.formsets[prefix].forms[rows[index]]
            name = _ROW_FIELDS.get(match["field"] or "", match["field"] or "")
            form.add_error(name if name in form.fields else None, message)
            return True
        plain = re.sub(r"\[\d+\]", "", path)
        name = _SCALAR_PATHS.get(plain, plain)
        if name in self.form.fields and name not in {"number", "revision", "change_note"}:
            self.form.add_error(name, message)
            return True
        return False

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor, where, message) of every error shown next to a field, for the summary."""
        out: list[tuple[str, str, str]] = []
        for name, errors in self.form.errors.items():
            if name == "__all__":
                continue
            bound = self.form[name]
            for error in errors:
                out.append((bound.auto_id, str(bound.label), error))
        for s in SECTIONS:
            formset = self.formsets[s.prefix]
            for message in self.section_errors.get(s.prefix, []):
                out.append((f"section-{s.prefix}", str(s.title), message))
            if not formset.is_bound:
                continue
            for message in formset.non_form_errors():
                out.append((f"section-{s.prefix}", str(s.title), message))
            for index, form in enumerate(formset.forms):
                row = _("%(title)s 第%(n)s项") % {"title": s.title, "n": index + 1}
                for name, errors in form.errors.items():
                    anchor = f"row-{s.prefix}-{index}" if name == "__all__" else form[name].auto_id
                    where = row if name == "__all__" else f"{row} › {form[name].label}"
                    for error in errors:
                        out.append((anchor, where, error))
        return out


# --- Small forms of the other pages ---------------------------------------------------------


class ItemFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("事项名称或实施编码"), required=False, max_length=100, strip=True
    )
    status = forms.ChoiceField(
        label=gettext_lazy("事项状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ItemStatus.choices],
    )


class SubmitForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=gettext_lazy("审核结论"),
        choices=[
            (APPROVE, gettext_lazy("审核通过并发布")),
            (RETURN, gettext_lazy("退回修改")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("审核意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("退回时必须填写，说明需要修改的内容。"),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取消原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("例如：依据某某决定取消该事项。取消后办事群众将不再看到该事项。"),
    )


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label=gettext_lazy("对比版本（修改前）"), coerce=int)
    b = forms.TypedChoiceField(label=gettext_lazy("对比版本（修改后）"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, _("第%(n)s版") % {"n": n}) for n in numbers]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("导入文件"),
        help_text=gettext_lazy("Excel（.xlsx，请使用下载的模板）或 JSON 文件，不超过20MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise ValidationError(_("只能导入 .xlsx 或 .json 文件。"))
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("文件超过20MB。请按区划或部门拆分成几个文件分别导入。"))
        return upload
