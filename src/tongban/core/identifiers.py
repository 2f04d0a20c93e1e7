"""National identifiers: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015), and the
masks used wherever personal data is shown (standards.md §9.1–9.2).

python-stdnum does the arithmetic. Two gaps are closed here: `stdnum.cn.uscc` rejects valid codes
whose registration department is a letter (A 军队编制, N 农业, Y 其他) and never checks the GB 11714
check character embedded at position 17; and stdnum's exceptions say *that* a number is wrong,
while people need to be told *what* is wrong.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from tongban.core.errors import FieldProblem, ValidationFailed

# --- 公民身份号码 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitizenIdInfo:
    number: str
    birth_date: datetime.date
    sex: str  # GB/T 2261.1: "1" male, "2" female
    address_code: str
    place_name: str  # as it was called in the birth year (stdnum's loc.dat)

    @property
    def sex_label(self) -> str:
        return _("男") if self.sex == "1" else _("女")


def _normalise(value: object) -> str:
    # Full-width digits and letters (１２３Ｘ) come from Chinese input methods: NFKC folds them.
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s\-]", "", text).upper()


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldProblem(field, message)])


def validate_citizen_id(value: object, *, field: str = "id_number") -> str:
    """Return the normalised 18-character number or raise ValidationFailed naming the problem."""
    number = _normalise(value)
    if not number:
        raise _fail(_("请填写公民身份号码。"), field)
    try:
        number = ric.validate(number)
    except InvalidLength:
        if len(number) == 15 and number.isdigit():
            raise _fail(
                _("公民身份号码长度应为18位；15位的旧号码请换成现行的18位号码。"), field
            ) from None
        raise _fail(
            _("公民身份号码长度应为18位，您填写了%(n)d位。") % {"n": len(number)}, field
        ) from None
    except InvalidFormat:
        raise _fail(
            _("公民身份号码前17位应为数字，最后一位（校验码）应为数字或字母X。"), field
        ) from None
    except InvalidChecksum:
        raise _fail(
            _("公民身份号码校验码错误：请逐位核对号码，常见原因是抄错了某一位。"), field
        ) from None
    except InvalidComponent:
        raise _component_problem(number, field) from None
    except ValidationError:  # pragma: no cover - stdnum raises only the classes above
        raise _fail(_("公民身份号码无效。"), field) from None
    if ric.get_birth_date(number) > timezone.localdate():
        raise _fail(_("公民身份号码中的出生日期（第7–14位）晚于今天，请核对。"), field)
    return number


def _component_problem(number: str, field: str) -> ValidationFailed:
    """stdnum raises InvalidComponent for a bad birth date and an unknown address code alike."""
    digits = number[6:14]
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        return _fail(
            _("公民身份号码中的出生日期（第7–14位）无效：%(d)s 不是真实存在的日期。")
            % {"d": digits},
            field,
        )
    known = any(props for _part, props in numdb.get("cn/loc").info(number[:6]))
    if not known:
        return _fail(
            _("地址码不存在：公民身份号码前6位 %(code)s 不是有效的行政区划代码。")
            % {"code": number[:6]},
            field,
        )
    return _fail(
        _("地址码与出生年份不符：行政区划代码 %(code)s 在 %(year)d 年尚未设立或已撤销。")
        % {"code": number[:6], "year": birth.year},
        field,
    )


def citizen_id_info(value: object, *, field: str = "id_number") -> CitizenIdInfo:
    """Validate, then read what the number itself says (birth date, sex, birth place)."""
    number = validate_citizen_id(value, field=field)
    birth = ric.get_birth_date(number)
    place = ric.get_birth_place(number)
    county = place.get("county", "")
    province = place.get("province", "")
    place_name = county if county.startswith(province) else province + county
    return CitizenIdInfo(
        number=number,
        birth_date=birth,
        sex="1" if int(number[16]) % 2 else "2",
        address_code=number[:6],
        place_name=place_name,
    )


def citizen_id_with_check(body17: str) -> str:
    """The full number for 17 leading digits (demo and test data)."""
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError("body17 must be 17 digits")
    return body17 + ric.calc_check_digit(body17 + "0")


# --- 统一社会信用代码 ------------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
# 登记管理部门代码 (position 1): 1 机构编制 … 9 市场监管(工商), A 军队编制, N 农业, Y 其他.
REGISTRATION_DEPARTMENTS = frozenset("123456789ANY")
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code_check_char(body8: str) -> str:
    """GB 11714 check character of the 8-character organisation code body (position 9–16 of a
    credit code): 11 − Σ(value × weight) mod 11, 10 → X, 11 → 0; letters count A=10 … Z=35."""
    if len(body8) != 8:
        raise ValueError("body8 must be 8 characters")
    total = 0
    for char, weight in zip(body8, _ORG_CODE_WEIGHTS, strict=True):
        if char.isdigit():
            total += int(char) * weight
        elif "A" <= char <= "Z":
            total += (ord(char) - 55) * weight
        else:
            raise ValueError(f"invalid character {char!r}")
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_with_check(body17: str) -> str:
    """The 18-character code for 17 leading characters: appends the GB 32100 check character
    (stdnum's weights, which hold for letter-prefixed codes too)."""
    body17 = _normalise(body17)
    if len(body17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in body17):
        raise ValueError("body17 must be 17 characters of the GB 32100 alphabet")
    return body17 + uscc.calc_check_digit(body17)


def credit_code_build(*, department: str, category: str, region_code: str, org_body8: str) -> str:
    """A complete, valid credit code from its parts (the GB 11714 character is computed)."""
    body17 = (
        department + category + region_code + org_body8 + organization_code_check_char(org_body8)
    )
    return credit_code_with_check(body17)


def validate_credit_code(
    value: object, *, field: str = "credit_code", check_org_code: bool = True
) -> str:
    """Return the normalised 18-character code or raise ValidationFailed naming the problem.

    Checks, in order: length, alphabet, registration department (pos 1), region digits (pos 3–8),
    the GB 32100 check character (pos 18) and the GB 11714 check character of the embedded
    organisation code (pos 17). `check_org_code=False` skips the last for data known to carry
    codes assigned outside GB 11714."""
    code = _normalise(value)
    if not code:
        raise _fail(_("请填写统一社会信用代码。"), field)
    if len(code) != 18:
        raise _fail(_("统一社会信用代码长度应为18位，您填写了%(n)d位。") % {"n": len(code)}, field)
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_ALPHABET:
            raise _fail(
                _(
                    "统一社会信用代码第%(pos)d位的“%(char)s”不是允许的字符："
                    "只能使用数字和除 I、O、S、V、Z 以外的大写字母。"
                )
                % {"pos": position, "char": char},
                field,
            )
    if code[0] not in REGISTRATION_DEPARTMENTS:
        raise _fail(
            _("统一社会信用代码第1位（登记管理部门代码）“%(char)s”无效，应为1–9、A、N或Y。")
            % {"char": code[0]},
            field,
        )
    if not code[2:8].isdigit():
        raise _fail(_("统一社会信用代码第3–8位应为6位数字的登记管理机关行政区划代码。"), field)
    if code[17] != uscc.calc_check_digit(code[:17]):
        raise _fail(
            _("统一社会信用代码校验码（第18位）错误：请逐位核对代码，常见原因是抄错了某一位。"),
            field,
        )
    if code[:8].isdigit() and not uscc.is_valid(code):  # pragma: no cover - a safety net
        # stdnum covers digit-prefixed codes; it must agree with the checks above.
        raise _fail(_("统一社会信用代码无效。"), field)
    if check_org_code and code[16] != organization_code_check_char(code[8:16]):
        raise _fail(_("统一社会信用代码第9–17位（组织机构代码）的校验位错误，请核对代码。"), field)
    return code


def is_valid_credit_code(value: object) -> bool:
    try:
        validate_credit_code(value)
    except ValidationFailed:
        return False
    return True


def is_valid_citizen_id(value: object) -> bool:
    try:
        validate_citizen_id(value)
    except ValidationFailed:
        return False
    return True


# --- Masks for display (PIPL minimum necessary) -------------------------------------------------

COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "令狐",
        "夏侯",
        "轩辕",
        "独孤",
        "南宫",
        "西门",
        "端木",
        "呼延",
        "澹台",
        "万俟",
        "闻人",
        "赫连",
        "申屠",
        "濮阳",
        "太史",
        "钟离",
        "宗政",
        "仲孙",
        "单于",
        "拓跋",
        "百里",
        "东郭",
        "公冶",
        "第五",
        "左丘",
        "梁丘",
        "司空",
        "亓官",
        "司寇",
        "巫马",
        "羊舌",
        "微生",
        "漆雕",
        "乐正",
        "壤驷",
        "公良",
        "宰父",
        "谷梁",
        "段干",
        "东门",
        "呼延",
    ]
)


