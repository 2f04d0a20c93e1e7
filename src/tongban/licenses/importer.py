"""Bulk import of a legacy license registry (存量证照导入): one CSV or Excel file, all rows or
none, with row-level errors in Chinese and progress on the ImportJob.

Memory stays bounded whatever the file's length: rows are streamed from the stored file (CSV is
decoded incrementally, Excel read in openpyxl's read-only mode) and never held all at once.
Three passes over the same bytes, so progress is visible while the work runs:
(1) check every row (nothing is written; any error fails the whole file; only the error list
and the set of numbers seen are kept), (2) reserve serial numbers and sign every license, in
chunks, outside any transaction: only the Base64 signatures are kept, spooled to a temporary
file (no personal data in it), (3) rebuild each chunk of licenses with its spooled signature and
bulk_create it, all chunks in ONE transaction, so a failure rolls the whole file back and the
write transaction is not held open while signing (SM2 signs ~400 rows/s).

Columns (first row is the header): 持证主体名称, 持证主体代码 (公民身份号码 or 统一社会信用代码),
颁发日期, optional 证照编号, 有效期起始, 有效期截止 ("长期" or empty = the type's rule), then the
type's fields by their Chinese label (or key).
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterator
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


DECODE_CHUNK = 1 << 20


def _csv_encoding(data: bytes) -> str:
    """The first of UTF-8 (with or without BOM) and GB18030 that decodes the whole file, checked
    with an incremental decoder a megabyte at a time (no decoded copy of the file is kept)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), DECODE_CHUNK):
                decoder.decode(data[start : start + DECODE_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ValidationFailed(_("CSV 文件编码无法识别，请另存为 UTF-8。"))


def iter_table(filename: str, data: bytes) -> Iterator[list[str]]:
    """Rows of cells as text (header first), streamed. Raises ValidationFailed (before the first
    row) when the file cannot be read."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValidationFailed(
                _("无法读取 Excel 文件：%(e)s") % {"e": exc.__class__.__name__}
            ) from exc

        def excel_rows() -> Iterator[list[str]]:
            try:
                for row in workbook.worksheets[0].iter_rows(values_only=True):
                    yield [_text(c) for c in row]
            finally:
                workbook.close()

        return excel_rows()
    encoding = _csv_encoding(data)

    def csv_rows() -> Iterator[list[str]]:
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        for row in csv.reader(stream):
            yield [c.strip() for c in row]

    return csv_rows()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """All rows at once (small files and tests; the importer streams with `iter_table`)."""
    return list(iter_table(filename, data))


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


class RowChecker:
    """Checks one row at a time against the header and the type; keeps only the errors (the
    first MAX_ERRORS_KEPT, and their total) and the numbers seen, never the rows."""

    def __init__(self, job: ImportJob, header: list[str]) -> None:
        self.job = job
        self.license_type = job.license_type
        self.errors: list[dict[str, Any]] = []
        self.error_total = 0
        self.mapping, header_problems = _header_map(header, self.license_type)
        for message in header_problems:
            self.problem(1, "", message)
        self.header_ok = not header_problems
        self.labels = {f"content:{f['key']}": f["label"] for f in self.license_type.fields}
        self.labels.update({t: names[0] for t, names in COLUMN_ALIASES.items()})
        self.existing_numbers: set[str] | None = None
        self.seen_numbers: set[str] = set()

    def problem(self, row: int, field: str, message: str) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"row": row, "field": field, "message": message})

    def _number_taken(self, number: str) -> bool:
        if self.existing_numbers is None:
            self.existing_numbers = set(
                License.objects.filter(license_type=self.license_type, issuer=self.job.issuer)
                .exclude(number="")
                .values_list("number", flat=True)
            )
        return number in self.existing_numbers

    def check(self, position: int, cells: list[str]) -> ParsedRow | None:
        from tongban.licenses.services import _validity, validate_content, validate_holder

        license_type = self.license_type
        problem = self.problem
        labels = self.labels
        values: dict[str, str] = {
            "holder_name": "",
            "holder_key": "",
            "number": "",
            "issued_on": "",
            "valid_from": "",
            "valid_until": "",
        }
        content: dict[str, str] = {}
        for index, target in self.mapping.items():
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
            if number in self.seen_numbers:
                row_ok = False
                problem(position, _("证照编号"), _("证照编号 %(n)s 在文件中重复。") % {"n": number})
            elif self._number_taken(number):
                row_ok = False
                problem(position, _("证照编号"), _("证照编号 %(n)s 已经导入过。") % {"n": number})
            self.seen_numbers.add(number)
        if not row_ok or issued_on is None:
            return None
        try:
            if permanent:
                start, end = valid_from or issued_on, None
            else:
                start, end = _validity(license_type, issued_on, valid_from, valid_until)
        except ValidationFailed as exc:
            problem(position, _("有效期截止"), exc.message)
            return None
        return ParsedRow(position, holder_key, holder_name, number, issued_on, start, end, cleaned)


def _data_rows(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every non-empty row after the header."""
    rows = iter_table(job.filename, bytes(job.data))
    next(rows, None)
    for position, cells in enumerate(rows, start=2):
        if any(c for c in cells):
            yield position, cells


def check_rows(job: ImportJob) -> tuple[int, list[dict[str, Any]], int]:
    """Pass 1: (number of good rows, errors kept, error total). Keeps no row in memory."""
    rows = iter_table(job.filename, bytes(job.data))
    header = next(rows, None)
    if header is None:
        checker = RowChecker(job, [])
        checker.errors, checker.error_total = [], 0
        checker.problem(1, "", _("文件没有内容。"))
        return 0, checker.errors, checker.error_total
    checker = RowChecker(job, header)
    if not checker.header_ok:
        return 0, checker.errors, checker.error_total
    del rows
    _set_progress(job, total_rows=0, processed_rows=0, phase=_("校验数据"))
    count = good = 0
    for position, cells in _data_rows(job):
        count += 1
        if count > MAX_ROWS:
            checker.problem(0, "", _("一个文件最多 %(n)d 行，请拆分后分别导入。") % {"n": MAX_ROWS})
            return 0, checker.errors, checker.error_total
        if checker.check(position, cells) is not None:
            good += 1
        if count % PROGRESS_EVERY == 0:
            _set_progress(job, processed_rows=count)
    _set_progress(job, total_rows=count, processed_rows=count)
    return good, checker.errors, checker.error_total


def _parsed_rows(job: ImportJob) -> Iterator[ParsedRow]:
    """Passes 2 and 3: the checked rows again, parsed from the same bytes."""
    header = next(iter_table(job.filename, bytes(job.data)))
    checker = RowChecker(job, header)
    checker.existing_numbers = set()  # checked in pass 1; the stored file has not changed
    for position, cells in _data_rows(job):
        row = checker.check(position, cells)
        if row is None:  # cannot happen: pass 1 accepted every row of the same bytes
            raise ValidationFailed(_("第 %(n)d 行在复核时未通过校验。") % {"n": position})
        yield row


def run_import(*, job_id: int) -> ImportJob:
    from tongban.licenses.services import _active_key, build_license, reserve_serials, serial_text

    job = ImportJob.objects.select_related("license_type", "issuer").get(pk=job_id)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), phase=_("读取文件")
    )
    if not claimed:  # already run (a task retried): imports are idempotent per job
        return job
    try:
        count, errors, total_errors = check_rows(job)
    except ValidationFailed as exc:
        return _fail(job, [{"row": 0, "field": "", "message": exc.message}])
    if total_errors:
        return _fail(job, errors, total_errors)
    if not count:
        return _fail(job, [{"row": 0, "field": "", "message": _("文件中没有数据行。")}])
    try:
        key = _active_key(job.issuer)
        year = timezone.localdate().year
        with transaction.atomic():
            first = reserve_serials(
                license_type=job.license_type, issuer=job.issuer, year=year, count=count
            )

        def build(offset: int, row: ParsedRow, signature: str | None = None) -> License:
            serial = serial_text(year, first + offset)
            return build_license(
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
                signature=signature,
            )

        _set_progress(job, phase=_("签名"), processed_rows=0)
        with tempfile.TemporaryFile("w+", encoding="ascii") as spool:
            signed = 0
            for offset, row in enumerate(_parsed_rows(job)):
                spool.write(build(offset, row).signature + "\n")
                signed += 1
                if signed % PROGRESS_EVERY == 0:
                    _set_progress(job, processed_rows=signed)
            if signed != count:
                raise ValidationFailed(_("复核时行数与校验时不一致，未导入任何数据。"))
            _set_progress(job, phase=_("写入数据库"), processed_rows=count)
            spool.seek(0)
            today = timezone.localdate()
            expired = 0
            with transaction.atomic():
                # No LicenseEvent per row: the ImportJob (License.import_job) is their issuance
                # record, and a second 100k-row insert would double the write.
                chunk: list[License] = []
                for offset, (row, line) in enumerate(zip(_parsed_rows(job), spool, strict=True)):
                    lic = build(offset, row, line.rstrip("\n"))
                    if lic.valid_until and lic.valid_until < today:
                        expired += 1
                    chunk.append(lic)
                    if len(chunk) == CHUNK:
                        License.objects.bulk_create(chunk)
                        chunk = []
                if chunk:
                    License.objects.bulk_create(chunk)
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.SUCCEEDED,
                    phase=_("完成"),
                    created_count=count,
                    finished_at=timezone.now(),
                    data=b"",
                )
                audit_record(
                    actor=job.created_by,
                    action="licenses.import.complete",
                    obj=job,
                    summary={
                        "created": count,
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
