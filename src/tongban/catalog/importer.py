"""Bulk import of the catalog (docs/catalog-import-format.md): basic items, implementation items
with their guides, and bundles, from the JSON exchange format (or an Excel workbook read into it
by `catalog.excel`).

All or nothing: `catalog_import` first checks every row and collects every problem (it never
stops at the first), and writes only when there are none — in one transaction, with bulk inserts
in batches and one audit entry for the whole file. An item whose implementation code already
exists gets a new guide version instead of a duplicate (see the format doc, "Updating")."""

from __future__ import annotations

import gc
import json
import multiprocessing as mp
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.catalog import services
from tongban.catalog.coding import BASIC_CODE_RE, LEVEL_FOR_REGION
from tongban.catalog.guide_schema import guide_to_json, parse_guide
from tongban.catalog.models import (
    BasicItem,
    Bundle,
    BundleMember,
    GuideStatus,
    GuideVersion,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.catalog.permissions import CATALOG_ROLES, check_basic_catalog_admin
from tongban.core.codes import ExerciseLevel, ThemeAudience
from tongban.core.crypto import sm3_hex
from tongban.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import validate_credit_code
from tongban.core.models import ImplementingBody, Region, StaffMembership, StaffRole
from tongban.core.scopes import staff_scope

FORMAT = "tongban.catalog/1"
BATCH = 2000  # rows per bulk insert and per progress report
_LOOKUP_CHUNK = 900  # values per IN (…) lookup: under SQLite's historical 999-parameter limit

PHASE_READ = "read"
PHASE_VALIDATE = "validate"
PHASE_WRITE = "write"

Progress = Callable[[int, int, str], None]

TOP_LEVEL_KEYS = frozenset({"format", "exported_at", "basic_items", "items", "bundles"})
BASIC_KEYS = frozenset(
    {
        "code",
        "name",
        "item_type",
        "parent_code",
        "legal_basis",
        "competent_department",
        "service_objects",
        "exercise_levels",
        "source",
    }
)
ITEM_KEYS = frozenset(
    {
        "code",
        "basic_code",
        "body_credit_code",
        "local_code",
        "local_basic_code",
        "popularity",
        "guide",
    }
)
BUNDLE_KEYS = frozenset(
    {
        "code",
        "name",
        "audience",
        "summary",
        "is_national_key",
        "promised_days",
        "region",
        "members",
        "definition",
    }
)
MEMBER_KEYS = frozenset({"basic_code", "stage", "note"})


# --- Problems and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One thing to fix. JSON: `sheet` is the section ("items"), `row` the 1-based position in it
    and `column` the field path ("guide.materials[2].copy_copies"). Excel (`excel=True`): the
    sheet name, the Excel row number and the Chinese column header."""

    sheet: str
    row: int
    column: str
    message: str
    excel: bool = False

    def text(self) -> str:
        if self.excel:
            where = _("工作表 %(sheet)s 第%(row)s行") % {"sheet": self.sheet, "row": self.row}
        elif self.row:
            where = _("%(sheet)s 第%(row)s条") % {"sheet": self.sheet, "row": self.row}
        else:
            where = self.sheet
        if self.column:
            where += f" 「{self.column}」"
        return f"{where}：{self.message}"

    def __str__(self) -> str:
        return self.text()


class ImportRejected(DomainError):
    """The file has problems; nothing was written. `problems` lists every one of them."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(
            message=_("导入文件有%(n)s处问题，未写入任何数据。请逐条修改后重新导入。")
            % {"n": len(problems)},
            code="import_rejected",
            fields=[
                FieldProblem(field=f"{p.sheet}:{p.row}:{p.column}", message=p.message)
                for p in problems
            ],
            status=422,
        )
        self.problems = problems


@dataclass
class ImportReport:
    publish: bool
    basic_items_created: int = 0
    basic_items_unchanged: int = 0
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    versions_created: int = 0
    facets_created: int = 0
    bundles_created: int = 0
    bundles_unchanged: int = 0
    validate_seconds: float = 0.0
    write_seconds: float = 0.0
    audit_entry_id: int | None = None

    @property
    def items_total(self) -> int:
        return self.items_created + self.items_updated + self.items_unchanged

    def counts(self) -> dict[str, int]:
        return {
            "basic_items_created": self.basic_items_created,
            "basic_items_unchanged": self.basic_items_unchanged,
            "items_created": self.items_created,
            "items_updated": self.items_updated,
            "items_unchanged": self.items_unchanged,
            "versions_created": self.versions_created,
            "facets_created": self.facets_created,
            "bundles_created": self.bundles_created,
            "bundles_unchanged": self.bundles_unchanged,
        }

    def text(self) -> str:
        mode = _("已发布") if self.publish else _("已提交待审核")
        return _(
            "基本目录新增%(bc)s项（未变%(bu)s项）；实施清单新增%(ic)s项、更新%(iu)s项、"
            "未变%(in)s项，新建指南版本%(vc)s个（%(mode)s）；一件事新增%(uc)s项（未变%(uu)s项）。"
        ) % {
            "bc": self.basic_items_created,
            "bu": self.basic_items_unchanged,
            "ic": self.items_created,
            "iu": self.items_updated,
            "in": self.items_unchanged,
            "vc": self.versions_created,
            "mode": mode,
            "uc": self.bundles_created,
            "uu": self.bundles_unchanged,
        }


# --- Entry points ------------------------------------------------------------------------------


def catalog_import(
    *,
    actor: Any,
    dataset: dict[str, Any],
    publish: bool = True,
    progress: Progress | None = None,
    source_name: str = "",
    source_digest: str = "",
    workers: int = 1,
) -> ImportReport:
    """Check the whole dataset, then write it in one transaction; raise ImportRejected (nothing
    written) when any row has a problem. `publish=False` leaves every new guide version
    `submitted` (待审核) for another catalog administrator to review. `workers` > 1 checks the
    guides of a big file in that many forked processes: for command-line use, not inside a
    threaded web server."""
    job = _Import(
        actor=actor,
        dataset=dataset,
        publish=publish,
        progress=progress,
        source_name=source_name,
        source_digest=source_digest,
        workers=workers,
    )
    problems = job.validate()
    if problems:
        raise ImportRejected(problems)
    return job.write()


