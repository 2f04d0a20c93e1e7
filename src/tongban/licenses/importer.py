"""Bulk import of a legacy license registry (存量证照导入): one CSV or Excel file, all rows or
none, with row-level errors in Chinese and progress on the ImportJob.

Three phases, so progress is visible while the work runs: (1) read and check every row (nothing
is written; any error fails the whole file), (2) reserve serial numbers and sign every license
in a tight loop, (3) insert everything in ONE transaction with bulk_create in chunks. A failure
in (3) rolls the whole file back.

Columns (first row is the header): 持证主体名称, 持证主体代码 (公民身份号码 or 统一社会信用代码),
颁发日期, optional 证照编号, 有效期起始, 有效期截止 ("长期" or empty = the type's rule), then the
type's fields by their Chinese label (or key).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import DomainError, ValidationFailed
from tongban.licenses.models import (
    ImportJob,
    ImportStatus,
    License,
    LicenseSource,
)

MAX_ERRORS_KEPT = 500
CHUNK = 2000
PROGRESS_EVERY = 2000
MAX_ROWS = 200_000

COLUMN_ALIASES = {
    "holder_name": ("持证主体名称", "持证主体", "持证人", "持证人姓名", "名称"),
    "holder_key": ("持证主体代码", "公民身份号码", "身份证号码", "统一社会信用代码"),
    "number": ("证照编号",),
    "issued_on": ("颁发日期", "发证日期"),
    "valid_from": ("有效期起始", "有效期自"),
    "valid_until": ("有效期截止", "有效期至"),
}
PERMANENT = ("长期", "永久", "长期有效")


@dataclass
class ParsedRow:
    row: int
    holder_key: str
    holder_name: str
    number: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    content: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: str) -> date | None:
    text = (
        value.strip()
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
        .replace("/", "-")
        .replace(".", "-")
    )
    if not text:
        return None
    if " " in text:
        text = text.split(" ", 1)[0]
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError:
        if len(text) == 8 and text.isdigit():
            try:
                return date(int(text[:4]), int(text[4:6]), int(text[6:]))
            except ValueError:
                return None
        return None


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells as text (header first)."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValidationFailed(
                _("无法读取 Excel 文件：%(e)s") % {"e": exc.__class__.__name__}
            ) from exc
        sheet = workbook.worksheets[0]
        rows = [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(_("CSV 文件编码无法识别，请另存为 UTF-8。"))
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _header_map(header: list[str], license_type: Any) -> tuple[dict[int, str], list[str]]:
    """Column index → target ("holder_name", …, or "content:<key>") and problems."""
    by_name: dict[str, str] = {}
    for target, names in COLUMN_ALIASES.items():
        for name in names:
            by_name[name] = target
    for field in license_type.fields:
        by_name[field["label"]] = f"content:{field['key']}"
        by_name[field["key"]] = f"content:{field['key']}"
    mapping: dict[int, str] = {}
    problems: list[str] = []
    for index, name in enumerate(header):
        if not name:
            continue
        target = by_name.get(name)
        if target is None:
            problems.append(
                _("未知列“%(c)s”：请删除，或改为“%(t)s”的字段名称。")
                % {"c": name, "t": license_type.name}
            )
        elif target in mapping.values():
            problems.append(_("列“%(c)s”重复。") % {"c": name})
        else:
            mapping[index] = target
    for required in ("holder_name", "holder_key", "issued_on"):
        if required not in mapping.values():
            problems.append(_("缺少必需的列“%(c)s”。") % {"c": COLUMN_ALIASES[required][0]})
    return mapping, problems


def _set_progress(job: ImportJob, **values: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now(), **values)


def _fail(
    job: ImportJob, errors: list[dict[str, Any]], total_errors: int | None = None
) -> ImportJob:
    _set_progress(
        job,
        status=ImportStatus.FAILED,
        phase=_("校验未通过，未导入任何数据"),
        errors=errors[:MAX_ERRORS_KEPT],
        error_count=total_errors if total_errors is not None else len(errors),
        finished_at=timezone.now(),
        data=b"",
    )
    job.refresh_from_db()
    return job


def check_rows(
    job: ImportJob, table: list[list[str]]
) -> tuple[list[ParsedRow], list[dict[str, Any]], int]:
    from tongban.licenses.services import _validity, validate_content, validate_holder

    license_type = job.license_type
    errors: list[dict[str, Any]] = []
    error_total = 0

    def problem(row: int, field: str, message: str) -> None:
        nonlocal error_total
        error_total += 1
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append({"row": row, "field": field, "message": message})

    if not table:
        problem(1, "", _("文件没有内容。"))
        return [], errors, error_total
    mapping, header_problems = _header_map(table[0], license_type)
    for message in header_problems:
        problem(1, "", message)
    if header_problems:
        return [], errors, error_total
    labels = {f"content:{f['key']}": f["label"] for f in license_type.fields}
    labels.update({t: names[0] for t, names in COLUMN_ALIASES.items()})
    body = [r for r in table[1:] if any(c for c in r)]
    if len(body) > MAX_ROWS:
        problem(0, "", _("一个文件最多 %(n)d 行，请拆分后分别导入。") % {"n": MAX_ROWS})
        return [], errors, error_total
    existing_numbers = set(
        License.objects.filter(license_type=license_type, issuer=job.issuer)
        .exclude(number="")
        .values_list("number", flat=True)
    )
    seen_numbers: set[str] = set()
    parsed: list[ParsedRow] = []
    _set_progress(job, total_rows=len(body), processed_rows=0, phase=_("校验数据"))
    row_number = 1
    for position, cells in enumerate(table[1:], start=2):
        if not any(c for c in cells):
            continue
        row_number += 1
        values: dict[str, str] = {
            "holder_name": "",
            "holder_key": "",
            "number": "",
            "issued_on": "",
            "valid_from": "",
            "valid_until": "",
        }
        content: dict[str, str] = {}
        for index, target in mapping.items():
            cell = cells[index] if index < len(cells) else ""
            if target.startswith("content:"):
                content[target[8:]] = cell
            else:
                values[target] = cell
        row_ok = True
        try:
            holder_key, holder_name = validate_holder(
                license_type.holder_kind, values["holder_key"], values["holder_name"]
            )
        except ValidationFailed as exc:
            row_ok = False
            for fp in exc.fields or []:
                problem(
                    position,
                    labels.get(fp.field, COLUMN_ALIASES["holder_key"][0])
                    if fp.field != "holder_key"
                    else COLUMN_ALIASES["holder_key"][0],
                    fp.message,
                )
            if not exc.fields:
                problem(position, "", exc.message)
            holder_key = holder_name = ""
        try:
            cleaned = validate_content(license_type, content)
        except ValidationFailed as exc:
            row_ok = False
            for fp in exc.fields:
                problem(position, labels.get(f"content:{fp.field}", fp.field), fp.message)
            cleaned = {}
        issued_on = parse_date(values["issued_on"])
        if issued_on is None:
            row_ok = False
            problem(
                position,
                _("颁发日期"),
                _("日期“%(v)s”无法识别，请写成 2024-03-01。") % {"v": values["issued_on"]},
            )
        valid_from = parse_date(values["valid_from"]) if values["valid_from"] else None
        if values["valid_from"] and valid_from is None:
            row_ok = False
            problem(
                position,
                _("有效期起始"),
                _("日期“%(v)s”无法识别，请写成 2024-03-01。") % {"v": values["valid_from"]},
            )
        valid_until: date | None = None
        permanent = values["valid_until"] in PERMANENT
        if values["valid_until"] and not permanent:
            valid_until = parse_date(values["valid_until"])
            if valid_until is None:
                row_ok = False
                problem(
                    position,
                    _("有效期截止"),
                    _("日期“%(v)s”无法识别，请写成 2024-03-01 或“长期”。")
                    % {"v": values["valid_until"]},
                )
        number = values["number"]
        if number:
            if number in seen_numbers:
                row_ok = False
                problem(position, _("证照编号"), _("证照编号 %(n)s 在文件中重复。") % {"n": number})
            elif number in existing_numbers:
                row_ok = False
                problem(position, _("证照编号"), _("证照编号 %(n)s 已经导入过。") % {"n": number})
            seen_numbers.add(number)
        if row_ok and issued_on is not None:
            try:
                if permanent:
                    start, end = valid_from or issued_on, None
                else:
                    start, end = _validity(license_type, issued_on, valid_from, valid_until)
            except ValidationFailed as exc:
                problem(position, _("有效期截止"), exc.message)
                row_ok = False
            else:
                parsed.append(
                    ParsedRow(
                        position, holder_key, holder_name, number, issued_on, start, end, cleaned
                    )
                )
        if row_number % PROGRESS_EVERY == 0:
            _set_progress(job, processed_rows=row_number - 1)
    _set_progress(job, processed_rows=len(body))
    return parsed, errors, error_total


def run_import(*, job_id: int) -> ImportJob:
    from tongban.licenses.services import _active_key, build_license, reserve_serials, serial_text

    job = ImportJob.objects.select_related("license_type", "issuer").get(pk=job_id)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), phase=_("读取文件")
    )
    if not claimed:  # already run (a task retried): imports are idempotent per job
        return job
    try:
        table = read_table(job.filename, bytes(job.data))
    except ValidationFailed as exc:
        return _fail(job, [{"row": 0, "field": "", "message": exc.message}])
    rows, errors, total_errors = check_rows(job, table)
    del table  # 100k-row files: keep only the parsed rows in memory
    if total_errors:
        return _fail(job, errors, total_errors)
    if not rows:
        return _fail(job, [{"row": 0, "field": "", "message": _("文件中没有数据行。")}])
    try:
        key = _active_key(job.issuer)
        year = timezone.localdate().year
        with transaction.atomic():
            first = reserve_serials(
                license_type=job.license_type, issuer=job.issuer, year=year, count=len(rows)
            )
        _set_progress(job, phase=_("签名"), processed_rows=0)
        licenses: list[License] = []
        for offset, row in enumerate(rows):
            serial = serial_text(year, first + offset)
            licenses.append(
                build_license(
                    license_type=job.license_type,
                    issuer=job.issuer,
                    key=key,
                    serial=serial,
                    version=1,
                    holder_kind=job.license_type.holder_kind,
                    holder_key=row.holder_key,
                    holder_name=row.holder_name,
                    content=row.content,
                    number=row.number or serial,
                    issued_on=row.issued_on,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                    source=LicenseSource.IMPORT,
                    issued_by=job.created_by,
                    import_job=job,
                )
            )
            if (offset + 1) % PROGRESS_EVERY == 0:
                _set_progress(job, processed_rows=offset + 1)
        _set_progress(job, phase=_("写入数据库"), processed_rows=len(rows))
        today = timezone.localdate()
        with transaction.atomic():
            # No LicenseEvent per row: the ImportJob (License.import_job) is their issuance
            # record, and a second 100k-row insert would double the write.
            for start in range(0, len(licenses), CHUNK):
                License.objects.bulk_create(licenses[start : start + CHUNK])
            expired = sum(1 for lic in licenses if lic.valid_until and lic.valid_until < today)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.SUCCEEDED,
                phase=_("完成"),
                created_count=len(licenses),
                finished_at=timezone.now(),
                data=b"",
            )
            audit_record(
                actor=job.created_by,
                action="licenses.import.complete",
                obj=job,
                summary={
                    "created": len(licenses),
                    "type": job.license_type.code,
                    "already_expired": expired,
                },
            )
    except DomainError as exc:
        return _fail(job, [{"row": 0, "field": "", "message": exc.message}])
    except Exception as exc:
        _fail(
            job,
            [
                {
                    "row": 0,
                    "field": "",
                    "message": _("导入中断（%(e)s），未导入任何数据。")
                    % {"e": exc.__class__.__name__},
                }
            ],
        )
        raise
    job.refresh_from_db()
    return job


def template_header(license_type: Any) -> list[str]:
    return ["持证主体名称", "持证主体代码", "证照编号", "颁发日期", "有效期起始", "有效期截止"] + [
        f["label"] for f in license_type.fields
    ]
