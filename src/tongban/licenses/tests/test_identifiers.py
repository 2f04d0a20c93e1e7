import pytest
from stdnum.iso7064 import mod_37_36

from tongban.core.errors import ValidationFailed
from tongban.licenses.identifiers import (
    LicenseIdentifier,
    license_identifier_build,
    license_identifier_parse,
)

# Live identifiers quoted in standards.md §6.2 (check characters verified there).
REAL_1 = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
REAL_2 = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"


def test_build_reproduces_real_identifiers():
    assert (
        license_identifier_build(
            type_code="11100000000013338W011",
            issuer_code="11430000006122244L",
            serial="20230000403",
            version=1,
        )
        == REAL_1
    )
    assert (
        license_identifier_build(
            type_code="11100000000013338W009",
            issuer_code="11330105002500287C",
            serial="2025052201",
            version=2,
        )
        == REAL_2
    )


def test_parse_returns_the_parts():
    parsed = license_identifier_parse(REAL_1)
    assert parsed == LicenseIdentifier(
        type_code="11100000000013338W011",
        issuer_code="11430000006122244L",
        serial="20230000403",
        version=1,
        check="U",
    )
    assert parsed.value == REAL_1
    assert str(license_identifier_parse(REAL_2)) == REAL_2


def test_check_character_covers_all_parts_without_dots():
    body = "11100000000013338W011" + "11430000006122244L" + "20230000403" + "001"
    assert mod_37_36.is_valid(body + "U")


def test_parse_normalises_case_spaces_and_full_width_characters():
    text = " 1.2.156.3005.2.11100000000013338w011.11430000006122244l.２０２３0000403.001.u\n"
    assert license_identifier_parse(text).value == REAL_1


def test_area_code_issuer_round_trip():
    value = license_identifier_build(
        type_code="11100000000013338W011", issuer_code="340100", serial="A001", version=12
    )
    parsed = license_identifier_parse(value)
    assert parsed.issuer_code == "340100"
    assert parsed.version == 12
    assert value.split(".")[-2] == "012"


def test_every_single_character_change_is_detected():
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    start = len("1.2.156.3005.2.11100000000013338W011.11430000006122244L.")
    serial_end = start + len("20230000403")
    for position in range(start, serial_end):
        for char in "0A7":
            if REAL_1[position] == char:
                continue
            changed = REAL_1[:position] + char + REAL_1[position + 1 :]
            with pytest.raises(ValidationFailed, match="校验位不符"):
                license_identifier_parse(changed)
    wrong_check = REAL_1[:-1] + next(c for c in alphabet if c != "U")
    with pytest.raises(ValidationFailed, match="校验位不符"):
        license_identifier_parse(wrong_check)


def test_swapped_adjacent_characters_are_detected():
    swapped = REAL_1.replace("20230000403", "20320000403")
    with pytest.raises(ValidationFailed, match="校验位不符"):
        license_identifier_parse(swapped)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "请填写电子证照标识"),
        ("1.2.156.3005.1.11100000000013338W011.11430000006122244L.1.001.U", "根代码"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.001.U", "应有5段"),
        ("1.2.156.3005.2.11100000000013338W11.11430000006122244L.1.001.U", "证照类型代码"),
        ("1.2.156.3005.2.11100000000013338W011.1143000000612224.1.001.U", "颁发机构代码"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-1.001.U", "流水号"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.1.01.U", "版本号"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.1.000.U", "版本号"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.1.001.UU", "校验位应为1个字符"),
    ],
)
def test_parse_says_what_is_wrong(value, expected):
    with pytest.raises(ValidationFailed) as excinfo:
        license_identifier_parse(value)
    assert expected in excinfo.value.message
    assert excinfo.value.fields[0].field == "identifier"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type_code": "11100000000013338W01"}, "type_code"),
        ({"type_code": "11100000000013338O011"}, "type_code"),  # O is not in the GB 32100 alphabet
        ({"issuer_code": "34010"}, "issuer_code"),
        ({"serial": ""}, "serial"),
        ({"serial": "A" * 33}, "serial"),
        ({"serial": "12.34"}, "serial"),
        ({"version": 0}, "version"),
        ({"version": 1000}, "version"),
        ({"version": True}, "version"),
    ],
)
def test_build_rejects_bad_parts(changes, field):
    arguments = {
        "type_code": "11100000000013338W011",
        "issuer_code": "11430000006122244L",
        "serial": "20230000403",
        "version": 1,
    } | changes
    with pytest.raises(ValidationFailed) as excinfo:
        license_identifier_build(**arguments)
    assert excinfo.value.fields[0].field == field