def catalog_import_file(
    *,
    actor: Any,
    path: str | Path,
    publish: bool = True,
    progress: Progress | None = None,
    workers: int = 1,
) -> ImportReport:
    """Import a .json or .xlsx file. Excel problems are reported by sheet, row and column header."""
    path = Path(path)
    raw = path.read_bytes()
    digest = sm3_hex(raw)
    locate: Callable[[ImportProblem], ImportProblem] = lambda p: p  # noqa: E731
    order: Callable[[list[ImportProblem]], list[ImportProblem]] | None = None
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        # Imported here: catalog.excel builds on this module's ImportProblem.
        from tongban.catalog.excel import read_workbook

        workbook = read_workbook(path, progress=progress)
        dataset, early, locate = workbook.dataset, workbook.problems, workbook.locate
        order = workbook.order
    else:
        dataset, early = _load_json(raw)
        if early:
            raise ImportRejected(early)  # nothing more can be said about an unreadable file
    job = _Import(
        actor=actor,
        dataset=dataset,
        publish=publish,
        progress=progress,
        source_name=path.name,
        source_digest=digest,
        workers=workers,
    )
    problems = merge_problems(early, [locate(p) for p in job.validate()])
    if problems and order is not None:
        problems = order(problems)
    if problems:
        raise ImportRejected(problems)
    return job.write()


def merge_problems(first: list[ImportProblem], then: list[ImportProblem]) -> list[ImportProblem]:
    """`first` (cell-level problems found while reading) win over later problems at the same
    place: a bad number in a cell should be reported once, in the reader's words."""
    seen = {(p.sheet, p.row, p.column) for p in first}
    return first + [p for p in then if (p.sheet, p.row, p.column) not in seen]


def _load_json(raw: bytes) -> tuple[dict[str, Any], list[ImportProblem]]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return {}, [ImportProblem(_("文件"), 0, "", _("文件不是UTF-8编码的JSON。"))]
    except json.JSONDecodeError as exc:
        return {}, [
            ImportProblem(
                _("文件"),
                0,
                "",
                _("JSON格式错误（第%(line)s行第%(col)s列）：%(msg)s")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            )
        ]
    if not isinstance(data, dict):
        return {}, [ImportProblem(_("文件"), 0, "", _("文件内容应为一个JSON对象。"))]
    return data, []


def default_import_actor() -> Any:
    """The command line's default actor: the first active platform administrator."""
    membership = (
        StaffMembership.objects.filter(
            role=StaffRole.PLATFORM_ADMIN, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def import_actor_by_username(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise PermissionDenied(_("用户“%(u)s”不存在或已停用。") % {"u": username})
    return user


# --- Plans built during validation --------------------------------------------------------------


@dataclass
class _ItemPlan:
    row: int
    code: str
    basic: BasicItem
    body: ImplementingBody
    level: str
    local_code: str
    local_basic_code: str
    popularity: int | None
    content: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    columns: dict[str, Any] = field(default_factory=dict)
    facets: list[tuple[str, str]] = field(default_factory=list)
    existing_id: int | None = None


@dataclass
class _BundlePlan:
    row: int
    code: str
    name: str
    audience: str
    summary: str
    is_national_key: bool
    promised_days: int | None
    region: Region | None
    members: list[tuple[str, int, str]]
    definition: dict[str, Any]


class _Rows:
    """Typed reads of one JSON object, each failure becoming a problem at `section`/`row`."""

    def __init__(self, problems: list[ImportProblem], section: str, row: int, prefix: str = ""):
        self.problems = problems
        self.section = section
        self.row = row
        self.prefix = prefix

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.section, self.row, self.prefix + column, message))

    def check_keys(self, data: dict[str, Any], allowed: frozenset[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problem(str(key), _("不认识的字段，请检查拼写。"))

    def text(
        self, data: dict[str, Any], key: str, *, required: bool = False, max_length: int = 0
    ) -> str | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem(key, _("此项为必填项。"))
                return None
            return ""
        if not isinstance(value, str):
            self.problem(key, _("应为文本。"))
            return None
        value = value.strip()
        if required and not value:
            self.problem(key, _("此项为必填项。"))
            return None
        if max_length and len(value) > max_length:
            self.problem(key, _("内容过长（不超过%(n)s个字）。") % {"n": max_length})
            return None
        return value

    def integer(
        self, data: dict[str, Any], key: str, *, minimum: int = 0, maximum: int = 2**31 - 1
    ) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, _("请填写整数。"))
            return None
        if not minimum <= value <= maximum:
            self.problem(key, _("数值超出允许范围（%(a)s–%(b)s）。") % {"a": minimum, "b": maximum})
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str) -> bool | None:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, _("应为 true 或 false。"))
            return None
        return value

    def codes(self, data: dict[str, Any], key: str) -> list[str] | None:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, _('应为代码列表，如 ["1", "2"]。'))
            return None
        return [v.strip() for v in value]


# --- The import job -----------------------------------------------------------------------------


