"""The Excel (.xlsx) form of the catalog exchange format (docs/catalog-import-format.md).

One declarative description of every sheet and column (SHEETS) drives reading, writing, the
template and the instructions sheet, so the three cannot drift apart. A workbook is read into the
JSON dataset `catalog.importer` checks; `WorkbookData.locate` turns the importer's JSON paths
back into sheet, Excel row and Chinese column header."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tongban.catalog.guide_schema import (
    CHANNELS,
    CROSS_REGION_MODES,
    CROSS_REGION_SCOPES,
    FIELD_TYPES,
    MATERIAL_FORMS,
    MATERIAL_SOURCES,
    WORKFLOW_ACTIONS,
)
from tongban.catalog.importer import FORMAT, PHASE_READ, ImportProblem, Progress
from tongban.core.codes import (
    CaseKind,
    ExerciseLevel,
    HandlingForm,
    ItemType,
    LegalPersonTheme,
    NaturalPersonTheme,
    OnlineDepth,
    ServiceObject,
    ThemeAudience,
)
from tongban.core.models import StaffRole

INSTRUCTIONS = "填写说明"
_MAX_ROW = 1048576


# --- Code tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A list of allowed values. National code tables show "代码 名称" in cells (`coded`); the
    project's own lists (material forms, channels …) show the Chinese name only."""

    key: str
    title: str
    entries: tuple[tuple[str, str], ...]
    coded: bool = True

    def shown(self, code: str) -> str:
        label = dict(self.entries).get(code)
        if label is None:
            return code
        return f"{code} {label}" if self.coded else label

    def parse(self, token: Any) -> str | None:
        """The code for a cell token: a code, a name, or "代码 名称"; None if none fits."""
        if isinstance(token, bool):
            return None
        if isinstance(token, int | float) and float(token).is_integer():
            width = max(len(code) for code, _label in self.entries)
            token = str(int(token)).zfill(width)
        text = str(token).strip()
        codes = {code for code, _label in self.entries}
        if text in codes:
            return text
        by_label = {label: code for code, label in self.entries}
        if text in by_label:
            return by_label[text]
        head = text.split(maxsplit=1)[0] if text else ""
        return head if head in codes else None


def _choices(model: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in model.choices)


def _tables() -> dict[str, Table]:
    # Built per call: labels are translated for the active language.
    tables = [
        Table("item_type", _("事项类型（GB/T 39046 A.1）"), _choices(ItemType)),
        Table("exercise_level", _("行使层级（GB/T 39046 A.2）"), _choices(ExerciseLevel)),
        Table("service_object", _("服务对象（GB/T 39046 A.4）"), _choices(ServiceObject)),
        Table("handling_form", _("办理形式（GB/T 39046 A.5）"), _choices(HandlingForm)),
        Table("case_kind", _("办件类型（GB/T 39046 A.6）"), _choices(CaseKind)),
        Table("online_depth", _("网上办理深度"), _choices(OnlineDepth)),
        Table("person_theme", _("自然人服务主题"), _choices(NaturalPersonTheme)),
        Table("corporate_theme", _("法人服务主题"), _choices(LegalPersonTheme)),
        Table("channel", _("办理渠道"), tuple(CHANNELS.items()), coded=False),
        Table("cross_scope", _("通办范围"), tuple(CROSS_REGION_SCOPES.items()), coded=False),
        Table("cross_mode", _("通办方式"), tuple(CROSS_REGION_MODES.items()), coded=False),
        Table(
            "result_kind",
            _("办理结果类型"),
            (("license", _("证照")), ("approval_document", _("批文")), ("other", _("其他"))),
            coded=False,
        ),
        Table("material_form", _("材料形式"), tuple(MATERIAL_FORMS.items()), coded=False),
        Table("material_source", _("材料来源渠道"), tuple(MATERIAL_SOURCES.items()), coded=False),
        Table("field_type", _("表单字段类型"), tuple(FIELD_TYPES.items()), coded=False),
        Table("role", _("办理岗位"), _choices(StaffRole), coded=False),
        Table("action", _("办理动作"), tuple(WORKFLOW_ACTIONS.items()), coded=False),
        Table("audience", _("一件事服务对象"), _choices(ThemeAudience), coded=False),
    ]
    return {t.key: t for t in tables}


