"""Forms of the case workbench (办件): queue filters, one form per handling action, the window
counter (一窗受理) and the 秒批 settings.

Forms only parse input; the rules (who may act, from which state, what a decision needs) stay
in tongban.cases.services, whose FieldProblems are put back next to the fields named here.
Every action form carries the case version the clerk saw (optimistic locking)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.cases.models import ClockState
from tongban.cases.models.handling import DeliveryMethod, SuspensionReason
from tongban.core.errors import FieldProblem

TEXT = 2000
SHORT = 200

QUEUE_TABS = {
    "todo": gettext_lazy("待办"),
    "accept": gettext_lazy("待受理"),
    "unclaimed": gettext_lazy("待认领"),
    "mine": gettext_lazy("我的办件"),
    "all": gettext_lazy("全部办件"),
    "closed": gettext_lazy("已办结"),
}
CLOCK_FILTERS = [
    ("", gettext_lazy("全部")),
    (ClockState.OVERDUE, gettext_lazy("已超期（红灯）")),
    (ClockState.WARNING, gettext_lazy("即将到期（黄灯）")),
    (ClockState.ON_TIME, gettext_lazy("正常（绿灯）")),
    (ClockState.PAUSED, gettext_lazy("暂停计时")),
]
BATCH_ACTIONS = [
    ("claim", gettext_lazy("认领")),
    ("accept", gettext_lazy("受理")),
    ("forward", gettext_lazy("转下一环节")),
    ("approve", gettext_lazy("准予许可")),
    ("complete", gettext_lazy("办结")),
]


def _text(label: Any, *, required: bool = True, rows: int = 3, max_length: int = TEXT) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _line(label: Any, *, required: bool = False, max_length: int = SHORT) -> Any:
    return forms.CharField(label=label, required=required, max_length=max_length, strip=True)


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label=gettext_lazy("队列"),
        required=False,
        choices=list(QUEUE_TABS.items()),
        widget=forms.HiddenInput,
    )
    q = _line(gettext_lazy("办件编号或申请人"), max_length=100)
    clock = forms.ChoiceField(label=gettext_lazy("时限状态"), required=False, choices=CLOCK_FILTERS)
    item_code = _line(gettext_lazy("实施编码"), max_length=40)
    region_code = forms.RegexField(
        label=gettext_lazy("办理区划代码"),
        required=False,
        regex=r"^\d{2,12}$",
        error_messages={"invalid": gettext_lazy("请输入2至12位数字的区划代码，如 510104。")},
    )


class BatchForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("批量操作"), choices=BATCH_ACTIONS)
    numbers = forms.MultipleChoiceField(
        label=gettext_lazy("办件"),
        error_messages={"required": gettext_lazy("请先勾选要批量处理的办件。")},
    )

    def __init__(self, *args: Any, numbers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = [(n, n) for n in numbers]


# --- one form per action (the detail page) -----------------------------------------------------


class ActionForm(forms.Form):
    """The base of every action: the version of the case the clerk was looking at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def add_problems(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        """Puts each service problem next to its field; returns the ones no field matches."""
        rest = []
        for problem in problems:
            if problem.field in self.fields and problem.field != "version":
                self.add_error(problem.field, problem.message)
            else:
                rest.append(problem)
        return rest


class SimpleForm(ActionForm):
    """claim, release and actions without input."""


class PreReviewForm(ActionForm):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("预审结论"),
        choices=[("1", gettext_lazy("预审通过")), ("0", gettext_lazy("预审不通过"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = _text(gettext_lazy("预审意见"), required=False)


class AcceptForm(ActionForm):
    opinion = _text(gettext_lazy("受理意见"), required=False, rows=2)
    tolerated = forms.MultipleChoiceField(
        label=gettext_lazy("容缺受理的材料（非核心材料，限期补齐）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tolerated_days = forms.IntegerField(
        label=gettext_lazy("容缺材料补齐期限（工作日）"), required=False, min_value=1, max_value=60
    )
    document_number = _line(gettext_lazy("受理通知书文号（留空自动生成）"), max_length=60)

    def __init__(self, *args: Any, tolerable: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tolerated"].choices = list(tolerable)
        if not tolerable:
            del self.fields["tolerated"]
            del self.fields["tolerated_days"]


class NotAcceptForm(ActionForm):
    reason = _text(gettext_lazy("不予受理理由"))
    legal_basis = _text(gettext_lazy("法律依据"), rows=2)


class CorrectionForm(ActionForm):
    """补正告知: one complete list (一次性告知). Each material and form field has a tick box and
    the reason for it; ticked entries without a reason are refused."""

    note = _text(gettext_lazy("补正说明"), required=False, rows=2)
    legal_basis = _text(gettext_lazy("依据"), required=False, rows=2)
    due_days = forms.IntegerField(
        label=gettext_lazy("补正期限（工作日，留空按事项设置）"),
        required=False,
        min_value=1,
        max_value=60,
    )

    def __init__(self, *args: Any, entries: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = []
        for code, name in entries:
            pick, reason = f"pick__{code}", f"reason__{code}"
            self.fields[pick] = forms.BooleanField(label=name, required=False)
            self.fields[reason] = _line(
                _("“%(name)s”需要补正的内容") % {"name": name}, max_length=500
            )
            self.entries.append((code, name, pick, reason))

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[pick], self[reason]) for _c, _n, pick, reason in self.entries]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        items = []
        for code, name, pick, reason in self.entries:
            if data.get(pick):
                if not data.get(reason):
                    self.add_error(reason, _("请写明“%(name)s”需要补正什么。") % {"name": name})
                items.append({"code": code, "name": name, "reason": data.get(reason, "")})
        if not items and not self.errors:
            raise forms.ValidationError(
                _("请勾选需要补正的材料或表单项，并逐项写明原因（一次性告知）。")
            )
        data["items"] = items
        return data

    def add_problems(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        rest = []
        for p in problems:
            code = p.field.removeprefix("materials.")
            key = f"reason__{code}"
            if key in self.fields:
                self.add_error(key, p.message)
            else:
                rest.append(p)
        return super().add_problems(rest)


class OpinionForm(ActionForm):
    opinion = _text(gettext_lazy("办理意见"), required=False, rows=2)


class ReturnForm(ActionForm):
    opinion = _text(gettext_lazy("退回理由"), rows=2)


class ApproveForm(ActionForm):
    decision_text = _text(gettext_lazy("决定内容（留空使用标准文本）"), required=False)
    document_number = _line(gettext_lazy("决定文书编号（留空自动生成）"), max_length=60)
    legal_basis = _text(gettext_lazy("法律依据"), required=False, rows=2)
    opinion = _text(gettext_lazy("审查意见"), required=False, rows=2)


class DenyForm(ActionForm):
    reason = _text(gettext_lazy("不予许可理由"))
    legal_basis = _text(gettext_lazy("法律依据"), rows=2)
    document_number = _line(gettext_lazy("决定文书编号（留空自动生成）"), max_length=60)
    opinion = _text(gettext_lazy("审查意见"), required=False, rows=2)


class ExtendForm(ActionForm):
    reason = _text(gettext_lazy("延长理由（将告知申请人）"), rows=2)
    days = forms.IntegerField(
        label=gettext_lazy("延长工作日（留空按法定上限）"),
        required=False,
        min_value=1,
        max_value=15,
    )


class ExtensionDecideForm(ActionForm):
    extension_id = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=gettext_lazy("审批结论"),
        choices=[("1", gettext_lazy("批准延长")), ("0", gettext_lazy("不予批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = _line(gettext_lazy("审批意见"), max_length=500)


class SuspendForm(ActionForm):
    reason_kind = forms.ChoiceField(
        label=gettext_lazy("特别程序类型"),
        choices=[("", gettext_lazy("请选择"))]
        + [(v, label) for v, label in SuspensionReason.choices if v != SuspensionReason.CORRECTION],
    )
    reason = _text(gettext_lazy("启动理由或依据"), rows=2)


class ResumeForm(ActionForm):
    result = _text(gettext_lazy("特别程序结果"), rows=2)


class DeliverForm(ActionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("送达方式"),
        choices=[(v, label) for v, label in DeliveryMethod.choices if v != DeliveryMethod.ONLINE],
        widget=forms.RadioSelect,
    )
    carrier = _line(gettext_lazy("快递公司（邮寄时必填）"), max_length=50)
    tracking_number = _line(gettext_lazy("物流单号（邮寄时必填）"), max_length=50)
    recipient_name = _line(gettext_lazy("收件人/领取人"), max_length=50)
    recipient_phone = _line(gettext_lazy("联系电话"), max_length=20)
    address = _line(gettext_lazy("邮寄地址"), max_length=300)


class DeliveryConfirmForm(ActionForm):
    delivery_id = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(ActionForm):
    assignee = forms.TypedChoiceField(label=gettext_lazy("分派给"), coerce=int)

    def __init__(self, *args: Any, colleagues: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("请选择同事")), *list(colleagues)]


class OverrideForm(ActionForm):
    reason = _text(gettext_lazy("改判理由"))
    legal_basis = _text(gettext_lazy("法律依据"), rows=2)


class CommitmentCheckForm(ActionForm):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[("1", gettext_lazy("承诺属实")), ("0", gettext_lazy("承诺不实"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    result = _text(gettext_lazy("核查情况"), rows=2)


# --- supervision -------------------------------------------------------------------------------


class ResolveForm(forms.Form):
    result = _text(gettext_lazy("督办处理结果"), rows=2)


# --- window counter (一窗受理) ----------------------------------------------------------------


class WindowFindForm(forms.Form):
    id_number = forms.CharField(
        label=gettext_lazy("申请人公民身份号码"), max_length=18, min_length=15, strip=True
    )
    q = _line(gettext_lazy("事项名称或实施编码（可选择外省市事项）"), max_length=100)


class WindowCaseForm(forms.Form):
    """The application entered at the counter: the item's form fields, the paper materials
    received (with copies) and what to do next."""

    NEXT = [
        ("accept", gettext_lazy("提交并当场受理")),
        ("submit", gettext_lazy("仅提交，待受理")),
    ]
    next_step = forms.ChoiceField(
        label=gettext_lazy("录入后"), choices=NEXT, widget=forms.RadioSelect
    )
    request_tolerance = forms.BooleanField(
        label=gettext_lazy("申请容缺受理（非核心材料可后补）"), required=False
    )

    def __init__(
        self, *args: Any, guide: Any, materials: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.form_keys: list[str] = []
        self.material_keys: list[tuple[str, str, str]] = []
        for f in guide.form.fields:
            name = f"form__{f.key}"
            self.fields[name] = _form_field(f)
            self.form_keys.append(f.key)
        for code, m in materials:
            self.fields[f"paper__{code}"] = forms.BooleanField(
                label=_("已收取纸质材料：%(name)s") % {"name": m.name}, required=False
            )
            self.fields[f"copies__{code}"] = forms.IntegerField(
                label=_("%(name)s 份数") % {"name": m.name},
                required=False,
                min_value=1,
                max_value=50,
                initial=1,
            )
            self.material_keys.append((code, f"paper__{code}", f"copies__{code}"))

    def form_rows(self) -> list[Any]:
        return [self[f"form__{k}"] for k in self.form_keys]

    def material_rows(self) -> list[tuple[Any, Any]]:
        return [(self[p], self[c]) for _code, p, c in self.material_keys]

    def form_data(self) -> dict[str, Any]:
        out = {}
        for key in self.form_keys:
            value = self.cleaned_data.get(f"form__{key}")
            if value in (None, "", []):
                continue
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            out[key] = value
        return out

    def papers(self) -> list[tuple[str, int]]:
        return [
            (code, self.cleaned_data.get(c) or 1)
            for code, p, c in self.material_keys
            if self.cleaned_data.get(p)
        ]

    def add_problems(self, problems: list[FieldProblem]) -> list[FieldProblem]:
        rest = []
        for p in problems:
            if p.field.startswith("form.") and f"form__{p.field[5:]}" in self.fields:
                self.add_error(f"form__{p.field[5:]}", p.message)
            elif p.field.startswith("materials.") and f"paper__{p.field[10:]}" in self.fields:
                self.add_error(f"paper__{p.field[10:]}", p.message)
            else:
                rest.append(p)
        return rest


def _form_field(f: Any) -> forms.Field:
    """A Django field for a guide form field; the service checks the value again (form_clean)."""
    label, required = f.label, False  # completeness is the service's call at submission
    kwargs: dict[str, Any] = {"label": label, "required": required, "help_text": f.help_text}
    if f.type == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, **kwargs)
    if f.type == "number":
        return forms.DecimalField(**kwargs)
    if f.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kwargs)
    if f.type == "select":
        return forms.ChoiceField(
            choices=[("", _("请选择"))] + [(o, o) for o in f.options], **kwargs
        )
    if f.type == "multiselect":
        return forms.MultipleChoiceField(
            choices=[(o, o) for o in f.options], widget=forms.CheckboxSelectMultiple, **kwargs
        )
    if f.type == "checkbox":
        return forms.BooleanField(**kwargs)
    return forms.CharField(max_length=f.max_length or 500, **kwargs)


# --- 秒批 and the item's case policy ----------------------------------------------------------


class PolicyForm(forms.Form):
    allows_tolerance = forms.BooleanField(label=gettext_lazy("允许容缺受理"), required=False)
    tolerance_days = forms.IntegerField(
        label=gettext_lazy("容缺材料补齐期限（工作日）"), min_value=1, max_value=60
    )
    allows_commitment = forms.BooleanField(label=gettext_lazy("实行告知承诺制"), required=False)
    commitment_template = _text(gettext_lazy("承诺书文本"), required=False)
    commitment_check_days = forms.IntegerField(
        label=gettext_lazy("承诺核查期限（工作日）"), min_value=1, max_value=365
    )
    instant_enabled = forms.BooleanField(
        label=gettext_lazy("启用秒批（按规则自动审批）"), required=False
    )
    is_joint = forms.BooleanField(
        label=gettext_lazy("联合办理（法定时限45个工作日）"), required=False
    )
    correction_days = forms.IntegerField(
        label=gettext_lazy("补正期限（工作日）"), min_value=1, max_value=60
    )


class RuleForm(forms.Form):
    rule_id = forms.TypedChoiceField(
        label=gettext_lazy("新增或修改"), required=False, coerce=int, empty_value=None
    )
    name = _line(gettext_lazy("规则名称"), required=True)
    conditions = forms.CharField(
        label=gettext_lazy("判定条件（JSON 列表）"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=gettext_lazy(
            '例：[{"field": "area", "op": "lte", "value": 100}, {"license": "CN-LIC-YYZZ", "op": "verified"}]'
        ),
    )
    decision_text = _text(gettext_lazy("自动决定内容"), required=False, rows=2)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, rules: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_id"].choices = [("", _("新增规则"))] + [
            (r.pk, _("修改：%(name)s") % {"name": r.name}) for r in rules
        ]

    def clean_conditions(self) -> Any:
        try:
            value = json.loads(self.cleaned_data["conditions"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("条件不是合法的 JSON：%(error)s") % {"error": exc}
            ) from exc
        if not isinstance(value, list):
            raise forms.ValidationError(_("条件须是一个列表，每项一个条件。"))
        return value


# --- appointments ------------------------------------------------------------------------------


class HallDayForm(forms.Form):
    hall = forms.ChoiceField(label=gettext_lazy("服务大厅"))
    day = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, halls: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hall"].choices = list(halls)


class AppointmentMarkForm(forms.Form):
    attended = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("已到场")), ("0", gettext_lazy("未到场"))],
        coerce=lambda v: v == "1",
    )
