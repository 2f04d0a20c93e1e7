import datetime

import pytest
import time_machine
from stdnum.cn import uscc

from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import (
    citizen_id_info,
    citizen_id_with_check,
    credit_code_build,
    credit_code_with_check,
    is_valid_citizen_id,
    is_valid_credit_code,
    mask_address,
    mask_citizen_id,
    mask_name,
    mask_phone,
    organization_code_check_char,
    validate_citizen_id,
    validate_credit_code,
)

# Real codes from standards.md §1.4, §6.2, §9.2 and python-stdnum's documentation.
REAL_CREDIT_CODES = [
    "11450721348531435D",
    "11450721MB15580811",
    "11370800MB28559184",
    "11100000000013338W",
    "11430000006122244L",
    "11330105002500287C",
    "91110000600037341L",
]


def _message(exc_info: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return str(exc_info.value.message)


# --- 统一社会信用代码 ---


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code


def test_credit_code_is_normalised():
    assert validate_credit_code(" 9111 0000-6000 37341l ") == "91110000600037341L"
    # Full-width characters from a Chinese input method.
    assert validate_credit_code("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


@pytest.mark.parametrize("department", ["A", "N", "Y"])
def test_letter_prefixed_codes_that_stdnum_rejects_are_accepted(department):
    code = credit_code_build(
        department=department, category="1", region_code="510104", org_body8="MA6CJ8K2"
    )
    assert not uscc.is_valid(code)  # the gap this module closes
    assert validate_credit_code(code) == code


def test_organization_code_check_char_matches_real_codes():
    for code in REAL_CREDIT_CODES:
        assert organization_code_check_char(code[8:16]) == code[16]


def test_credit_code_with_check_appends_the_gb32100_character():
    assert credit_code_with_check("91110000600037341") == "91110000600037341L"
    assert credit_code_with_check("11450721348531435") == "11450721348531435D"


def test_credit_code_length_message():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code("9111000060003734")
    assert _message(exc_info) == "统一社会信用代码长度应为18位，您填写了16位。"
    assert exc_info.value.fields[0].field == "credit_code"


def test_credit_code_empty_message():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code("  ")
    assert "请填写" in _message(exc_info)


def test_credit_code_charset_message_names_the_position():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code("91110000600O37341L")
    message = _message(exc_info)
    assert "第12位" in message
    assert "“O”" in message
    assert "I、O、S、V、Z" in message


def test_credit_code_registration_department_message():
    code = credit_code_with_check("B1110000600037341")
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code(code)
    assert "第1位（登记管理部门代码）“B”无效" in _message(exc_info)


def test_credit_code_region_digits_message():
    code = credit_code_with_check("911100A0600037341")
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code(code)
    assert "第3–8位" in _message(exc_info)


def test_credit_code_check_digit_message():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code("91110000600037341M")
    assert "校验码（第18位）错误" in _message(exc_info)


def test_credit_code_embedded_organization_code_check_message():
    # Position 17 wrong, position 18 recomputed: only the GB 11714 check can catch it.
    code = credit_code_with_check("91110000600037342")
    assert uscc.is_valid(code)  # stdnum does not look at position 17
    with pytest.raises(ValidationFailed) as exc_info:
        validate_credit_code(code)
    assert "第9–17位（组织机构代码）的校验位错误" in _message(exc_info)
    assert validate_credit_code(code, check_org_code=False) == code


def test_is_valid_credit_code():
    assert is_valid_credit_code("91110000600037341L")
    assert not is_valid_credit_code("91110000600037341M")


# --- 公民身份号码 ---

VALID_ID = citizen_id_with_check("51010419900307002")  # 锦江区, 1990-03-07, female


def test_valid_citizen_id_and_what_it_says():
    assert validate_citizen_id(VALID_ID) == VALID_ID
    info = citizen_id_info(VALID_ID)
    assert info.birth_date == datetime.date(1990, 3, 7)
    assert info.sex == "2"
    assert info.sex_label == "女"
    assert info.address_code == "510104"
    assert info.place_name == "四川省锦江区"


def test_citizen_id_lowercase_x_and_spaces_are_normalised():
    number = citizen_id_with_check("11010519491231002")
    assert number.endswith("X")
    assert validate_citizen_id(" " + number[:6] + " " + number[6:-1] + "x") == number


def test_citizen_id_length_message():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id("51010419900307")
    assert _message(exc_info) == "公民身份号码长度应为18位，您填写了14位。"
    assert exc_info.value.fields[0].field == "id_number"


def test_fifteen_digit_legacy_number_is_explained():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id("510104900307002")
    assert "15位的旧号码" in _message(exc_info)


def test_citizen_id_format_message():
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id("5101041990030700A3")
    assert "前17位应为数字" in _message(exc_info)


def test_citizen_id_check_digit_message():
    wrong = VALID_ID[:-1] + ("1" if VALID_ID[-1] != "1" else "2")
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id(wrong)
    assert "校验码错误" in _message(exc_info)


def test_citizen_id_birth_date_message():
    number = citizen_id_with_check("51010419900230002")  # 30 February
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id(number)
    assert "出生日期（第7–14位）无效：19900230" in _message(exc_info)


@time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
def test_citizen_id_birth_date_in_the_future_message():
    number = citizen_id_with_check("51010420300101002")
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id(number)
    assert "晚于今天" in _message(exc_info)


def test_citizen_id_unknown_address_code_message():
    number = citizen_id_with_check("99999919900307002")
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id(number)
    assert _message(exc_info) == ("地址码不存在：公民身份号码前6位 999999 不是有效的行政区划代码。")


def test_citizen_id_address_code_abolished_before_birth_message():
    number = citizen_id_with_check("11010320150307002")  # 崇文区 was abolished in 2010
    with pytest.raises(ValidationFailed) as exc_info:
        validate_citizen_id(number)
    assert "110103 在 2015 年尚未设立或已撤销" in _message(exc_info)


def test_historical_address_code_is_valid_for_people_born_before():
    number = citizen_id_with_check("11010319850307002")
    assert is_valid_citizen_id(number)
    assert citizen_id_info(number).place_name == "北京市崇文区"


# --- masks ---


def test_mask_citizen_id():
    assert mask_citizen_id("11010519491231002X") == "110105********002X"
    assert mask_citizen_id("") == ""


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张晓燕", "张**"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧*"), ("李", "*")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("四川省成都市锦江区春熙路街道总府路2号", "四川省成都市锦江区****"),
        ("重庆市渝中区解放碑民族路88号", "重庆市渝中区****"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放南路1号", "新疆维吾尔自治区乌鲁木齐市天山区****"),
        ("四川省简阳市东溪街道幸福小区3栋", "四川省简阳市****"),
        ("四川省阿坝藏族羌族自治州汶川县威州镇", "四川省阿坝藏族羌族自治州汶川县****"),
        ("四川省成都市锦江区", "四川省成都市锦江区"),
    ],
)
def test_mask_address_keeps_up_to_the_county(address, masked):
    assert mask_address(address) == masked