class _Import:
    def __init__(
        self,
        *,
        actor: Any,
        dataset: dict[str, Any],
        publish: bool,
        progress: Progress | None,
        source_name: str,
        source_digest: str,
        workers: int = 1,
    ) -> None:
        self.workers = workers
        self.actor = actor
        self.dataset = dataset
        self.publish = publish
        self.progress = progress
        self.source_name = source_name
        self.source_digest = source_digest
        self.problems: list[ImportProblem] = []
        self.report = ImportReport(publish=publish)
        # Filled by validate(), used by write().
        self.basics: dict[str, BasicItem] = {}  # every basic item the file may refer to
        self.new_basics: list[tuple[BasicItem, str]] = []  # (unsaved item, parent code)
        self.bad_basics: set[str] = set()  # codes of basic rows with problems of their own
        self.items: list[_ItemPlan] = []
        self.bundles: list[_BundlePlan] = []
        self._validated = False

    # -- validation --

    def validate(self) -> list[ImportProblem]:
        started = time.monotonic()
        data = self.dataset
        if not isinstance(data, dict):
            self.problems.append(ImportProblem(_("文件"), 0, "", _("文件内容应为一个JSON对象。")))
            return self.problems
        self._check_top_level(data)
        basic_rows = self._section(data, "basic_items")
        item_rows = self._section(data, "items")
        bundle_rows = self._section(data, "bundles")
        self.basic_admin = self._is_basic_admin() if (basic_rows or bundle_rows) else False
        self._validate_basic_items(basic_rows)
        self._load_referenced_basics(item_rows, bundle_rows)
        self._validate_items(item_rows)
        self._validate_bundles(bundle_rows)
        self.report.validate_seconds = time.monotonic() - started
        self._validated = True
        return self.problems

    def _check_top_level(self, data: dict[str, Any]) -> None:
        fmt = data.get("format")
        if fmt != FORMAT:
            self.problems.append(
                ImportProblem(
                    "format",
                    0,
                    "format",
                    _("文件格式标识应为“%(want)s”，当前为“%(got)s”。")
                    % {"want": FORMAT, "got": fmt or ""},
                )
            )
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.problems.append(
                    ImportProblem(str(key), 0, "", _("不认识的内容块，请检查拼写。"))
                )

    def _section(self, data: dict[str, Any], key: str) -> list[Any]:
        rows = data.get(key, [])
        if not isinstance(rows, list):
            self.problems.append(ImportProblem(key, 0, "", _("应为列表。")))
            return []
        return rows

    def _is_basic_admin(self) -> bool:
        try:
            check_basic_catalog_admin(self.actor)
        except PermissionDenied:
            return False
        return True

    # basic items

    def _validate_basic_items(self, rows: list[Any]) -> None:
        wanted = [
            r["code"].strip().upper()
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("code"), str)
        ]
        existing = _by_code(BasicItem.objects.select_related("parent"), wanted)
        seen: dict[str, int] = {}
        parents: list[tuple[_Rows, str, str]] = []
        for index, raw in enumerate(rows):
            row = _Rows(self.problems, "basic_items", index + 1)
            if not isinstance(raw, dict):
                row.problem("", _("每一项应为对象。"))
                continue
            row.check_keys(raw, BASIC_KEYS)
            code = row.text(raw, "code", required=True)
            name = row.text(raw, "name", required=True, max_length=200)
            item_type = row.text(raw, "item_type", required=True)
            parent_code = (row.text(raw, "parent_code") or "").upper()
            legal_basis = row.text(raw, "legal_basis")
            department = row.text(raw, "competent_department", max_length=100)
            source = row.text(raw, "source", max_length=100)
            objects = row.codes(raw, "service_objects")
            levels = row.codes(raw, "exercise_levels")
            if code is None:
                continue
            code = code.upper()
            if code in seen:
                row.problem(
                    "code",
                    _("基本编码%(code)s与第%(row)s条重复。") % {"code": code, "row": seen[code]},
                )
                continue
            seen[code] = index + 1
            if None in (name, item_type, legal_basis, department, source, objects, levels):
                self.bad_basics.add(code)
                continue
            fields = {
                "name": name,
                "item_type": item_type,
                "legal_basis": legal_basis,
                "competent_department": department,
                "service_objects": objects,
                "exercise_levels": levels,
                "source": source,
            }
            current = existing.get(code)
            if current is not None:
                self._compare_basic(row, current, fields, parent_code)
                self.basics[code] = current
                self.report.basic_items_unchanged += 1
                continue
            if not self.basic_admin:
                row.problem("code", _("只有省级事项管理员可以新增基本目录事项。"))
            try:
                item = services._basic_item_build(code=code, parent_code="", **fields)
            except ValidationFailed as exc:
                # validate_basic_code explains itself in the message; the other rules per field.
                detailed = exc.message != _("基本目录事项信息有误。")
                for fp in exc.fields:
                    row.problem(fp.field, exc.message if detailed else fp.message)
                self.bad_basics.add(code)
                continue
            self.basics[item.code] = item
            self.new_basics.append((item, parent_code))
            if parent_code:
                parents.append((row, item.code, parent_code))
        self._check_parents(parents)

    def _compare_basic(
        self, row: _Rows, current: BasicItem, fields: dict[str, Any], parent_code: str
    ) -> None:
        wanted = {
            **fields,
            "service_objects": sorted(set(fields["service_objects"])),
            "exercise_levels": sorted(set(fields["exercise_levels"])),
            "parent_code": parent_code,
        }
        stored = {
            "name": current.name,
            "item_type": current.item_type,
            "legal_basis": current.legal_basis,
            "competent_department": current.competent_department,
            "service_objects": sorted(current.service_objects),
            "exercise_levels": sorted(current.exercise_levels),
            "source": current.source,
            "parent_code": current.parent.code if current.parent else "",
        }
        differing = [key for key in wanted if wanted[key] != stored[key]]
        if differing:
            row.problem(
                differing[0],
                _(
                    "基本编码%(code)s已存在，且与文件中的内容不同（%(fields)s）。导入不修改已有的"
                    "基本目录事项：请删去这一行，或在基本目录管理中修改。"
                )
                % {"code": current.code, "fields": "、".join(differing)},
            )

    def _check_parents(self, parents: list[tuple[_Rows, str, str]]) -> None:
        missing = {p for _row, _code, p in parents if p not in self.basics}
        self.basics.update(_by_code(BasicItem.objects.select_related("parent"), missing))
        new_parent_of = {item.code: parent for item, parent in self.new_basics}
        for row, code, parent_code in parents:
            parent = self.basics.get(parent_code)
            if parent is None and parent_code in self.bad_basics:
                self.bad_basics.add(code)  # the main item's own problems are reported already
            elif parent is None:
                row.problem(
                    "parent_code",
                    _("主项编码%(code)s不存在（文件和系统中都没有）。") % {"code": parent_code},
                )
                self.bad_basics.add(code)
            elif parent.parent_id is not None or new_parent_of.get(parent_code):
                row.problem("parent_code", _("子项不能再挂在子项下。"))
                self.bad_basics.add(code)

    def _load_referenced_basics(self, item_rows: list[Any], bundle_rows: list[Any]) -> None:
        wanted: set[str] = set()
        for raw in item_rows:
            if isinstance(raw, dict) and isinstance(raw.get("basic_code"), str):
                wanted.add(raw["basic_code"].strip().upper())
        for raw in bundle_rows:
            members = raw.get("members") if isinstance(raw, dict) else None
            for member in members if isinstance(members, list) else []:
                if isinstance(member, dict) and isinstance(member.get("basic_code"), str):
                    wanted.add(member["basic_code"].strip().upper())
        wanted -= self.basics.keys()
        self.basics.update(_by_code(BasicItem.objects.all(), wanted))

    # implementation items

    def _validate_items(self, rows: list[Any]) -> None:
        credit_codes = {
            r["body_credit_code"].strip().upper()
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("body_credit_code"), str)
        }
        bodies = {
            b.credit_code: b
            for b in _chunked_query(
                ImplementingBody.objects.select_related("region"), "credit_code", credit_codes
            )
        }
        scope = staff_scope(self.actor, roles=CATALOG_ROLES)
        in_scope: dict[int, bool] = {}
        seen: dict[str, int] = {}
        entries: list[tuple[_Rows, dict[str, Any], _ItemPlan | None]] = []
        # Pass 1: references (cheap), so existing items can be looked up in bulk before pass 2.
        # A row with a bad reference still has its guide checked, so every problem is reported.
        for index, raw in enumerate(rows):
            row = _Rows(self.problems, "items", index + 1)
            if not isinstance(raw, dict):
                row.problem("", _("每一项应为对象。"))
                continue
            row.check_keys(raw, ITEM_KEYS)
            given_code = (row.text(raw, "code") or "").upper()
            basic_code = (row.text(raw, "basic_code", required=True) or "").upper()
            credit = (row.text(raw, "body_credit_code", required=True) or "").upper()
            local_code = row.text(raw, "local_code", max_length=60) or ""
            local_basic_code = row.text(raw, "local_basic_code", max_length=50) or ""
            popularity = row.integer(raw, "popularity")
            guide = raw.get("guide")
            if not isinstance(guide, dict):
                row.problem("guide", _("缺少办事指南（guide），或其不是对象。"))
            basic = self._basic_for(row, basic_code)
            body = self._body_for(row, credit, bodies)
            if body is not None:
                if body.pk not in in_scope:
                    in_scope[body.pk] = scope.covers(
                        region_code=body.region_id,
                        department_id=body.department_id,
                        roles=CATALOG_ROLES,
                    )
                if not in_scope[body.pk]:
                    row.problem("body_credit_code", _("该实施主体不在您的管理范围内。"))
                    body = None
            plan = None
            if basic is not None and body is not None:
                plan = self._item_plan(row, index, given_code, basic, body, seen)
                if plan is not None:
                    plan.local_code = local_code
                    plan.local_basic_code = local_basic_code
                    plan.popularity = popularity
            if isinstance(guide, dict):
                entries.append((row, guide, plan))
        existing = self._existing_items([p.code for _r, _g, p in entries if p is not None])
        # Pass 2: the guides (the expensive part: progress is reported here).
        tasks = [
            (
                guide,
                plan.basic.item_type if plan and plan.basic.code not in self.bad_basics else None,
                plan.level if plan else None,
                self.publish,
            )
            for _row, guide, plan in entries
        ]
        total, done = len(rows), 0
        for results in _check_guides_in_batches(tasks, self.workers):
            for result in results:
                row, _guide, plan = entries[done]
                self._apply_guide_result(row, plan, result, existing)
                done += 1
            if self.progress and done < total:
                self.progress(done, total, PHASE_VALIDATE)
        if self.progress:
            self.progress(total, total, PHASE_VALIDATE)

    def _item_plan(
        self,
        row: _Rows,
        index: int,
        given_code: str,
        basic: BasicItem,
        body: ImplementingBody,
        seen: dict[str, int],
    ) -> _ItemPlan | None:
        level = LEVEL_FOR_REGION[body.region.level]
        if basic.code not in self.bad_basics and level not in basic.exercise_levels:
            row.problem(
                "body_credit_code",
                _(
                    "基本目录未将该事项设定在%(level)s行使（实施主体“%(body)s”属于该层级），"
                    "请核对实施主体或基本目录的行使层级。"
                )
                % {"level": ExerciseLevel(level).label, "body": body.name},
            )
        code = f"{body.credit_code}{level}{basic.code}"
        if given_code and given_code != code:
            row.problem(
                "code",
                _(
                    "实施编码应为%(code)s（统一社会信用代码 + 行使层级%(level)s + 基本编码），"
                    "与实施主体和基本编码不符。"
                )
                % {"code": code, "level": level},
            )
        if code in seen:
            row.problem(
                "code" if given_code else "basic_code",
                _("与第%(row)s条是同一事项（实施编码%(code)s），同一文件中只能出现一次。")
                % {"row": seen[code], "code": code},
            )
            return None
        seen[code] = index + 1
        return _ItemPlan(
            row=index + 1,
            code=code,
            basic=basic,
            body=body,
            level=level,
            local_code="",
            local_basic_code="",
            popularity=None,
        )

    def _basic_for(self, row: _Rows, code: str) -> BasicItem | None:
        if not code:
            return None
        basic = self.basics.get(code)
        if basic is None and code in self.bad_basics:
            return None  # the basic row's own problems are reported already
        if basic is None:
            if not BASIC_CODE_RE.match(code):
                row.problem("basic_code", _("基本编码应为12位数字或大写字母。"))
            else:
                row.problem(
                    "basic_code",
                    _("基本编码%(code)s不存在（文件和系统中都没有）。") % {"code": code},
                )
            return None
        if not basic.is_active:
            row.problem("basic_code", _("基本目录事项%(code)s已停用。") % {"code": code})
            return None
        return basic

    def _body_for(
        self, row: _Rows, credit: str, bodies: dict[str, ImplementingBody]
    ) -> ImplementingBody | None:
        if not credit:
            return None
        body = bodies.get(credit)
        if body is None:
            try:
                validate_credit_code(credit)
            except ValidationFailed as exc:
                row.problem("body_credit_code", exc.message)
                return None
            row.problem(
                "body_credit_code",
                _("统一社会信用代码为%(code)s的实施主体尚未登记，请先在机构管理中登记。")
                % {"code": credit},
            )
            return None
        if not body.is_active:
            row.problem("body_credit_code", _("实施主体“%(name)s”已停用。") % {"name": body.name})
            return None
        return body

    def _existing_items(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        found = {
            row["code"]: row
            for row in _chunked_query(
                ImplementationItem.objects.values(
                    "id", "code", "published_version__content_digest"
                ),
                "code",
                codes,
            )
        }
        if found:
            ids = [row["id"] for row in found.values()]
            open_versions = dict(
                _chunked_query(
                    GuideVersion.objects.filter(
                        status__in=[GuideStatus.DRAFT, GuideStatus.SUBMITTED]
                    ).values_list("item_id", "number"),
                    "item_id",
                    ids,
                )
            )
            for row in found.values():
                row["open_version"] = open_versions.get(row["id"])
        return found

    def _apply_guide_result(
        self,
        row: _Rows,
        plan: _ItemPlan | None,
        result: _GuideResult,
        existing: dict[str, dict[str, Any]],
    ) -> None:
        if result.problems:
            for path, message in result.problems:
                row.problem("guide." + path, message)
            return
        if plan is None:
            return
        plan.content, plan.digest = result.content, result.digest
        plan.columns, plan.facets = result.columns, result.facets
        current = existing.get(plan.code)
        if current is not None:
            if current["open_version"] is not None:
                row.problem(
                    "code",
                    _(
                        "该事项已有未发布的第%(n)s版（草稿或待审核）。请先在事项管理中发布或删除"
                        "该版本，再导入新版本。"
                    )
                    % {"n": current["open_version"]},
                )
                return
            if current["published_version__content_digest"] == plan.digest:
                self.report.items_unchanged += 1
                return
            plan.existing_id = current["id"]
        self.items.append(plan)

    # bundles

    def _validate_bundles(self, rows: list[Any]) -> None:
        wanted = [
            r["code"].strip()
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("code"), str)
        ]
        existing = _by_code(Bundle.objects.prefetch_related("members__basic_item"), wanted)
        region_codes = [
            r["region"] for r in rows if isinstance(r, dict) and isinstance(r.get("region"), str)
        ]
        regions = {r.code: r for r in Region.objects.filter(code__in=region_codes)}
        seen: dict[str, int] = {}
        for index, raw in enumerate(rows):
            row = _Rows(self.problems, "bundles", index + 1)
            if not isinstance(raw, dict):
                row.problem("", _("每一项应为对象。"))
                continue
            before = len(self.problems)
            row.check_keys(raw, BUNDLE_KEYS)
            code = row.text(raw, "code", required=True, max_length=32)
            name = row.text(raw, "name", required=True, max_length=100)
            audience = row.text(raw, "audience", required=True)
            summary = row.text(raw, "summary")
            key = row.boolean(raw, "is_national_key")
            promised = row.integer(raw, "promised_days", maximum=32767)
            region_code = row.text(raw, "region")
            definition = raw.get("definition", {})
            if audience and audience not in ThemeAudience.values:
                row.problem(
                    "audience",
                    _("服务对象应为 personal（个人服务）或 corporate（法人服务）。"),
                )
            if not isinstance(definition, dict):
                row.problem("definition", _("共享字段与材料应为JSON对象。"))
            region = regions.get(region_code) if region_code else None
            if region_code and (region is None or not region.is_current):
                row.problem("region", _("适用区划%(code)s不存在或已撤销。") % {"code": region_code})
            members = self._bundle_members(row, raw.get("members"))
            if code is None:
                continue
            if code in seen:
                row.problem(
                    "code",
                    _("一件事编码%(code)s与第%(row)s条重复。") % {"code": code, "row": seen[code]},
                )
                continue
            seen[code] = index + 1
            if len(self.problems) > before:
                continue
            plan = _BundlePlan(
                row=index + 1,
                code=code,
                name=name or "",
                audience=audience or "",
                summary=summary or "",
                is_national_key=bool(key),
                promised_days=promised,
                region=region,
                members=members,
                definition=definition,
            )
            current = existing.get(code)
            if current is not None:
                self._compare_bundle(row, current, plan)
                self.report.bundles_unchanged += 1
                continue
            if not self.basic_admin:
                row.problem("code", _("只有省级事项管理员可以新增一件事。"))
                continue
            self.bundles.append(plan)

    def _bundle_members(self, row: _Rows, members: Any) -> list[tuple[str, int, str]]:
        if not isinstance(members, list) or len(members) < 2:
            row.problem("members", _("一件事至少包含两个事项。"))
            return []
        out: list[tuple[str, int, str]] = []
        seen: set[str] = set()
        for k, raw in enumerate(members):
            member = _Rows(self.problems, row.section, row.row, prefix=f"members[{k}].")
            if not isinstance(raw, dict):
                member.problem("", _("每个成员应为对象。"))
                continue
            member.check_keys(raw, MEMBER_KEYS)
            code = (member.text(raw, "basic_code", required=True) or "").upper()
            stage = member.integer(raw, "stage", minimum=1, maximum=99)
            note = member.text(raw, "note", max_length=200)
            if not code:
                continue
            if code not in self.basics:
                member.problem(
                    "basic_code",
                    _("基本编码%(code)s不存在（文件和系统中都没有）。") % {"code": code},
                )
                continue
            if code in seen:
                member.problem("basic_code", _("同一事项在一件事中只能出现一次。"))
                continue
            seen.add(code)
            out.append((code, stage or 1, note or ""))
        return out

    def _compare_bundle(self, row: _Rows, current: Bundle, plan: _BundlePlan) -> None:
        stored = {
            "name": current.name,
            "audience": current.audience,
            "summary": current.summary,
            "is_national_key": current.is_national_key,
            "promised_days": current.promised_days,
            "region": current.region_id or "",
            "members": sorted((m.basic_item.code, m.stage, m.note) for m in current.members.all()),
            "definition": current.definition,
        }
        wanted = {
            "name": plan.name,
            "audience": plan.audience,
            "summary": plan.summary,
            "is_national_key": plan.is_national_key,
            "promised_days": plan.promised_days,
            "region": plan.region.code if plan.region else "",
            "members": sorted(plan.members),
            "definition": plan.definition,
        }
        differing = [key for key in wanted if wanted[key] != stored[key]]
        if differing:
            row.problem(
                differing[0],
                _(
                    "一件事%(code)s已存在，且与文件中的内容不同（%(fields)s）。导入不修改已有的"
                    "一件事：请删去这一行，或在一件事管理中修改。"
                )
                % {"code": current.code, "fields": "、".join(differing)},
            )

    # -- writing --

    def write(self) -> ImportReport:
        if not self._validated or self.problems:
            raise RuntimeError("write() needs a successful validate() first")
        started = time.monotonic()
        try:
            with transaction.atomic():
                self._write_all()
        except IntegrityError as exc:
            raise Conflict(
                _(
                    "导入期间目录被他人修改（如同一事项被同时新建），未写入任何数据，"
                    "请稍后重新导入。"
                ),
                code="import_conflict",
            ) from exc
        self.report.write_seconds = time.monotonic() - started
        return self.report

    def _write_all(self) -> None:
        now = timezone.now()
        user = self.actor if getattr(self.actor, "pk", None) else None
        self._write_basics(now)
        new = [p for p in self.items if p.existing_id is None]
        updates = [p for p in self.items if p.existing_id is not None]
        total, done = len(self.items), 0
        for batch in _batches(new, BATCH):
            self._create_items(batch, now, user)
            done += len(batch)
            if self.progress:
                self.progress(done, total, PHASE_WRITE)
        for batch in _batches(updates, BATCH):
            self._update_items(batch, now, user)
            done += len(batch)
            if self.progress:
                self.progress(done, total, PHASE_WRITE)
        self._write_bundles()
        if self.progress and not total:
            self.progress(0, 0, PHASE_WRITE)
        entry = audit_record(
            actor=self.actor,
            action="catalog.import",
            object_type="catalog.Import",
            object_id=self._digest(),
            summary={
                "file": self.source_name[:200],
                "digest": self._digest(),
                "publish": self.publish,
                **self.report.counts(),
            },
        )
        self.report.audit_entry_id = entry.pk

    def _digest(self) -> str:
        if not self.source_digest:
            self.source_digest = services.content_digest(self.dataset)
        return self.source_digest

    def _write_basics(self, now: Any) -> None:
        if not self.new_basics:
            return
        writer = _RowWriter(
            BasicItem,
            varying=[
                "code",
                "name",
                "item_type",
                "legal_basis",
                "competent_department",
                "service_objects",
                "exercise_levels",
                "source",
                "parent_id",
            ],
            constant={},
            now=now,
        )
        # Main items first so sub-items can point at them.
        for children in (False, True):
            rows = [(item, parent) for item, parent in self.new_basics if bool(parent) == children]
            writer.insert(
                [
                    item.code,
                    item.name,
                    item.item_type,
                    item.legal_basis,
                    item.competent_department,
                    item.service_objects,
                    item.exercise_levels,
                    item.source,
                    self.basics[parent].pk if parent else None,
                ]
                for item, parent in rows
            )
            ids = dict(
                _chunked_query(
                    BasicItem.objects.values_list("code", "id"),
                    "code",
                    [item.code for item, _parent in rows],
                )
            )
            for item, _parent in rows:
                item.pk = ids[item.code]
        self.report.basic_items_created = len(self.new_basics)

    def _version_writer(self, now: Any, user: Any) -> _RowWriter:
        constant: dict[str, Any] = {
            "status": GuideStatus.PUBLISHED if self.publish else GuideStatus.SUBMITTED,
            "created_by_id": getattr(user, "pk", None),
            "submitted_by_id": getattr(user, "pk", None),
            "submitted_at": now,
            "change_note": (_("批量导入：%(file)s") % {"file": self.source_name})[:500],
        }
        if self.publish:
            constant.update(
                published_at=now,
                reviewed_by_id=getattr(user, "pk", None),
                reviewed_at=now,
                review_comment=_("批量导入直接发布"),
            )
        return _RowWriter(
            GuideVersion,
            varying=["item_id", "number", "content", "content_digest"],
            constant=constant,
            now=now,
        )

    def _create_items(self, batch: list[_ItemPlan], now: Any, user: Any) -> None:
        varying = [
            "code",
            "basic_item_id",
            "body_id",
            "department_id",
            "region_id",
            "exercise_level",
            "local_code",
            "local_basic_code",
            "item_type",
            "popularity",
            "name",
        ]
        if self.publish:
            varying += [c for c in services.PUBLISHED_COLUMNS if c != "name"]
        status = ItemStatus.ACTIVE if self.publish else ItemStatus.DRAFT
        writer = _RowWriter(
            ImplementationItem, varying=varying, constant={"status": status}, now=now
        )
        rows = []
        for plan in batch:
            row = [
                plan.code,
                plan.basic.pk,
                plan.body.pk,
                plan.body.department_id,
                plan.body.region_id,
                plan.level,
                plan.local_code,
                plan.local_basic_code,
                plan.basic.item_type,
                plan.popularity or 0,
                plan.columns["name"],
            ]
            if self.publish:
                row += [plan.columns[c] for c in services.PUBLISHED_COLUMNS if c != "name"]
            rows.append(row)
        writer.insert(rows)
        ids = dict(
            _chunked_query(
                ImplementationItem.objects.values_list("code", "id"),
                "code",
                [p.code for p in batch],
            )
        )
        item_ids = [ids[p.code] for p in batch]
        self._version_writer(now, user).insert(
            [i, 1, p.content, p.digest] for p, i in zip(batch, item_ids, strict=True)
        )
        self.report.items_created += len(batch)
        self.report.versions_created += len(batch)
        if self.publish:
            self._link_published(item_ids)
            self._create_facets(batch, item_ids, now)

    def _update_items(self, batch: list[_ItemPlan], now: Any, user: Any) -> None:
        ids = [p.existing_id for p in batch]
        locked = {
            i.pk: i for i in ImplementationItem.objects.select_for_update().filter(pk__in=ids)
        }
        numbers = dict(
            GuideVersion.objects.filter(item_id__in=ids)
            .values("item_id")
            .annotate(n=Max("number"))
            .values_list("item_id", "n")
        )
        if self.publish:
            GuideVersion.objects.filter(item_id__in=ids, status=GuideStatus.PUBLISHED).update(
                status=GuideStatus.SUPERSEDED, ended_at=now, updated_at=now
            )
        self._version_writer(now, user).insert(
            [p.existing_id, numbers.get(p.existing_id, 0) + 1, p.content, p.digest] for p in batch
        )
        self.report.items_updated += len(batch)
        self.report.versions_created += len(batch)
        if not self.publish:
            return
        items = []
        for plan in batch:
            item = locked[plan.existing_id]
            item.status = ItemStatus.ACTIVE
            for key, value in plan.columns.items():
                setattr(item, key, value)
            item.local_code = plan.local_code
            item.local_basic_code = plan.local_basic_code
            if plan.popularity is not None:
                item.popularity = plan.popularity
            item.updated_at = now
            items.append(item)
        ImplementationItem.objects.bulk_update(
            items,
            [
                "status",
                *services.PUBLISHED_COLUMNS,
                "local_code",
                "local_basic_code",
                "popularity",
                "updated_at",
            ],
        )
        self._link_published(ids)
        ItemFacet.objects.filter(item_id__in=ids).delete()
        self._create_facets(batch, ids, now)

    def _link_published(self, ids: list[Any]) -> None:
        ImplementationItem.objects.filter(pk__in=ids).update(
            published_version=Subquery(
                GuideVersion.objects.filter(
                    item_id=OuterRef("pk"), status=GuideStatus.PUBLISHED
                ).values("pk")[:1]
            )
        )

    def _create_facets(self, batch: list[_ItemPlan], ids: list[Any], now: Any) -> None:
        writer = _RowWriter(ItemFacet, varying=["item_id", "kind", "code"], constant={}, now=now)
        self.report.facets_created += writer.insert(
            (item_id, kind, code)
            for plan, item_id in zip(batch, ids, strict=True)
            for kind, code in plan.facets
        )

    def _write_bundles(self) -> None:
        for plan in self.bundles:
            bundle = Bundle.objects.create(
                code=plan.code,
                name=plan.name,
                audience=plan.audience,
                summary=plan.summary,
                is_national_key=plan.is_national_key,
                promised_days=plan.promised_days,
                region=plan.region,
                definition=plan.definition,
            )
            BundleMember.objects.bulk_create(
                BundleMember(bundle=bundle, basic_item=self.basics[c], stage=stage, note=note)
                for c, stage, note in plan.members
            )
        self.report.bundles_created = len(self.bundles)


