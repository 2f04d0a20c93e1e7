"""National coding of matters (standards.md §1): the 12-character basic code (基本编码) and the
31-character implementation code (实施编码 = credit code(18) + exercise level(1) + basic code(12))."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from tongban.core.codes import ExerciseLevel
from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.identifiers import validate_credit_code
from tongban.core.models import RegionLevel

BASIC_CODE_RE = re.compile(r"^[0-9A-Z]{12}$")

# The exercise level that matches the level of the implementing body's region.
LEVEL_FOR_REGION = {
    RegionLevel.PROVINCE: ExerciseLevel.PROVINCIAL,
    RegionLevel.CITY: ExerciseLevel.CITY,
    RegionLevel.COUNTY: ExerciseLevel.COUNTY,
    RegionLevel.TOWNSHIP: ExerciseLevel.TOWNSHIP,
    RegionLevel.VILLAGE: ExerciseLevel.VILLAGE,
}


def validate_basic_code(code: str, *, field: str = "code") -> str:
    code = (code or "").strip().upper()
    if not BASIC_CODE_RE.match(code):
        raise ValidationFailed(
            _("基本编码应为12位数字或大写字母，当前为“%(code)s”。") % {"code": code},
            fields=[FieldProblem(field, _("基本编码应为12位。"))],
        )
    return code


def build_implementation_code(*, credit_code: str, exercise_level: str, basic_code: str) -> str:
    credit_code = validate_credit_code(credit_code)
    if exercise_level not in ExerciseLevel.values:
        raise ValidationFailed(_("行使层级代码“%(level)s”无效。") % {"level": exercise_level})
    return f"{credit_code}{exercise_level}{validate_basic_code(basic_code)}"


def parse_implementation_code(code: str) -> tuple[str, str, str]:
    """Split a 31-character implementation code and check each part; raises ValidationFailed."""
    code = (code or "").strip().upper()
    if len(code) != 31:
        raise ValidationFailed(
            _(
                "实施编码应为31位（18位统一社会信用代码 + 1位行使层级 + 12位基本编码），当前为%(n)s位。"
            )
            % {"n": len(code)},
            fields=[FieldProblem("code", _("长度应为31位。"))],
        )
    credit, level, basic = code[:18], code[18], code[19:]
    validate_credit_code(credit)
    if level not in ExerciseLevel.values:
        raise ValidationFailed(_("实施编码第19位（行使层级）“%(level)s”无效。") % {"level": level})
    validate_basic_code(basic)
    return credit, level, basic
