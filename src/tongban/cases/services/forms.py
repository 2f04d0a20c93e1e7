"""Checking application form data against the guide's form definition (catalog FormDefinition)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.guide_schema import FormDefinition, FormField
from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.identifiers import is_valid_citizen_id, is_valid_credit_code

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def field_visible(f: FormField, data: dict[str, Any]) -> bool:
    if not f.visible_if:
        return True
    return data.get(str(f.visible_if.get("field"))) == f.visible_if.get("equals")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _check_value(f: FormField, value: Any) -> str | None:
    if f.type in {"text", "textarea", "address"}:
        if not isinstance(value, str):
            return _("请填写文字。")
        if f.max_length and len(value) > f.max_length:
            return _("不能超过%(n)s个字。") % {"n": f.max_length}
        if f.pattern and not re.fullmatch(f.pattern, value):
            return _("格式不正确。")
        return None
    if f.type == "number":
        if isinstance(value, bool):
            return _("请填写数字。")
        try:
            float(value)
        except (TypeError, ValueError):
            return _("请填写数字。")
        return None
    if f.type == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return _("请按“年-月-日”填写日期，例如 2026-01-31。")
        return None
    if f.type == "select":
        return None if value in f.options else _("请从给定选项中选择。")
    if f.type == "multiselect":
        if not isinstance(value, list) or any(v not in f.options for v in value):
            return _("请从给定选项中选择。")
        return None
    if f.type == "checkbox":
        return None if isinstance(value, bool) else _("请填写“是”或“否”。")
    if f.type == "citizen_id":
        return None if is_valid_citizen_id(value) else _("公民身份号码不正确，请核对。")
    if f.type == "credit_code":
        return None if is_valid_credit_code(value) else _("统一社会信用代码不正确，请核对。")
    if f.type == "phone":
        return None if _PHONE.match(str(value)) else _("请填写11位手机号码。")
    if f.type == "email":
        return None if _EMAIL.match(str(value)) else _("电子邮箱格式不正确。")
    if f.type == "region":
        return None if re.fullmatch(r"\d{6}(\d{3}){0,2}", str(value)) else _("请选择行政区划。")
    return None


def form_clean(
    definition: FormDefinition, data: dict[str, Any], *, complete: bool
) -> dict[str, Any]:
    """Known fields only, values checked; with `complete`, required visible fields must be filled.
    Drafts are checked with complete=False (save as you go: gaps are fine, wrong values are not)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("申请表数据格式不正确。"))
    known = {f.key: f for f in definition.fields}
    problems: list[FieldProblem] = [
        FieldProblem(f"form.{key}", _("申请表中没有此项。")) for key in data if key not in known
    ]
    cleaned: dict[str, Any] = {}
    for f in definition.fields:
        value = data.get(f.key)
        if isinstance(value, str):
            value = value.strip()
        if not field_visible(f, data):
            continue
        if _empty(value) and f.type != "checkbox":
            if complete and f.required:
                problems.append(
                    FieldProblem(f"form.{f.key}", _("请填写“%(label)s”。") % {"label": f.label})
                )
            continue
        if value is None:
            continue
        message = _check_value(f, value)
        if message:
            problems.append(FieldProblem(f"form.{f.key}", f"{f.label}：{message}"))
            continue
        cleaned[f.key] = value
    if problems:
        raise ValidationFailed(
            _("申请表有%(n)s处需要修改。") % {"n": len(problems)}, fields=problems
        )
    return cleaned
