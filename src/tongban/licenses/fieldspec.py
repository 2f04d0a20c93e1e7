"""The license type's field schema as staff type it in the workbench: a JSON list, or one field
per line written `key | 中文名称 | 必填`. Parsing only; `services.license_type_save` validates
the result (unique keys, labels) and saves it."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.errors import FieldProblem, ValidationFailed

REQUIRED_WORDS = frozenset({"必填", "是", "required", "true", "1", "y", "yes"})


def parse_fields_text(text: str) -> list[dict[str, Any]]:
    """The field schema as typed in the form: a JSON list, or one field per line written
    `key | 中文名称 | 必填` (the third part optional). Raises ValidationFailed naming the line."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                _(
                    "证照字段的 JSON 格式有误（第 %(line)d 行第 %(col)d 列），请检查括号、引号和逗号。"
                )
                % {"line": exc.lineno, "col": exc.colno},
                fields=[FieldProblem("fields", _("JSON 格式有误"))],
            ) from None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ValidationFailed(
                _('证照字段的 JSON 应为列表，每项形如 {"key": "name", "label": "姓名"}。'),
                fields=[FieldProblem("fields", _("JSON 结构有误"))],
            )
        return value
    fields: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
            raise ValidationFailed(
                _("证照字段第 %(n)d 行应写成“key | 中文名称 | 必填”（必填可省略）。")
                % {"n": number},
                fields=[FieldProblem("fields", _("第 %(n)d 行格式有误") % {"n": number})],
            )
        if not parts[0].replace("_", "").isascii() or not parts[0].replace("_", "").isalnum():
            raise ValidationFailed(
                _("证照字段第 %(n)d 行的 key “%(k)s” 只能用英文字母、数字和下划线。")
                % {"n": number, "k": parts[0]},
                fields=[FieldProblem("fields", _("第 %(n)d 行 key 有误") % {"n": number})],
            )
        required = len(parts) == 3 and parts[2].lower() in REQUIRED_WORDS
        fields.append({"key": parts[0], "label": parts[1], "required": required})
    return fields


def fields_text(fields: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f['key']} | {f['label']}" + (" | 必填" if f.get("required") else "") for f in fields
    )