# --- Checking guides (in worker processes for big files) ---------------------------------------


@dataclass
class _GuideResult:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path in guide, message)
    content: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    columns: dict[str, Any] = field(default_factory=dict)
    facets: list[tuple[str, str]] = field(default_factory=list)


_GuideTask = tuple[dict[str, Any], str | None, str | None, bool]


def _check_guides(tasks: list[_GuideTask]) -> list[_GuideResult]:
    """Parse and normalise guides, and check each against its basic item's type and the body's
    level (when known). Pure (no database), so it can run in a worker process."""
    results = []
    for guide, item_type, level, publish in tasks:
        result = _GuideResult()
        try:
            parsed = parse_guide(guide)
        except ValidationFailed as exc:
            result.problems = [(refine_guide_path(p.field, guide), p.message) for p in exc.fields]
            results.append(result)
            continue
        if item_type is not None and level is not None:
            try:
                services._check_item_content(
                    content=parsed, basic_item=BasicItem(item_type=item_type), exercise_level=level
                )
            except ValidationFailed as exc:
                result.problems = [(p.field, p.message) for p in exc.fields]
                results.append(result)
                continue
        result.content = guide_to_json(parsed)
        result.digest = services.content_digest(result.content)
        result.columns = services.published_columns(parsed)
        result.facets = services.facet_codes(parsed) if publish else []
        results.append(result)
    return results


