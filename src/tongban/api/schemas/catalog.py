"""Input and output schemas of the catalog endpoints (api/routers/catalog.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from tongban.catalog.guide_schema import GuideContent

MAX_LIMIT = 200
# Offsets past this are refused: deep OFFSET pages cost O(offset) on any database. Whole
# catalogs move through `catalog export`, not page by page.
MAX_OFFSET = 10_000


class FieldProblemOut(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    status: int
    code: str
    message: str
    fields: list[FieldProblemOut]


# --- Basic catalog -----------------------------------------------------------------------------


class BasicItemFilter(Schema):
    q: str = Field("", max_length=50, description="事项名称（包含）或完整基本编码")
    item_type: str = Field("", max_length=2, description="事项类型代码（GB/T 39046 A.1）")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class BasicItemOut(Schema):
    code: str
    name: str
    item_type: str
    item_type_name: str
    parent_code: str | None
    service_objects: list[str]
    exercise_levels: list[str]
    competent_department: str


class BasicItemPageOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[BasicItemOut]


# --- Implementation items ----------------------------------------------------------------------


class ItemFilterIn(Schema):
    region: str = Field(
        "", max_length=12, description="居民所在区划：返回该区划及其上级各级实施的事项"
    )
    within: str = Field("", max_length=12, description="只看该区划范围内（含下级）实施主体的事项")
    level: str = Field("", max_length=2, description="行使层级代码（A.2）")
    department: str = Field("", max_length=36, description="部门公开标识（UUID）")
    person_theme: str = Field("", max_length=3, description="自然人主题代码")
    corporate_theme: str = Field("", max_length=3, description="法人主题代码")
    service_object: str = Field("", max_length=2, description="服务对象代码（A.4）")
    online_depth: str = Field("", max_length=2, description="网上办理深度代码（1–8）")
    channel: str = Field("", max_length=16, description="办理渠道：online/mobile/kiosk/…")
    item_type: str = Field("", max_length=2, description="事项类型代码（A.1）")
    q: str = Field("", max_length=50, description="事项名称（包含）或完整实施编码")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RegionRef(Schema):
    code: str
    name: str


class DepartmentRef(Schema):
    id: str = Field(description="部门公开标识")
    name: str


class ItemOut(Schema):
    code: str = Field(description="实施编码（31位）")
    name: str
    region: RegionRef
    department: DepartmentRef
    body_name: str = Field(description="实施主体")
    exercise_level: str
    item_type: str
    case_kind: str = Field(description="办件类型：1 即办件 / 2 承诺件 / 9 其他")
    legal_days: int | None = Field(description="法定办结时限（工作日）")
    promised_days: int | None = Field(description="承诺办结时限（工作日）")
    visits: int | None = Field(description="到办事现场次数")
    fully_online: bool
    url: str = Field(description="门户网站办事指南页面路径")


class ItemPageOut(Schema):
    total: int = Field(description="符合条件的事项数（超过 total_limit 时只计到 total_limit）")
    total_exact: bool = Field(description="false 表示实际数量超过 total_limit")
    total_limit: int
    limit: int
    offset: int
    items: list[ItemOut]


class BodyRef(Schema):
    name: str
    credit_code: str
    nature: str = Field(description="实施主体性质（A.3）")


class ItemDetailOut(Schema):
    code: str
    name: str
    basic_code: str
    item_type: str
    item_type_name: str
    exercise_level: str
    exercise_level_name: str
    region: RegionRef
    department: DepartmentRef
    body: BodyRef
    local_code: str
    version: int = Field(description="现行指南版本号")
    published_at: datetime | None
    content_digest: str = Field(description="指南内容 SM3 摘要（发布时固定）")
    url: str
    jsonld_url: str
    guide: GuideContent


# --- Bundles -----------------------------------------------------------------------------------


class BundleMemberItemOut(Schema):
    code: str
    name: str
    region: RegionRef
    url: str


class BundleMemberOut(Schema):
    basic_code: str
    name: str
    note: str
    item: BundleMemberItemOut | None = Field(
        None, description="按 region 解析到的实施清单事项；未指定区划或该区划无实施时为空"
    )


class BundleStageOut(Schema):
    stage: int
    members: list[BundleMemberOut]


class BundleOut(Schema):
    code: str
    name: str
    audience: str
    audience_name: str
    summary: str
    is_national_key: bool
    promised_days: int | None
    region: str | None = Field(description="适用区划；为空表示全省通用")
    stages: list[BundleStageOut]
    shared_fields: list[dict[str, Any]]
    shared_materials: list[dict[str, Any]]


class BundleFilter(Schema):
    audience: str = Field("", max_length=10, description="personal 个人 / corporate 法人")


class BundleRegionIn(Schema):
    region: str = Field("", max_length=12, description="申请人所在区划，用于解析各成员事项")


# --- Staff: quality and versions ---------------------------------------------------------------


class QualityFilter(Schema):
    within: str = Field("", max_length=12, description="只看该区划范围内的事项")
    limit: int = Field(100, ge=0, le=500, description="最多列出多少个有问题的事项（最差的在前）")


class QualityIssueOut(Schema):
    kind: str
    kind_name: str
    severity: str = Field(description="error 错误 / warning 提醒")
    path: str = Field(description="指南要素路径，如 materials[1].source")
    message: str


class QualityItemOut(Schema):
    code: str
    name: str
    body: str
    version: int | None
    score: int
    issues: list[QualityIssueOut]


class QualityBodyOut(Schema):
    body_id: str
    body: str
    region: str
    items: int
    items_with_errors: int
    issues_by_kind: dict[str, int]
    score: float


class QualityReportOut(Schema):
    score: float = Field(description="0–100：各事项得分的平均值；事项得分 = 100 − 20×错误 − 5×提醒")
    items: int
    items_with_errors: int
    issues_by_kind: dict[str, int]
    kind_names: dict[str, str]
    bodies: list[QualityBodyOut]
    problem_items: list[QualityItemOut]


class VersionOut(Schema):
    number: int
    status: str
    status_name: str
    revision: int
    change_note: str
    content_digest: str
    created_by: str | None
    created_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str
    published_at: datetime | None
    ended_at: datetime | None


class ChangeOut(Schema):
    path: str
    kind: str = Field(description="added / removed / changed")
    before: Any = None
    after: Any = None


class VersionDiffOut(Schema):
    item: str
    from_version: int
    to_version: int
    changes: list[ChangeOut]
