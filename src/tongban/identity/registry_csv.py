"""Reading registry CSV files for `manage identity registry import`.

Files are UTF-8 (a BOM, as Excel's "CSV UTF-8" writes, is accepted), comma-separated, with a
header row. Headers may be Chinese or English:

persons:        姓名 (name), 公民身份号码 (id_number), 状态 (status, optional: 正常 / 死亡注销 /
                其他注销; default 正常)
legal-persons:  名称 (name), 统一社会信用代码 (credit_code), 法定代表人 (representative_name),
                法定代表人身份证号 (representative_id_number), 状态 (status, optional: 存续 / 注销 /
                吊销; default 存续)

Parsing checks everything and reports every problem with its row (as a spreadsheet numbers
it: the header is row 1), column and reason; the import writes nothing unless there are none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import validate_citizen_id, validate_credit_code
from tongban.identity.models import LegalPersonStatus, PersonStatus


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if self.column:
            return _("第%(row)d行，“%(col)s”列：%(msg)s") % {
                "row": self.row,
                "col": self.column,
                "msg": self.message,
            }
        return _("第%(row)d行：%(msg)s") % {"row": self.row, "msg": self.message}


@dataclass
class ParsedFile:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = True


PERSON_COLUMNS = (
    Column("name", "姓名", ("姓名", "name")),
    Column("id_number", "公民身份号码", ("公民身份号码", "身份证号", "身份证号码", "id_number")),
    Column("status", "状态", ("状态", "status"), required=False),
)
LEGAL_PERSON_COLUMNS = (
    Column("name", "名称", ("名称", "企业名称", "name")),
    Column("credit_code", "统一社会信用代码", ("统一社会信用代码", "credit_code")),
    Column("representative_name", "法定代表人", ("法定代表人", "representative_name")),
    Column(
        "representative_id_number",
        "法定代表人身份证号",
        ("法定代表人身份证号", "法定代表人公民身份号码", "representative_id_number"),
    ),
    Column("status", "状态", ("状态", "status"), required=False),
)

PERSON_STATUS_WORDS = {
    "": PersonStatus.NORMAL,
    "正常": PersonStatus.NORMAL,
    "normal": PersonStatus.NORMAL,
    "死亡": PersonStatus.DECEASED,
    "死亡注销": PersonStatus.DECEASED,
    "deceased": PersonStatus.DECEASED,
    "注销": PersonStatus.CANCELLED,
    "其他注销": PersonStatus.CANCELLED,
    "cancelled": PersonStatus.CANCELLED,
}
LEGAL_PERSON_STATUS_WORDS = {
    "": LegalPersonStatus.ACTIVE,
    "存续": LegalPersonStatus.ACTIVE,
    "在业": LegalPersonStatus.ACTIVE,
    "开业": LegalPersonStatus.ACTIVE,
    "active": LegalPersonStatus.ACTIVE,
    "注销": LegalPersonStatus.CANCELLED,
    "cancelled": LegalPersonStatus.CANCELLED,
    "吊销": LegalPersonStatus.REVOKED,
    "revoked": LegalPersonStatus.REVOKED,
}


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _read(
    data: bytes, columns: tuple[Column, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    text = _decode(data)
    if text is None:
        return [], [
            RowProblem(
                0,
                "",
                _(
                    "文件不是 UTF-8 编码。用 Excel 保存时请选择“CSV UTF-8（逗号分隔）”；"
                    "GBK 编码的文件请先转换为 UTF-8。"
                ),
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowProblem(0, "", _("文件是空的：第1行应为表头。"))]
    header = [h.strip() for h in header]
    positions: dict[str, int] = {}
    problems: list[RowProblem] = []
    for column in columns:
        found = [i for i, h in enumerate(header) if h in column.aliases]
        if found:
            positions[column.key] = found[0]
        elif column.required:
            problems.append(
                RowProblem(1, column.label, _("缺少“%(col)s”列。") % {"col": column.label})
            )
    if problems:
        return [], problems
    rows: list[tuple[int, dict[str, str]]] = []
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        rows.append(
            (
                number,
                {
                    key: (record[i].strip() if i < len(record) else "")
                    for key, i in positions.items()
                },
            )
        )
    if not rows:
        problems.append(RowProblem(0, "", _("文件中没有数据行。")))
    return rows, problems


def _field(
    problems: list[RowProblem],
    number: int,
    label: str,
    check: Callable[[], Any],
) -> Any:
    try:
        return check()
    except ValidationFailed as exc:
        problems.append(RowProblem(number, label, exc.message))
        return None


def _name(value: str, limit: int) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed(_("不能为空。"))
    if len(name) > limit:
        raise ValidationFailed(_("不能超过%(n)d个字。") % {"n": limit})
    return name


def _status(value: str, words: dict[str, str]) -> str:
    key = value.strip()
    status = words.get(key) or words.get(key.lower())
    if status is None:
        allowed = "、".join(sorted({w for w in words if w and not w.isascii()}))
        raise ValidationFailed(_("无法识别“%(v)s”，应为：%(a)s。") % {"v": value, "a": allowed})
    return status


def parse_persons(data: bytes) -> ParsedFile:
    records, problems = _read(data, PERSON_COLUMNS)
    parsed = ParsedFile(problems=problems)
    seen: dict[str, int] = {}
    for number, record in records:
        name = _field(problems, number, "姓名", lambda r=record: _name(r["name"], 50))
        id_number = _field(
            problems, number, "公民身份号码", lambda r=record: validate_citizen_id(r["id_number"])
        )
        status = _field(
            problems,
            number,
            "状态",
            lambda r=record: _status(r.get("status", ""), PERSON_STATUS_WORDS),
        )
        if id_number and id_number in seen:
            problems.append(
                RowProblem(
                    number,
                    "公民身份号码",
                    _("与第%(n)d行的号码重复。") % {"n": seen[id_number]},
                )
            )
            continue
        if id_number:
            seen[id_number] = number
        if name and id_number and status:
            parsed.rows.append({"name": name, "id_number": id_number, "status": status})
    return parsed


def parse_legal_persons(data: bytes) -> ParsedFile:
    records, problems = _read(data, LEGAL_PERSON_COLUMNS)
    parsed = ParsedFile(problems=problems)
    seen: dict[str, int] = {}
    for number, record in records:
        name = _field(problems, number, "名称", lambda r=record: _name(r["name"], 200))
        code = _field(
            problems,
            number,
            "统一社会信用代码",
            lambda r=record: validate_credit_code(r["credit_code"], check_org_code=False),
        )
        rep = _field(
            problems, number, "法定代表人", lambda r=record: _name(r["representative_name"], 50)
        )
        rep_id = _field(
            problems,
            number,
            "法定代表人身份证号",
            lambda r=record: validate_citizen_id(r["representative_id_number"]),
        )
        status = _field(
            problems,
            number,
            "状态",
            lambda r=record: _status(r.get("status", ""), LEGAL_PERSON_STATUS_WORDS),
        )
        if code and code in seen:
            problems.append(
                RowProblem(
                    number, "统一社会信用代码", _("与第%(n)d行的代码重复。") % {"n": seen[code]}
                )
            )
            continue
        if code:
            seen[code] = number
        if name and code and rep and rep_id and status:
            parsed.rows.append(
                {
                    "name": name,
                    "credit_code": code,
                    "representative_name": rep,
                    "representative_id_number": rep_id,
                    "status": status,
                }
            )
    return parsed