PARALLEL_CHUNK = 500  # guides per task sent to a worker process
_FORKED_TASKS: list[_GuideTask] = []  # read by forked workers, so guides are never pickled


def _check_forked_slice(bounds: tuple[int, int]) -> list[_GuideResult]:
    return _check_guides(_FORKED_TASKS[bounds[0] : bounds[1]])


def _check_guides_in_batches(tasks: list[_GuideTask], workers: int) -> Iterator[list[_GuideResult]]:
    """Results in task order, one batch at a time (for progress). Parsing a guide is pure CPU
    (pydantic), so with `workers` > 1 and enough guides the batches go to forked worker
    processes. They inherit the guides (only results travel back), never touch the database
    and leave through os._exit, so the parent's connection is not disturbed."""
    global _FORKED_TASKS
    if workers > 1 and len(tasks) >= 2 * PARALLEL_CHUNK and "fork" in mp.get_all_start_methods():
        bounds = [(i, i + PARALLEL_CHUNK) for i in range(0, len(tasks), PARALLEL_CHUNK)]
        _FORKED_TASKS = tasks
        # Objects that exist before the fork stay out of the workers' garbage collection, so
        # it does not touch (and copy) every page of the parent's heap.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(workers) as pool:
                yield from pool.imap(_check_forked_slice, bounds)
        finally:
            gc.unfreeze()
            _FORKED_TASKS = []
        return
    for start in range(0, len(tasks), BATCH):
        yield _check_guides(tasks[start : start + BATCH])