# --- Sheets and columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One column. `key` is the dotted path of the value in the row's JSON object. Kinds:
    text, code (an identifier kept as text: `pad` restores leading zeros Excel dropped), int,
    bool (是/否), one / many (values of `table`), lines (one entry per line in the cell),
    list (separated by 、 or ,) and json."""

    header: str
    key: str
    kind: str = "text"
    table: str = ""
    required: bool = False
    note: str = ""
    width: int = 14
    pad: int = 0


@dataclass(frozen=True)
class SheetSpec:
    name: str
    path: str  # where its rows go: "basic_items", "items", "bundles", or a list inside a parent
    columns: tuple[Col, ...]
    parent: str = ""  # "items" or "bundles" for sheets whose rows belong to a parent row
    first_column: str = ""  # the column that points at a problem about the list as a whole
    note: str = ""

    def header_for(self, key: str) -> str:
        """The header of the column holding `key` (indices removed), or of the closest one."""
        key = _INDEX.sub("", key)
        best = ""
        for col in self.columns:
            if col.key == key:
                return col.header
            if not best and (col.key.startswith(key + ".") or key.startswith(col.key + ".")):
                best = col.header
        return best


def _item_key(header: str) -> Col:
    return Col(
        header, "", "code", required=True, note=_("对应「实施清单」中的实施编码。"), width=34
    )


def _sheets() -> tuple[SheetSpec, ...]:
    key = _item_key(_("实施编码"))
    return (
        SheetSpec(
            _("基本目录"),
            "basic_items",
            (
                Col(_("基本编码"), "code", "code", required=True, width=16, pad=12),
                Col(_("事项名称"), "name", required=True, width=30),
                Col(_("事项类型"), "item_type", "one", "item_type", required=True, width=16),
                Col(
                    _("主项编码"),
                    "parent_code",
                    "code",
                    note=_("子项填写所属主项的基本编码"),
                    width=16,
                    pad=12,
                ),
                Col(_("设定依据"), "legal_basis", width=40),
                Col(_("主管部门"), "competent_department", width=20),
                Col(_("服务对象"), "service_objects", "many", "service_object", required=True),
                Col(_("行使层级"), "exercise_levels", "many", "exercise_level", required=True),
                Col(_("目录来源"), "source", note=_("如：国家基本目录、四川省地方目录")),
            ),
            note=_("只填本次新增的基本目录事项，或实施清单引用、且已存在的事项（内容须一致）。"),
        ),
        SheetSpec(
            _("实施清单"),
            "items",
            (
                Col(
                    _("实施编码"),
                    "code",
                    "code",
                    note=_(
                        "统一社会信用代码 + 行使层级 + 基本编码（31位）。新事项可留空，"
                        "但其他工作表引用本事项时必须填写。"
                    ),
                    width=34,
                ),
                Col(_("基本编码"), "basic_code", "code", required=True, width=16, pad=12),
                Col(
                    _("实施主体统一社会信用代码"),
                    "body_credit_code",
                    "code",
                    required=True,
                    width=22,
                ),
                Col(_("地方实施编码"), "local_code", "code"),
                Col(_("地方基本编码"), "local_basic_code", "code"),
                Col(_("热度"), "popularity", "int", note=_("近期办件量，可不填")),
                Col(_("事项名称"), "guide.name", required=True, width=30),
                Col(_("事项类型"), "guide.item_type", "one", "item_type", required=True, width=16),
                Col(_("设定依据"), "guide.legal_basis", required=True, width=40),
                Col(_("行使内容"), "guide.exercise_content", width=30),
                Col(_("权限划分"), "guide.power_division", width=30),
                Col(_("行使层级"), "guide.exercise_level", "one", "exercise_level", required=True),
                Col(_("办件类型"), "guide.case_kind", "one", "case_kind", required=True),
                Col(_("法定办结时限"), "guide.legal_days", "int", required=True, note=_("工作日")),
                Col(_("法定时限说明"), "guide.legal_days_note", width=24),
                Col(
                    _("承诺办结时限"),
                    "guide.promised_days",
                    "int",
                    required=True,
                    note=_("工作日；不得超过法定办结时限；即办件填0"),
                ),
                Col(_("承诺时限说明"), "guide.promised_days_note", width=24),
                Col(
                    _("受理条件"),
                    "guide.acceptance_conditions",
                    "lines",
                    required=True,
                    note=_("每行一条"),
                    width=40,
                ),
                Col(
                    _("是否收费"), "guide.fees.charged", "bool", note=_("收费的在「收费项目」列明")
                ),
                Col(
                    _("服务对象"),
                    "guide.service_objects",
                    "many",
                    "service_object",
                    required=True,
                ),
                Col(_("自然人主题"), "guide.person_themes", "many", "person_theme"),
                Col(_("法人主题"), "guide.corporate_themes", "many", "corporate_theme"),
                Col(_("办理形式"), "guide.handling_forms", "many", "handling_form", required=True),
                Col(_("网上办理深度"), "guide.online_depth", "many", "online_depth", width=24),
                Col(_("网上办理地址"), "guide.online_url", width=30),
                Col(_("办理渠道"), "guide.channels", "many", "channel"),
                Col(_("到办事现场次数"), "guide.visits", "int", required=True),
                Col(
                    _("必须现场办理原因"),
                    "guide.onsite_reason",
                    note=_("到办事现场次数大于0时必填"),
                    width=24,
                ),
                Col(_("通办范围"), "guide.cross_region.scope", "one", "cross_scope"),
                Col(_("通办方式"), "guide.cross_region.modes", "many", "cross_mode"),
                Col(
                    _("通办协作区划"),
                    "guide.cross_region.partner_regions",
                    "list",
                    note=_("区划代码，多个用顿号分隔"),
                ),
                Col(_("数量限制"), "guide.quantity_limit"),
                Col(_("中介服务"), "guide.intermediary_services"),
                Col(_("特别程序"), "guide.special_procedures", width=24),
                Col(_("办理结果名称"), "guide.result.name", width=20),
                Col(_("办理结果类型"), "guide.result.kind", "one", "result_kind"),
                Col(_("结果证照类型代码"), "guide.result.license_type_code", width=20),
                Col(_("结果样本地址"), "guide.result.sample_url", width=24),
                Col(_("办理地点"), "guide.place", required=True, width=30),
                Col(_("办理时间"), "guide.hours", required=True, width=24),
                Col(_("咨询电话"), "guide.consult_phone", required=True),
                Col(_("监督投诉电话"), "guide.supervise_phone", required=True),
                Col(_("联办部门"), "guide.joint_departments", "lines", note=_("每行一个")),
                Col(_("支持预约"), "guide.supports_appointment", "bool"),
                Col(_("支持网上支付"), "guide.supports_online_payment", "bool"),
                Col(_("支持快递送达"), "guide.supports_express", "bool"),
            ),
            note=_("每行一个实施清单事项及其办事指南。"),
        ),
        SheetSpec(
            _("申请材料"),
            "materials",
            (
                key,
                Col(_("材料编码"), "code", "code", note=_("同一事项内不得重复")),
                Col(_("材料名称"), "name", required=True, width=30),
                Col(_("材料形式"), "forms", "many", "material_form", required=True),
                Col(_("原件份数"), "original_copies", "int"),
                Col(_("复印件份数"), "copy_copies", "int"),
                Col(_("是否必要"), "required", "bool", note=_("不填视为“是”")),
                Col(_("需要提交的情形"), "condition", note=_("非必要材料必填"), width=24),
                Col(_("来源渠道"), "source", "one", "material_source", required=True),
                Col(_("出具单位"), "issuer"),
                Col(_("纸质规格"), "specification"),
                Col(_("填报须知"), "notes", width=30),
                Col(_("设定依据"), "legal_basis", width=24),
                Col(_("证照类型代码"), "license_type_code", "code", note=_("可用电子证照免提交")),
                Col(_("数据资源编码"), "data_resource_code", "code"),
                Col(_("空白表格地址"), "blank_form_url", width=24),
                Col(_("样表地址"), "sample_url", width=24),
                Col(_("核心材料"), "is_key", "bool", note=_("不填视为“是”；核心材料不得容缺")),
            ),
            parent="items",
            first_column=_("材料编码"),
        ),
        SheetSpec(
            _("收费项目"),
            "fees.items",
            (
                key,
                Col(_("收费项目名称"), "name", required=True, width=24),
                Col(_("收费标准"), "standard", required=True, width=24),
                Col(_("收费依据"), "legal_basis", required=True, width=30),
                Col(_("是否可减免"), "reducible", "bool"),
                Col(_("减免依据"), "reduction_basis", width=24),
            ),
            parent="items",
            first_column=_("收费项目名称"),
        ),
        SheetSpec(
            _("办理流程"),
            "steps",
            (
                key,
                Col(_("步骤名称"), "name", required=True),
                Col(_("步骤说明"), "description", width=40),
                Col(_("时限"), "days", "int", note=_("工作日，可不填")),
            ),
            parent="items",
            first_column=_("步骤名称"),
            note=_("每个事项至少一步，按办理顺序排列。"),
        ),
        SheetSpec(
            _("常见问题"),
            "faq",
            (
                key,
                Col(_("问题"), "question", required=True, width=30),
                Col(_("解答"), "answer", required=True, width=50),
            ),
            parent="items",
            first_column=_("问题"),
        ),
        SheetSpec(
            _("表单字段"),
            "form.fields",
            (
                key,
                Col(
                    _("字段标识"),
                    "key",
                    "code",
                    required=True,
                    note=_("小写字母开头，只用小写字母、数字和下划线"),
                ),
                Col(_("字段名称"), "label", required=True, width=20),
                Col(_("字段类型"), "type", "one", "field_type", required=True),
                Col(_("必填"), "required", "bool"),
                Col(_("填写提示"), "help_text", width=24),
                Col(_("选项"), "options", "lines", note=_("单选、多选字段必填，每行一个")),
                Col(_("校验规则"), "pattern", "code", note=_("正则表达式，可不填")),
                Col(_("最大长度"), "max_length", "int"),
                Col(
                    _("显示条件"),
                    "visible_if",
                    "json",
                    note=_('JSON，如 {"field": "has_agent", "equals": true}'),
                    width=30,
                ),
                Col(_("预填来源"), "prefill", "code", note=_("如 applicant.name")),
            ),
            parent="items",
            first_column=_("字段标识"),
            note=_("网上申请表单；标注“全程网办”的事项必填。"),
        ),
        SheetSpec(
            _("办理环节"),
            "workflow.steps",
            (
                key,
                Col(_("环节标识"), "key", "code", required=True),
                Col(_("环节名称"), "name", required=True),
                Col(_("岗位"), "role", "one", "role", required=True),
                Col(_("办理动作"), "actions", "many", "action", required=True, width=30),
                Col(_("时限"), "days", "int", required=True, note=_("工作日")),
            ),
            parent="items",
            first_column=_("时限"),
            note=_("审批工作流，每个事项至少一个环节；承诺件各环节时限合计不得超过法定时限。"),
        ),
        SheetSpec(
            _("一件事"),
            "bundles",
            (
                Col(_("一件事编码"), "code", "code", required=True, width=16),
                Col(_("名称"), "name", required=True, width=30),
                Col(_("服务对象"), "audience", "one", "audience", required=True),
                Col(_("简介"), "summary", width=40),
                Col(_("国家重点事项"), "is_national_key", "bool"),
                Col(_("整体承诺时限"), "promised_days", "int", note=_("工作日")),
                Col(_("适用区划"), "region", "code", note=_("区划代码；留空表示全省通用")),
                Col(
                    _("共享字段与材料"),
                    "definition",
                    "json",
                    note=_("JSON：shared_fields、shared_materials"),
                    width=40,
                ),
            ),
        ),
        SheetSpec(
            _("一件事成员"),
            "members",
            (
                Col(
                    _("一件事编码"),
                    "",
                    "code",
                    required=True,
                    note=_("对应「一件事」中的编码"),
                    width=16,
                ),
                Col(_("基本编码"), "basic_code", "code", required=True, width=16, pad=12),
                Col(_("办理阶段"), "stage", "int", note=_("同一阶段并联办理，不填为1")),
                Col(_("说明"), "note", width=30),
            ),
            parent="bundles",
            first_column=_("基本编码"),
        ),
    )


_INDEX = re.compile(r"\[\d+\]")
_SPLIT = re.compile(r"[,，、;；\n]")


# --- Reading ---------------------------------------------------------------------------------------


class _Missing:
    pass


MISSING: Any = _Missing()


@dataclass
class WorkbookData:
    dataset: dict[str, Any]
    problems: list[ImportProblem]
    basic_rows: list[int] = field(default_factory=list)
    item_rows: list[int] = field(default_factory=list)
    item_children: list[dict[str, list[int]]] = field(default_factory=list)
    bundle_rows: list[int] = field(default_factory=list)
    member_rows: list[list[int]] = field(default_factory=list)
    sheets: dict[str, SheetSpec] = field(default_factory=dict)

    def order(self, problems: list[ImportProblem]) -> list[ImportProblem]:
        """Sheet by sheet in workbook order, then by row: how a person works through a report."""
        rank = {spec.name: n for n, spec in enumerate(self.sheets.values())}
        return sorted(problems, key=lambda p: (rank.get(p.sheet, -1), p.row))

    def locate(self, problem: ImportProblem) -> ImportProblem:
        """The importer's JSON-shaped problem as sheet, Excel row and column header."""
        if problem.excel:
            return problem
        index = problem.row - 1
        path = problem.column
        if problem.sheet == "basic_items" and 0 <= index < len(self.basic_rows):
            spec = self.sheets["basic_items"]
            return self._at(spec, self.basic_rows[index], spec.header_for(path), problem)
        if problem.sheet == "items" and 0 <= index < len(self.item_rows):
            return self._locate_item(index, path, problem)
        if problem.sheet == "bundles" and 0 <= index < len(self.bundle_rows):
            match = re.match(r"members\[(\d+)\]\.?(.*)$", path)
            rows = self.member_rows[index]
            if match and int(match.group(1)) < len(rows):
                spec = self.sheets["members"]
                row = rows[int(match.group(1))]
                return self._at(spec, row, spec.header_for(match.group(2)), problem)
            spec = self.sheets["bundles"]
            return self._at(spec, self.bundle_rows[index], spec.header_for(path), problem)
        return problem

    def _locate_item(self, index: int, path: str, problem: ImportProblem) -> ImportProblem:
        items = self.sheets["items"]
        main_row = self.item_rows[index]
        if path.startswith("guide."):
            sub = path[len("guide.") :]
            children = self.item_children[index]
            # Longest first: "workflow.steps[0]" must not be taken for "steps[0]".
            for child_path in sorted(children, key=len, reverse=True):
                spec = self.sheets[child_path]
                rows = children[child_path]
                match = re.match(re.escape(child_path) + r"\[(\d+)\]\.?(.*)$", sub)
                if match and int(match.group(1)) < len(rows):
                    row = rows[int(match.group(1))]
                    return self._at(spec, row, spec.header_for(match.group(2)), problem)
                if sub == child_path:
                    if rows:
                        return self._at(spec, rows[0], spec.first_column, problem)
                    where = _("「%(sheet)s」工作表") % {"sheet": spec.name}
                    return self._at(items, main_row, where, problem)
        return self._at(items, main_row, items.header_for(path), problem)

    @staticmethod
    def _at(spec: SheetSpec, row: int, column: str, problem: ImportProblem) -> ImportProblem:
        return ImportProblem(spec.name, row, column, problem.message, excel=True)


