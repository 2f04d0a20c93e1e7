"""Guide quality check (办事指南准确度): missing or contradictory elements of a service guide,
per item and per implementing body. Shown to catalog admins; the capability assessment
(standards.md §8, "指南准确度") reads `quality_report` over any queryset of items.

`parse_guide` already refuses most of these on write, but imported and legacy guides predate
those rules, so every check here runs on the raw stored dict and tolerates missing keys and
wrong types instead of requiring the guide to parse.

Score (0–100): an item scores `100 − 20 × errors − 5 × warnings`, floored at 0; a body (and a
whole report) scores the mean of its items' scores, rounded to one decimal. A guide without
issues scores 100; five errors bring it to 0.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.catalog.guide_schema import MATERIAL_SOURCES, GuideContent, guide_to_json
from tongban.catalog.models import GuideVersion, ImplementationItem, ItemStatus
from tongban.catalog.permissions import CATALOG_ROLES, items_editable_by
from tongban.catalog.services import content_digest
from tongban.core.codes import ItemType
from tongban.core.errors import PermissionDenied
from tongban.core.scopes import staff_scope

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

ERROR_PENALTY = 20
WARNING_PENALTY = 5

# 行政许可法 §42: a decision within 20 working days of acceptance unless a law says otherwise
# (or the +10 extension / 45 days for joint handling): a longer legal limit must cite its basis.
LICENSING_STATUTORY_DAYS = 20

# Stable kind codes (reports aggregate by them) and their Chinese names for display.
ISSUE_KINDS: dict[str, Any] = {
    "promised_exceeds_legal": gettext_lazy("承诺时限超过法定时限"),
    "digest_mismatch": gettext_lazy("已发布内容与摘要不符"),
    "legal_basis_missing": gettext_lazy("缺少设定依据"),
    "element_missing": gettext_lazy("缺少必备要素"),
    "material_without_name": gettext_lazy("材料缺少名称"),
    "material_without_form": gettext_lazy("材料缺少形式"),
    "material_without_source": gettext_lazy("材料缺少来源"),
    "fee_items_missing": gettext_lazy("收费但未列收费项目"),
    "fee_items_but_free": gettext_lazy("不收费却列有收费项目"),
    "fee_without_basis": gettext_lazy("收费项目缺少依据"),
    "fee_without_standard": gettext_lazy("收费项目缺少标准"),
    "online_without_form": gettext_lazy("声明网上办理但无网上表单"),
    "online_but_visits": gettext_lazy("全程网办却需到现场"),
    "onsite_reason_missing": gettext_lazy("需到现场但未说明原因"),
    "basic_code_type_mismatch": gettext_lazy("基本编码类型位与事项类型不一致"),
    "legal_days_without_note": gettext_lazy("行政许可法定时限超过20个工作日未说明依据"),
    "workflow_exceeds_promised": gettext_lazy("办理环节时限合计超过承诺时限"),
    "result_missing": gettext_lazy("行政许可缺少办理结果"),
}

# Online depth codes that mean an application is taken online (互联网受理 / 互联网办理).
ONLINE_INTAKE_DEPTHS = frozenset({"4", "5"})


@dataclass(frozen=True)
class QualityIssue:
    kind: str
    severity: Severity
    path: str  # element path in the guide, as parse_guide reports it (materials[2].source)
    message: str

    @property
    def kind_label(self) -> str:
        return str(ISSUE_KINDS.get(self.kind, self.kind))


# --- Tolerant readers for raw dicts ----------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _codes(value: Any) -> set[str]:
    return {str(v) for v in _list(value)}


# --- The checks --------------------------------------------------------------------------------


def guide_quality(
    content: dict[str, Any] | GuideContent,
    item: Any = None,
    *,
    digest: str | None = None,
) -> list[QualityIssue]:
    """Every missing or contradictory element of one guide, errors first.

    `item` (an ImplementationItem or anything with `code` and `item_type`) adds the checks that
    need the item; `digest` is the stored SM3 digest of this content (a submitted or published
    version's `content_digest`): when given, the content must still match it. When `content` is
    the very dict of `item.published_version.content`, that version's digest is used."""
    data = guide_to_json(content) if isinstance(content, GuideContent) else _dict(content)
    if digest is None and item is not None:
        version = getattr(item, "published_version", None)
        if version is not None and version.content is content:
            digest = version.content_digest
    issues: list[QualityIssue] = []
    add = issues.append

    legal = _int(data.get("legal_days"))
    promised = _int(data.get("promised_days"))
    if legal is not None and promised is not None and promised > legal:
        add(
            QualityIssue(
                "promised_exceeds_legal",
                ERROR,
                "promised_days",
                _("承诺办结时限（%(p)s个工作日）超过法定办结时限（%(l)s个工作日）。")
                % {"p": promised, "l": legal},
            )
        )

    if digest and content_digest(data) != digest:
        add(
            QualityIssue(
                "digest_mismatch",
                ERROR,
                "__all__",
                _("已发布的指南内容与发布时记录的摘要不一致，内容可能在发布后被改动。"),
            )
        )

    if not _text(data.get("legal_basis")):
        add(
            QualityIssue(
                "legal_basis_missing",
                ERROR,
                "legal_basis",
                _("缺少设定依据（法律法规名称及条款）。"),
            )
        )

    issues += _missing_elements(data)
    issues += _material_issues(data)
    issues += _fee_issues(data)
    issues += _online_issues(data)

    item_type = str(data.get("item_type") or getattr(item, "item_type", "") or "")
    issues += _type_issues(data, item, item_type, legal)

    steps = _list(_dict(data.get("workflow")).get("steps"))
    workflow_days = sum(_int(_dict(s).get("days")) or 0 for s in steps)
    if steps and promised is not None and workflow_days > promised:
        add(
            QualityIssue(
                "workflow_exceeds_promised",
                WARNING,
                "workflow.steps",
                _(
                    "办理环节时限合计%(t)s个工作日，超过承诺办结时限%(p)s个工作日，"
                    "按环节办理将无法兑现承诺。"
                )
                % {"t": workflow_days, "p": promised},
            )
        )
    issues.sort(key=lambda i: i.severity != ERROR)
    return issues


def _missing_elements(data: dict[str, Any]) -> list[QualityIssue]:
    out = []
    conditions = [c for c in _list(data.get("acceptance_conditions")) if _text(c)]
    if not conditions:
        out.append(
            QualityIssue(
                "element_missing",
                ERROR,
                "acceptance_conditions",
                _("缺少受理条件：请写明申请人需满足的条件。"),
            )
        )
    if not _list(data.get("steps")):
        out.append(
            QualityIssue("element_missing", ERROR, "steps", _("缺少办理流程：请列出办理步骤。"))
        )
    for key, label in (
        ("place", _("办理地点")),
        ("hours", _("办理时间")),
        ("consult_phone", _("咨询电话")),
        ("supervise_phone", _("监督投诉电话")),
    ):
        if not _text(data.get(key)):
            out.append(
                QualityIssue("element_missing", ERROR, key, _("缺少%(label)s。") % {"label": label})
            )
    return out


def _material_issues(data: dict[str, Any]) -> list[QualityIssue]:
    out = []
    for index, raw in enumerate(_list(data.get("materials"))):
        material = _dict(raw)
        name = _text(material.get("name")) or _("第%(n)s项材料") % {"n": index + 1}
        path = f"materials[{index}]"
        if not _text(material.get("name")):
            out.append(
                QualityIssue("material_without_name", ERROR, f"{path}.name", _("材料缺少名称。"))
            )
        if not _list(material.get("forms")):
            out.append(
                QualityIssue(
                    "material_without_form",
                    ERROR,
                    f"{path}.forms",
                    _("材料“%(name)s”未写明形式（原件、复印件或电子材料）。") % {"name": name},
                )
            )
        if _text(material.get("source")) not in MATERIAL_SOURCES:
            out.append(
                QualityIssue(
                    "material_without_source",
                    ERROR,
                    f"{path}.source",
                    _("材料“%(name)s”未写明来源（申请人自备、政府部门核发等）。") % {"name": name},
                )
            )
    return out


def _fee_issues(data: dict[str, Any]) -> list[QualityIssue]:
    out = []
    fees = _dict(data.get("fees"))
    items = _list(fees.get("items"))
    charged = fees.get("charged") is True
    if charged and not items:
        out.append(
            QualityIssue(
                "fee_items_missing",
                ERROR,
                "fees.items",
                _("标注收费，但未列出收费项目、标准和依据。"),
            )
        )
    if not charged and items:
        out.append(
            QualityIssue(
                "fee_items_but_free",
                ERROR,
                "fees.charged",
                _("标注不收费，却列有%(n)s个收费项目：请核实是否收费。") % {"n": len(items)},
            )
        )
    for index, raw in enumerate(items):
        fee = _dict(raw)
        name = _text(fee.get("name")) or _("第%(n)s项收费") % {"n": index + 1}
        if not _text(fee.get("legal_basis")):
            out.append(
                QualityIssue(
                    "fee_without_basis",
                    ERROR,
                    f"fees.items[{index}].legal_basis",
                    _("收费项目“%(name)s”缺少收费依据（法规或价格主管部门文件）。")
                    % {"name": name},
                )
            )
        if not _text(fee.get("standard")):
            out.append(
                QualityIssue(
                    "fee_without_standard",
                    ERROR,
                    f"fees.items[{index}].standard",
                    _("收费项目“%(name)s”缺少收费标准。") % {"name": name},
                )
            )
    return out


def _online_issues(data: dict[str, Any]) -> list[QualityIssue]:
    out = []
    depth = _codes(data.get("online_depth"))
    channels = _codes(data.get("channels"))
    form_fields = _list(_dict(data.get("form")).get("fields"))
    claims_online = bool(depth & ONLINE_INTAKE_DEPTHS) or "online" in channels
    if claims_online and not form_fields:
        out.append(
            QualityIssue(
                "online_without_form",
                ERROR,
                "form.fields",
                _("网上办理深度为互联网受理或办理（或标注全程网办），但没有配置网上申请表单。"),
            )
        )
    visits = _int(data.get("visits"))
    if "online" in channels and visits:
        out.append(
            QualityIssue(
                "online_but_visits",
                ERROR,
                "visits",
                _("标注“全程网办”，到办事现场次数却为%(n)s次：两者矛盾。") % {"n": visits},
            )
        )
    if visits and not _text(data.get("onsite_reason")):
        out.append(
            QualityIssue(
                "onsite_reason_missing",
                ERROR,
                "onsite_reason",
                _("到办事现场次数为%(n)s次，但未说明必须现场办理的原因。") % {"n": visits},
            )
        )
    return out


def _type_issues(
    data: dict[str, Any], item: Any, item_type: str, legal: int | None
) -> list[QualityIssue]:
    out = []
    code = str(getattr(item, "code", "") or "")
    basic = code[19:] if len(code) == 31 else ""
    # Inferred 基本编码 structure RR TT DD MMM SSS (standards.md §1.3, unconfirmed): a warning only.
    if len(basic) == 12 and basic[2:4].isdigit() and item_type and basic[2:4] != item_type:
        out.append(
            QualityIssue(
                "basic_code_type_mismatch",
                WARNING,
                "item_type",
                _(
                    "基本编码第3–4位为“%(digits)s”，与事项类型代码“%(type)s”不一致"
                    "（编码结构为推断，请核对）。"
                )
                % {"digits": basic[2:4], "type": item_type},
            )
        )
    if item_type != ItemType.LICENSING:
        return out
    if (
        legal is not None
        and legal > LICENSING_STATUTORY_DAYS
        and not _text(data.get("legal_days_note"))
    ):
        out.append(
            QualityIssue(
                "legal_days_without_note",
                WARNING,
                "legal_days_note",
                _(
                    "行政许可的法定办结时限为%(n)s个工作日，超过《行政许可法》第四十二条的"
                    "20个工作日：请在时限说明中写明依据。"
                )
                % {"n": legal},
            )
        )
    result = _dict(data.get("result"))
    if not _text(result.get("name")):
        out.append(
            QualityIssue(
                "result_missing",
                ERROR,
                "result",
                _("行政许可事项缺少办理结果（结果名称，如许可证、批准文件）。"),
            )
        )
    return out


# --- Reports -----------------------------------------------------------------------------------


def item_score(issues: Iterable[QualityIssue]) -> int:
    errors = warnings = 0
    for issue in issues:
        if issue.severity == ERROR:
            errors += 1
        else:
            warnings += 1
    return max(0, 100 - ERROR_PENALTY * errors - WARNING_PENALTY * warnings)


@dataclass
class ItemQuality:
    code: str
    name: str
    body_key: Any
    version: int | None
    issues: list[QualityIssue]

    @property
    def score(self) -> int:
        return item_score(self.issues)

    @property
    def has_errors(self) -> bool:
        return any(i.severity == ERROR for i in self.issues)


@dataclass
class BodyQuality:
    body_id: str  # public id of the implementing body
    body: str
    region: str
    items: int = 0
    items_with_errors: int = 0
    issues_by_kind: Counter[str] = field(default_factory=Counter)
    score_sum: int = 0

    @property
    def score(self) -> float:
        return round(self.score_sum / self.items, 1) if self.items else 100.0

    def add(self, result: ItemQuality) -> None:
        self.items += 1
        self.items_with_errors += result.has_errors
        self.issues_by_kind.update(i.kind for i in result.issues)
        self.score_sum += result.score


@dataclass
class QualityReport:
    bodies: list[BodyQuality]
    items: list[ItemQuality]  # items with at least one issue, worst first (capped by max_items)

    @property
    def items_total(self) -> int:
        return sum(b.items for b in self.bodies)

    @property
    def items_with_errors(self) -> int:
        return sum(b.items_with_errors for b in self.bodies)

    @property
    def issues_by_kind(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for body in self.bodies:
            total.update(body.issues_by_kind)
        return total

    @property
    def score(self) -> float:
        items = self.items_total
        return round(sum(b.score_sum for b in self.bodies) / items, 1) if items else 100.0


@dataclass(frozen=True)
class _ItemRef:
    code: str
    item_type: str


CHUNK = 2000
_COLUMNS = ("code", "name", "item_type", "body__public_id", "body__name", "body__region_id")


def _checked_versions(items: QuerySet[ImplementationItem]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(item columns, version columns) for each item that is offered or being prepared: its
    published version, or, for an item never published, its latest version. Two streamed
    queries, no per-row query and no model instances."""
    items = items.exclude(status=ItemStatus.WITHDRAWN).order_by()
    published = items.filter(published_version__isnull=False).values_list(
        *_COLUMNS,
        "published_version__number",
        "published_version__content",
        "published_version__content_digest",
    )
    for row in published.iterator(chunk_size=CHUNK):
        yield dict(zip(_COLUMNS, row[:6], strict=True)), row[6:]
    drafts = (
        GuideVersion.objects.filter(
            item__in=items.filter(published_version__isnull=True).values("pk")
        )
        .order_by("item_id", "-number")
        .values_list(
            "item_id",
            *(f"item__{c}" for c in _COLUMNS),
            "number",
            "content",
            "content_digest",
        )
    )
    last_item = None
    for row in drafts.iterator(chunk_size=CHUNK):
        if row[0] == last_item:
            continue  # an older version of the same item
        last_item = row[0]
        yield dict(zip(_COLUMNS, row[1:7], strict=True)), row[7:]


def quality_rows(items: QuerySet[ImplementationItem]) -> Iterator[ItemQuality]:
    """Streams the check over a queryset of any size (the capability assessment uses this)."""
    for columns, (number, content, digest) in _checked_versions(items):
        issues = guide_quality(
            content or {},
            _ItemRef(columns["code"], columns["item_type"]),
            digest=digest or None,
        )
        yield ItemQuality(
            code=columns["code"],
            name=columns["name"],
            body_key=(
                str(columns["body__public_id"]),
                columns["body__name"],
                columns["body__region_id"],
            ),
            version=number,
            issues=issues,
        )


def quality_report(
    items: QuerySet[ImplementationItem], *, max_items: int | None = 500
) -> QualityReport:
    """Per-body aggregates over `items` (withdrawn items are left out), and the items with
    issues, worst first — at most `max_items` of them (None keeps all), so memory stays bounded
    on a national catalog."""
    bodies: dict[Any, BodyQuality] = {}
    worst: list[tuple[int, int, ItemQuality]] = []  # heap of (−score, seq, item) when capped
    kept: list[ItemQuality] = []
    for seq, result in enumerate(quality_rows(items)):
        key = result.body_key
        body = bodies.get(key)
        if body is None:
            body = bodies[key] = BodyQuality(body_id=key[0], body=key[1], region=key[2])
        body.add(result)
        if not result.issues:
            continue
        if max_items is None:
            kept.append(result)
        elif max_items > 0:
            # A min-heap on −score: its top is the best-scoring item kept, the one to drop first.
            entry = (-result.score, -seq, result)
            if len(worst) < max_items:
                heapq.heappush(worst, entry)
            else:
                heapq.heappushpop(worst, entry)
    if max_items is not None:
        kept = [entry[2] for entry in worst]
    kept.sort(key=lambda r: (r.score, r.code))
    ordered = sorted(bodies.values(), key=lambda b: (b.score, b.region, b.body))
    return QualityReport(bodies=ordered, items=kept)


def catalog_quality_for_admin(
    actor: Any, *, region_prefix: str = "", max_items: int | None = 500
) -> QualityReport:
    """The quality report over the items the actor may edit (a catalog or platform admin's
    scope), optionally narrowed to one region subtree (`Region.prefix`)."""
    if staff_scope(actor, roles=CATALOG_ROLES).is_empty:
        raise PermissionDenied(_("只有事项管理员可以查看指南质量报告。"))
    items = items_editable_by(actor)
    if region_prefix:
        items = items.filter(region__pk__startswith=region_prefix)
    return quality_report(items, max_items=max_items)