# --- Helpers ------------------------------------------------------------------------------------


class _RowWriter:
    """INSERT … executemany for one model. `bulk_create` prepares every value of every row
    through the field API and rebuilds the SQL every few dozen rows (SQLite's parameter limit);
    at 100k items that was most of the write. Here the statement is built once, values the same
    for every row (timestamps, actor, status) are prepared once, and per row only JSON, UUID and
    date values go through their field. Columns not named take the model's default, so a column
    added later with a default needs no change here."""

    _PER_ROW_PREP = (models.JSONField, models.UUIDField, models.DateTimeField, models.DateField)

    def __init__(
        self, model: type[models.Model], *, varying: list[str], constant: dict[str, Any], now: Any
    ) -> None:
        self.connection = connections[router.db_for_write(model)]
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.prep = [
            (i, fields[name])
            for i, name in enumerate(varying)
            if isinstance(fields[name], self._PER_ROW_PREP)
        ]
        self.calls: list[tuple[Callable[[], Any], models.Field]] = []
        columns = [fields[name].column for name in varying]
        call_columns, const_columns, const_values = [], [], []
        for name, f in fields.items():
            if name in varying or isinstance(f, models.AutoField):
                continue
            if name in constant:
                value = constant[name]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default() and callable(f.default):
                self.calls.append((f.default, f))
                call_columns.append(f.column)
                continue
            else:
                value = f.get_default()  # as Model() would: the default, "" or None
            const_columns.append(f.column)
            const_values.append(f.get_db_prep_save(value, self.connection))
        self.const = tuple(const_values)
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns + call_columns + const_columns)
        marks = ", ".join(["%s"] * (len(columns) + len(call_columns) + len(const_columns)))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608

    def insert(self, rows: Iterable[Sequence[Any]]) -> int:
        connection, prep, calls, const = self.connection, self.prep, self.calls, self.const
        count = 0

        def prepared() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                values = list(row)
                for i, f in prep:
                    values[i] = f.get_db_prep_save(values[i], connection)
                count += 1
                yield (
                    *values,
                    *(f.get_db_prep_save(default(), connection) for default, f in calls),
                    *const,
                )

        with connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared())
        return count