def workbook_to_dataset(path: str | Path) -> tuple[dict[str, Any], list[ImportProblem]]:
    data = read_workbook(path)
    return data.dataset, data.problems


def read_workbook(path: str | Path, *, progress: Progress | None = None) -> WorkbookData:
    """Read a workbook into the JSON dataset. Cell problems (a word in a number column, an
    unknown code) are collected, never raised; the bad value is left out of the dataset."""
    specs = _sheets()
    by_path = {spec.path: spec for spec in specs}
    tables = _tables()
    problems: list[ImportProblem] = []
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        problems.append(
            ImportProblem(_("文件"), 0, "", _("无法读取该文件：请上传 .xlsx 格式的Excel文件。"))
        )
        return WorkbookData({"format": FORMAT}, problems)
    data = WorkbookData({"format": FORMAT}, problems, sheets=by_path)
    try:
        known = {spec.name for spec in specs} | {INSTRUCTIONS}
        for title in workbook.sheetnames:
            if title not in known:
                problems.append(
                    ImportProblem(
                        title,
                        1,
                        "",
                        _("不认识的工作表。请使用模板中的工作表名称，不用的工作表可以删除。"),
                        excel=True,
                    )
                )
        reader = _Reader(workbook, tables, problems, progress)
        _read_basics(data, reader, by_path["basic_items"])
        _read_items(data, reader, by_path, specs)
        _read_bundles(data, reader, by_path)
    finally:
        workbook.close()
    return data


