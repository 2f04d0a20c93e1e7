"""Forms of the applicant's case pages (办件).

The application form itself is not a Django form: its fields come from the guide version the
case was started under (catalog FormDefinition), and the cases service checks the values
(`form_clean`), so here a field definition becomes a `FieldView` to render and the posted values
are read back into the types the service expects. Values the browser sends in a wrong shape are
passed on as they are, so the service's Chinese message says what to fix."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core.errors import DomainError

# Input attributes per field type: the right keyboard on phones, the browser's autofill.
INPUT_ATTRS: dict[str, dict[str, str]] = {
    "text": {"type": "text"},
    "address": {"type": "text", "autocomplete": "street-address"},
    "number": {"type": "text", "inputmode": "decimal"},
    "date": {"type": "date"},
    "citizen_id": {"type": "text", "inputmode": "text", "autocomplete": "off", "maxlength": "18"},
    "credit_code": {"type": "text", "autocomplete": "off", "maxlength": "18"},
    "phone": {"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": "11"},
    "email": {"type": "email", "autocomplete": "email"},
    "region": {"type": "text", "inputmode": "numeric", "maxlength": "12"},
}
TYPE_HINTS = {
    "date": gettext_lazy("格式：年-月-日，例如 2026-01-31"),
    "citizen_id": gettext_lazy("18位公民身份号码"),
    "credit_code": gettext_lazy("18位统一社会信用代码"),
    "phone": gettext_lazy("11位手机号码"),
    "region": gettext_lazy("6位行政区划代码，例如 510104（成都市锦江区）"),
}


@dataclass
class FieldView:
    """One field of the application form, ready for the template."""

    key: str
    name: str  # the input name: "f_<key>" (form keys never clash with csrf or buttons)
    input_id: str
    label: str
    type: str
    required: bool
    help_text: str
    hint: str
    options: list[str]
    value: Any
    attrs: dict[str, str]
    pattern: str
    max_length: int | None
    condition_field: str = ""  # visible_if: shown only when that field …
    condition_label: str = ""
    condition_value: str = ""  # … has this value (JSON, compared by the script)
    condition_text: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def selected(self) -> list[str]:
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [str(self.value)] if self.value not in (None, "") else []

    @property
    def text_value(self) -> str:
        if self.value is None or isinstance(self.value, (list, bool)):
            return ""
        return str(self.value)


def input_name(key: str) -> str:
    return f"f_{key}"


def _condition_text(label: str, equals: Any) -> str:
    if equals is True:
        return _("仅当选择“%(label)s”时填写") % {"label": label}
    if equals is False:
        return _("仅当未选择“%(label)s”时填写") % {"label": label}
    return _("仅当“%(label)s”为“%(value)s”时填写") % {"label": label, "value": equals}


def field_views(
    definitions: list[Any], values: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> list[FieldView]:
    """FieldViews for the guide's form fields with the current values and the service's
    messages (keyed "form.<key>")."""
    labels = {f.key: f.label for f in definitions}
    errors = errors or {}
    views = []
    for f in definitions:
        attrs = dict(INPUT_ATTRS.get(f.type, {}))
        if f.max_length and f.type in {"text", "address", "textarea"}:
            attrs["maxlength"] = str(f.max_length)
        condition = f.visible_if or {}
        other = str(condition.get("field", "")) if condition else ""
        views.append(
            FieldView(
                key=f.key,
                name=input_name(f.key),
                input_id=f"id_f_{f.key}",
                label=f.label,
                type=f.type,
                required=f.required,
                help_text=f.help_text,
                hint=str(TYPE_HINTS.get(f.type, "")),
                options=list(f.options),
                value=values.get(f.key),
                attrs=attrs,
                pattern=f.pattern,
                max_length=f.max_length,
                condition_field=input_name(other) if other else "",
                condition_label=labels.get(other, other),
                condition_value=json.dumps(condition.get("equals"), ensure_ascii=False)
                if other
                else "",
                condition_text=_condition_text(labels.get(other, other), condition.get("equals"))
                if other
                else "",
                errors=errors.get(f"form.{f.key}", []),
            )
        )
    return views


def _number(raw: str) -> Any:
    try:
        number = float(raw)
    except ValueError:
        return raw  # the service answers "请填写数字"
    return int(number) if number.is_integer() and "." not in raw else number


def posted_values(definitions: list[Any], data: QueryDict) -> dict[str, Any]:
    """The values of the posted form in the types the service expects. Only fields present in
    the request are returned (an autosave of one section does not blank the others); a form
    post carries `present` = the keys it rendered, so an unticked checkbox counts as False."""
    present = set(data.getlist("present")) if "present" in data else None
    out: dict[str, Any] = {}
    for f in definitions:
        name = input_name(f.key)
        if present is not None and f.key not in present:
            continue
        if f.type == "checkbox":
            out[f.key] = data.get(name) == "1"
            continue
        if f.type == "multiselect":
            out[f.key] = data.getlist(name)
            continue
        if name not in data:
            continue
        raw = data.get(name, "").replace("\x00", "").strip()
        if f.type == "number" and raw:
            out[f.key] = _number(raw)
        else:
            out[f.key] = raw
    return out


def problems_by_field(error: DomainError) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for problem in error.fields:
        grouped.setdefault(problem.field, []).append(problem.message)
    return grouped


# --- Small Django forms -------------------------------------------------------------------------


class ApplicantChoiceForm(forms.Form):
    """Who applies: oneself, or an enterprise the agent holds an "apply" grant for."""

    applicant = forms.ChoiceField(
        label=gettext_lazy("以谁的名义申请"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择申请人。")},
    )

    def __init__(self, *args: Any, enterprises: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("self", _("本人申请"))]
        choices += [
            (str(lp.public_id), _("代“%(name)s”申请") % {"name": lp.name}) for lp in enterprises
        ]
        self.fields["applicant"].choices = choices
        self.fields["applicant"].error_messages["invalid_choice"] = _(
            "请从列表中选择申请人；如需代企业申请，请先取得企业授权。"
        )
        self.initial.setdefault("applicant", "self")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("选择文件"),
        help_text=gettext_lazy("PDF、JPG、PNG或OFD格式"),
        error_messages={
            "required": gettext_lazy("请先选择要上传的文件。"),
            "empty": gettext_lazy("文件是空的，请重新选择。"),
            "invalid": gettext_lazy("没有收到文件，请重新选择。"),
        },
    )


class SubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    request_tolerance = forms.BooleanField(
        label=gettext_lazy("申请容缺受理：非核心材料暂缺，承诺在规定期限内补齐"), required=False
    )
    commitment = forms.BooleanField(
        label=gettext_lazy("我已阅读并签署告知承诺书，以承诺代替相关证明材料"), required=False
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("本人承诺所填信息和所交材料真实、有效"),
        error_messages={"required": gettext_lazy("请确认所填信息和所交材料真实有效。")},
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=gettext_lazy("撤回原因（选填）"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionForm(VersionForm):
    note = forms.CharField(
        label=gettext_lazy("补正说明（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProgressForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("办件编号"),
        max_length=40,
        help_text=gettext_lazy("提交申请后页面和短信中给出的编号，例如 510104-20261122-000017"),
        error_messages={"required": gettext_lazy("请填写办件编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.RegexField(
        label=gettext_lazy("查询码"),
        regex=r"^\s*\d{6}\s*$",
        help_text=gettext_lazy("6位数字，提交申请时显示并以短信发送"),
        error_messages={
            "required": gettext_lazy("请填写查询码。"),
            "invalid": gettext_lazy("查询码是6位数字，请核对。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().replace("\x00", "")

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()