def _batches(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _chunked_query(queryset: Any, field_name: str, values: Iterable[Any]) -> Iterator[Any]:
    values = list(values)
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield from queryset.filter(**{f"{field_name}__in": values[start : start + _LOOKUP_CHUNK]})


def _by_code(queryset: Any, codes: Iterable[str]) -> dict[str, Any]:
    return {obj.code: obj for obj in _chunked_query(queryset, "code", codes)}


_INDEX = re.compile(r"\[(\d+)\]")


def refine_guide_path(path: str, guide: dict[str, Any]) -> str:
    """Point a rule that spans several fields (pydantic reports it on the model as a whole) at
    the field the user should change, so a spreadsheet can name a column. The checks mirror,
    in order, the model validators of catalog.guide_schema; the first that holds is the one
    pydantic raised."""
    if path == "__all__":
        return _root_rule_field(guide)
    parts = _INDEX.split(path)
    if len(parts) == 3 and parts[2] == "":  # e.g. "materials[2]": a rule of one list element
        element = _get(guide, parts[0], int(parts[1]))
        if parts[0] == "materials" and isinstance(element, dict):
            return f"{path}.{_material_rule_field(element)}"
        if parts[0] == "form.fields" and isinstance(element, dict):
            return f"{path}.options"
    return {"fees": "fees.charged", "form": "form.fields", "workflow": "workflow.steps"}.get(
        path, path
    )


def _get(guide: dict[str, Any], dotted: str, index: int) -> Any:
    value: Any = guide
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list) and 0 <= index < len(value):
        return value[index]
    return None