class _Reader:
    def __init__(
        self,
        workbook: Any,
        tables: dict[str, Table],
        problems: list[ImportProblem],
        progress: Progress | None,
    ) -> None:
        self.workbook = workbook
        self.tables = tables
        self.problems = problems
        self.progress = progress
        self.rows_read = 0

    def rows(self, spec: SheetSpec) -> Iterable[tuple[int, dict[str, Any]]]:
        """(Excel row number, {column key: value}) for every non-blank row of the sheet."""
        if spec.name not in self.workbook.sheetnames:
            return
        sheet = self.workbook[spec.name]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            return
        positions = self._positions(spec, header)
        for number, line in enumerate(lines, start=2):
            self.rows_read += 1
            if self.progress and self.rows_read % 10000 == 0:
                self.progress(self.rows_read, 0, PHASE_READ)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in line):
                continue
            out: dict[str, Any] = {}
            for col, position in positions:
                raw = line[position] if position < len(line) else None
                value = self.cell(spec, number, col, raw)
                if value is not MISSING:
                    _put(out, col.key or "__key__", value)
            yield number, out

    def _positions(self, spec: SheetSpec, header: tuple[Any, ...]) -> list[tuple[Col, int]]:
        names = [str(h).strip() if h is not None else "" for h in header]
        positions = []
        for col in spec.columns:
            if col.header in names:
                positions.append((col, names.index(col.header)))
            elif col.required:
                self._problem(spec, 1, col.header, _("缺少必需的列「%(h)s」。") % {"h": col.header})
        wanted = {col.header for col in spec.columns}
        for name in names:
            if name and name not in wanted:
                self._problem(spec, 1, name, _("不认识的列名，请使用模板中的列名。"))
        return positions

    def _problem(self, spec: SheetSpec, row: int, column: str, message: str) -> None:
        self.problems.append(ImportProblem(spec.name, row, column, message, excel=True))

    def cell(self, spec: SheetSpec, row: int, col: Col, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return MISSING
        kind = col.kind

        def bad(message: str) -> Any:
            self._problem(spec, row, col.header, message)
            return MISSING

        if kind == "text":
            return _text(raw)
        if kind == "code":
            if isinstance(raw, bool):
                return bad(_("请填写编码。"))
            if isinstance(raw, int | float):
                number = int(raw) if float(raw).is_integer() else None
                if number is not None and 0 <= number < 10**15:
                    return str(number).zfill(col.pad)
                return bad(
                    _(
                        "该列应为文本，Excel把它存成了数字（会丢掉开头的0或末几位）。"
                        "请把该列设为“文本”格式后重新填写。"
                    )
                )
            return _text(raw).upper() if col.pad else _text(raw)
        if kind == "int":
            if isinstance(raw, bool):
                return bad(_("请填写整数。"))
            if isinstance(raw, int):
                return raw
            if isinstance(raw, float) and raw.is_integer():
                return int(raw)
            if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
                return int(raw)
            return bad(_("请填写整数。"))
        if kind == "bool":
            value = _boolean(raw)
            return bad(_("请填写“是”或“否”。")) if value is None else value
        if kind in {"one", "many"}:
            table = self.tables[col.table]
            tokens = [raw] if kind == "one" else _tokens(raw)
            codes, unknown = [], []
            for token in tokens:
                code = table.parse(token)
                (codes if code is not None else unknown).append(code or str(token))
            if unknown:
                return bad(
                    _("“%(v)s”不在「%(t)s」代码表中（见「填写说明」工作表）。")
                    % {"v": "、".join(unknown), "t": table.title}
                )
            return codes[0] if kind == "one" else codes
        if kind == "lines":
            return [line.strip() for line in _text(raw).splitlines() if line.strip()]
        if kind == "list":
            return [t.strip() for t in _SPLIT.split(_text(raw)) if t.strip()]
        if kind == "json":
            try:
                return json.loads(_text(raw))
            except json.JSONDecodeError as exc:
                return bad(_("不是有效的JSON：%(msg)s") % {"msg": exc.msg})
        raise ValueError(f"unknown column kind {kind!r}")


def _read_basics(data: WorkbookData, reader: _Reader, spec: SheetSpec) -> None:
    rows = []
    for number, values in reader.rows(spec):
        rows.append(values)
        data.basic_rows.append(number)
    data.dataset["basic_items"] = rows


def _read_items(
    data: WorkbookData,
    reader: _Reader,
    by_path: dict[str, SheetSpec],
    specs: tuple[SheetSpec, ...],
) -> None:
    items: list[dict[str, Any]] = []
    by_code: dict[str, int] = {}
    child_specs = [s for s in specs if s.parent == "items"]
    for number, values in reader.rows(by_path["items"]):
        guide = values.setdefault("guide", {})
        for spec in child_specs:
            _put(guide, spec.path, [])
        code = values.get("code")
        if isinstance(code, str) and code.upper() not in by_code:
            by_code[code.upper()] = len(items)
        items.append(values)
        data.item_rows.append(number)
        data.item_children.append({spec.path: [] for spec in child_specs})
    for spec in child_specs:
        for number, values in reader.rows(spec):
            owner = _owner(reader, spec, number, values.pop("__key__", None), by_code)
            if owner is None:
                continue
            _get_list(items[owner]["guide"], spec.path).append(values)
            data.item_children[owner][spec.path].append(number)
    data.dataset["items"] = items


def _read_bundles(data: WorkbookData, reader: _Reader, by_path: dict[str, SheetSpec]) -> None:
    bundles: list[dict[str, Any]] = []
    by_code: dict[str, int] = {}
    for number, values in reader.rows(by_path["bundles"]):
        values["members"] = []
        code = values.get("code")
        if isinstance(code, str) and code.upper() not in by_code:
            by_code[code.upper()] = len(bundles)
        bundles.append(values)
        data.bundle_rows.append(number)
        data.member_rows.append([])
    spec = by_path["members"]
    for number, values in reader.rows(spec):
        owner = _owner(reader, spec, number, values.pop("__key__", None), by_code)
        if owner is None:
            continue
        bundles[owner]["members"].append(values)
        data.member_rows[owner].append(number)
    data.dataset["bundles"] = bundles


def _owner(
    reader: _Reader, spec: SheetSpec, number: int, key: Any, by_code: dict[str, int]
) -> int | None:
    header = spec.columns[0].header
    if not isinstance(key, str) or not key:
        reader._problem(spec, number, header, _("此项为必填项。"))
        return None
    owner = by_code.get(key.upper())
    if owner is None:
        parent = _("实施清单") if spec.parent == "items" else _("一件事")
        reader._problem(
            spec,
            number,
            header,
            _("「%(parent)s」工作表中没有编码为%(code)s的行。") % {"parent": parent, "code": key},
        )
    return owner


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _get_list(target: dict[str, Any], dotted: str) -> list[Any]:
    value: Any = target
    for part in dotted.split("."):
        value = value[part]
    return value


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    return str(raw).strip()


def _boolean(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().upper()
    if text in {"是", "Y", "YES", "TRUE", "1"}:
        return True
    if text in {"否", "N", "NO", "FALSE", "0"}:
        return False
    return None


def _tokens(raw: Any) -> list[Any]:
    """Split a list cell on 、 , ; or new lines, but not inside brackets: a theme such as
    “社会保障（社会保险、社会救助）” is one value."""
    if not isinstance(raw, str):
        return [raw]
    out, depth, current = [], 0, ""
    for char in raw:
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and _SPLIT.match(char):
            out.append(current)
            current = ""
        else:
            current += char
    out.append(current)
    return [t.strip() for t in out if t.strip()]


# --- Writing ---------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


def template(path: str | Path) -> None:
    """An empty workbook with every sheet, header and the instructions: the file a provincial
    administrator fills in."""
    dataset_to_workbook({"format": FORMAT, "basic_items": [], "items": [], "bundles": []}, path)


def dataset_to_workbook(dataset: dict[str, Any], path: str | Path) -> None:
    specs = _sheets()
    tables = _tables()
    workbook = Workbook(write_only=True)
    info = workbook.create_sheet(INSTRUCTIONS)
    ranges = _write_instructions(info, specs, tables)
    rows = _sheet_rows(dataset, specs)
    for spec in specs:
        sheet = workbook.create_sheet(spec.name)
        for position, col in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = col.width
        sheet.freeze_panes = "A2"
        _add_validations(sheet, spec, ranges)
        header = []
        for col in spec.columns:
            cell = WriteOnlyCell(sheet, value=col.header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            header.append(cell)
        sheet.append(header)
        for values in rows[spec.path]:
            sheet.append([_cell(sheet, _format(col, values, tables)) for col in spec.columns])
    workbook.save(path)


def _sheet_rows(dataset: dict[str, Any], specs: tuple[SheetSpec, ...]) -> dict[str, list[Any]]:
    """Rows of every sheet as JSON objects; child rows carry their parent's code in `__key__`."""
    rows: dict[str, list[Any]] = {spec.path: [] for spec in specs}
    rows["basic_items"] = list(dataset.get("basic_items") or [])
    child_specs = [s for s in specs if s.parent == "items"]
    for item in dataset.get("items") or []:
        rows["items"].append(item)
        guide = item.get("guide") or {}
        for spec in child_specs:
            value: Any = guide
            for part in spec.path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            for child in value or []:
                rows[spec.path].append({"__key__": item.get("code", ""), **child})
    for bundle in dataset.get("bundles") or []:
        rows["bundles"].append(bundle)
        for member in bundle.get("members") or []:
            rows["members"].append({"__key__": bundle.get("code", ""), **member})
    return rows


def _format(col: Col, values: dict[str, Any], tables: dict[str, Table]) -> Any:
    value: Any = values
    for part in (col.key or "__key__").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or value == "" or value == []:
        return None
    kind = col.kind
    if kind == "bool":
        return _("是") if value else _("否")
    if kind == "one":
        return tables[col.table].shown(str(value))
    if kind == "many":
        return "、".join(tables[col.table].shown(str(v)) for v in value)
    if kind == "lines":
        return "\n".join(str(v) for v in value)
    if kind == "list":
        return "、".join(str(v) for v in value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return value


def _cell(sheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        # Text from the catalog is never a formula: keep "=…" as the string it is.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _add_validations(sheet: Any, spec: SheetSpec, ranges: dict[str, str]) -> None:
    for position, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(position)
        if col.kind == "bool":
            formula = f'"{_("是")},{_("否")}"'
        elif col.kind == "one" and col.table in ranges:
            formula = ranges[col.table]
        else:
            continue
        # A warning rather than a stop: typing a code or a name instead is accepted on import.
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error=_("请从下拉列表中选择，或填写代码表中的代码或名称。"),
        )
        validation.add(f"{letter}2:{letter}{_MAX_ROW}")
        sheet.data_validations.append(validation)


def _write_instructions(
    sheet: Any, specs: tuple[SheetSpec, ...], tables: dict[str, Table]
) -> dict[str, str]:
    """Rules, every sheet's columns and the code tables. Returns the range of each table's
    "填写值" column, which the other sheets' dropdowns refer to."""
    for letter, width in (("A", 28), ("B", 36), ("C", 60)):
        sheet.column_dimensions[letter].width = width
    row = 0

    def put(*values: Any, font: Font | None = None) -> None:
        nonlocal row
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = _WRAP
            if font is not None:
                cell.font = font
            cells.append(cell)
        sheet.append(cells)
        row += 1

    put(_("政务服务事项目录导入模板（格式 %(f)s）") % {"f": FORMAT}, font=_TITLE_FONT)
    for rule in _rules():
        put(rule)
    put()
    for spec in specs:
        title = _("工作表「%(name)s」") % {"name": spec.name}
        put(title + (f"：{spec.note}" if spec.note else ""), font=_HEADER_FONT)
        put(_("列名"), _("是否必填"), _("说明"), font=_HEADER_FONT)
        for col in spec.columns:
            note = col.note
            if col.table:
                note = (note + "；" if note else "") + _("取值见代码表“%(t)s”") % {
                    "t": tables[col.table].title
                }
            put(col.header, _("必填") if col.required else "", note)
        put()
    ranges: dict[str, str] = {}
    put(_("代码表"), font=_TITLE_FONT)
    for table in tables.values():
        put(table.title, font=_HEADER_FONT)
        put(_("代码"), _("名称"), _("填写值（下拉列表中的值）"), font=_HEADER_FONT)
        first = row + 1
        for code, label in table.entries:
            put(code, label, table.shown(code))
        ranges[table.key] = f"'{INSTRUCTIONS}'!$C${first}:$C${row}"
        put()
    return ranges


def _rules() -> list[str]:
    return [
        _("1. 每个工作表的第一行是列名，请勿修改；不用的工作表可以留空或删除。"),
        _(
            "2. 「实施清单」每行一个事项（含办事指南）。申请材料、收费项目、办理流程、常见问题、"
            "表单字段、办理环节各表的每一行，用第一列「实施编码」对应到实施清单中的事项。"
        ),
        _(
            "3. 实施编码 = 实施主体统一社会信用代码（18位）+ 行使层级代码（1位，由实施主体所在"
            "区划层级决定：省2、市3、县4、乡5、村6）+ 基本编码（12位）。填错时导入报告会给出"
            "正确的编码。"
        ),
        _("4. 代码列可以填写代码、名称，或下拉列表中的“代码 名称”；多个值用顿号“、”或逗号分隔。"),
        _(
            "5. 是/否列填“是”或“否”。受理条件、联办部门、表单选项等每行一条"
            "（单元格内换行：Alt+Enter）。"
        ),
        _(
            "6. 编码列（基本编码、统一社会信用代码等）请设为“文本”格式，否则Excel会去掉开头的0，"
            "或把18位代码存成不精确的数字。"
        ),
        _(
            "7. 导入要么全部成功，要么什么都不写入：任何一行有问题，系统都会按工作表、行号和"
            "列名列出全部问题，改正后重新导入即可。"
        ),
        _(
            "8. 实施编码已存在的事项，导入为该事项的新版本（内容没有变化的跳过）。已存在的基本编码"
            "和一件事编码，文件中的内容须与系统一致，导入不会修改它们。"
        ),
    ]