def mask_citizen_id(value: str) -> str:
    """110105********002X: the address code and the last four, nothing of the birth date."""
    number = _normalise(value)
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_credit_code(value: str) -> str:
    """Credit codes are public registration data; masking is only for tidy logs."""
    code = _normalise(value)
    return code[:8] + "*" * max(len(code) - 12, 0) + code[-4:] if len(code) > 12 else code


def mask_phone(value: str) -> str:
    """138****5678."""
    digits = _normalise(value)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """张*, 张**, 欧阳**: the surname stays, the given name is starred."""
    name = (value or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "*" * (len(name) - keep)


_ADDRESS_PART = re.compile(
    r"(.{1,12}?(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|地区|盟|区|县|旗))"
)
_BELOW_COUNTY = re.compile(r"街道|镇|乡|村|社区|路|街|巷|道|号|小区|大厦|楼|栋|单元|室|组")


def mask_address(value: str) -> str:
    """Keep the province, city and county (四川省成都市锦江区****); hide everything finer."""
    text = (value or "").strip()
    kept = ""
    rest = text
    for _i in range(3):
        match = _ADDRESS_PART.match(rest)
        if match is None or _BELOW_COUNTY.search(match.group(1)):
            break
        part = match.group(1)
        kept += part
        rest = rest[len(part) :]
        if part.endswith(("区", "县", "旗")) and not part.endswith(("自治区", "特别行政区")):
            break
    if not rest:
        return kept
    return kept + "****"