def _material_rule_field(material: dict[str, Any]) -> str:
    forms = material.get("forms") or []
    if material.get("required") is False and not material.get("condition"):
        return "condition"
    if "original" in forms and not material.get("original_copies") and "electronic" not in forms:
        return "original_copies"
    return "copy_copies"


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _root_rule_field(guide: dict[str, Any]) -> str:
    promised, legal = _as_int(guide.get("promised_days")), _as_int(guide.get("legal_days"))
    kind = str(guide.get("case_kind", ""))
    channels = guide.get("channels") or []
    form = guide.get("form") or {}
    workflow = guide.get("workflow") or {}
    steps = workflow.get("steps") if isinstance(workflow, dict) else []
    if promised > legal or (kind == "1" and promised != 0) or (kind == "2" and promised == 0):
        return "promised_days"
    if _as_int(guide.get("visits")) > 0 and not guide.get("onsite_reason"):
        return "onsite_reason"
    if "online" in channels and "5" not in (guide.get("online_depth") or []):
        return "online_depth"
    if "online" in channels and not (isinstance(form, dict) and form.get("fields")):
        return "form.fields"
    total = sum(_as_int(s.get("days")) for s in steps or [] if isinstance(s, dict))
    if total > legal and kind == "2":
        return "workflow.steps"
    return "materials"
