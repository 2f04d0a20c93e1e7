"""电子证照标识 (GB/T 36904-2018), standards.md §6.2:

    1.2.156.3005.2 . 证照类型代码 . 证照颁发机构代码 . 流水号 . 版本号 . 校验位

- 1.2.156.3005.2 is the root code of electronic licences.
- 证照类型代码: the defining body's unified social credit code (18) + a 3-digit sequence, e.g.
  住建部 `11100000000013338W011` (二级建造师).
- 证照颁发机构代码: the issuer's credit code (18), or a 6-digit division code (some provinces).
- 流水号: the issuer's serial, digits and upper-case letters (the check alphabet).
- 版本号: 3 digits, 001–999; a renewal (换证) gets the next version.
- 校验位: ISO/IEC 7064 MOD 37,36 over type code + issuer code + serial + version with the dots
  removed (python-stdnum `mod_37_36`). Verified against live identifiers, e.g.
  `1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`.

Pure functions: no database, safe to call anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.iso7064 import mod_37_36

from tongban.core.errors import FieldProblem, ValidationFailed
from tongban.core.identifiers import CREDIT_CODE_ALPHABET

ROOT = "1.2.156.3005.2"
MAX_SERIAL_LENGTH = 32
MAX_VERSION = 999

_CREDIT18 = f"[{CREDIT_CODE_ALPHABET}]{{18}}"
_TYPE_CODE = re.compile(rf"^{_CREDIT18}[0-9]{{3}}$")
_ISSUER_CODE = re.compile(rf"^(?:{_CREDIT18}|[0-9]{{6}})$")
_SERIAL = re.compile(rf"^[0-9A-Z]{{1,{MAX_SERIAL_LENGTH}}}$")
_VERSION = re.compile(r"^[0-9]{3}$")


@dataclass(frozen=True)
class LicenseIdentifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    @property
    def value(self) -> str:
        return ".".join(
            [ROOT, self.type_code, self.issuer_code, self.serial, f"{self.version:03d}", self.check]
        )

    def __str__(self) -> str:
        return self.value


def _fail(message: str, field: str = "identifier") -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldProblem(field, message)])


def _normalise(value: object) -> str:
    # Full-width characters come from Chinese input methods; identifiers are upper case.
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value or ""))).upper()


def _check_type_code(type_code: str, field: str) -> None:
    if not _TYPE_CODE.match(type_code):
        raise _fail(
            _(
                "证照类型代码“%(code)s”格式不对：应为证照定义机构的18位统一社会信用代码"
                "加3位数字顺序码，共21位，例如 11100000000013338W011。"
            )
            % {"code": type_code},
            field,
        )


def _check_issuer_code(issuer_code: str, field: str) -> None:
    if not _ISSUER_CODE.match(issuer_code):
        raise _fail(
            _(
                "证照颁发机构代码“%(code)s”格式不对：应为颁发机构的18位统一社会信用代码，"
                "或6位行政区划代码。"
            )
            % {"code": issuer_code},
            field,
        )


def _check_serial(serial: str, field: str) -> None:
    if not _SERIAL.match(serial):
        raise _fail(
            _("流水号“%(serial)s”格式不对：只能使用数字和大写字母，长度为1–%(max)d位。")
            % {"serial": serial, "max": MAX_SERIAL_LENGTH},
            field,
        )


def _check_char(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    return mod_37_36.calc_check_digit(f"{type_code}{issuer_code}{serial}{version:03d}")


def license_identifier_build(*, type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The full identifier with its check character. Raises ValidationFailed naming the part that
    is wrong."""
    type_code, issuer_code, serial = (_normalise(v) for v in (type_code, issuer_code, serial))
    _check_type_code(type_code, "type_code")
    _check_issuer_code(issuer_code, "issuer_code")
    _check_serial(serial, "serial")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        raise _fail(
            _("版本号应为1–%(max)d之间的整数，首次颁发为1，每次换证加1。") % {"max": MAX_VERSION},
            "version",
        )
    check = _check_char(type_code, issuer_code, serial, version)
    return LicenseIdentifier(type_code, issuer_code, serial, version, check).value


def license_identifier_parse(value: str) -> LicenseIdentifier:
    """Split an identifier into its parts, checking each part and the check character."""
    text = _normalise(value)
    if not text:
        raise _fail(_("请填写电子证照标识。"))
    if not text.startswith(ROOT + "."):
        raise _fail(
            _("电子证照标识应以电子证照根代码“%(root)s.”开头，请核对是否复制完整。")
            % {"root": ROOT}
        )
    parts = text[len(ROOT) + 1 :].split(".")
    if len(parts) != 5:
        raise _fail(
            _(
                "电子证照标识在根代码之后应有5段（证照类型代码.颁发机构代码.流水号.版本号.校验位），"
                "您提供的有%(n)d段。"
            )
            % {"n": len(parts)}
        )
    type_code, issuer_code, serial, version_text, check = parts
    _check_type_code(type_code, "identifier")
    _check_issuer_code(issuer_code, "identifier")
    _check_serial(serial, "identifier")
    if not _VERSION.match(version_text) or version_text == "000":
        raise _fail(_("版本号“%(v)s”格式不对：应为3位数字，如 001。") % {"v": version_text})
    version = int(version_text)
    if len(check) != 1:
        raise _fail(_("校验位应为1个字符（数字或大写字母），您提供的是“%(c)s”。") % {"c": check})
    expected = _check_char(type_code, issuer_code, serial, version)
    if check != expected:
        raise _fail(_("电子证照标识校验位不符：请逐位核对标识，常见原因是抄错了某一位或某一段。"))
    return LicenseIdentifier(type_code, issuer_code, serial, version, check)
