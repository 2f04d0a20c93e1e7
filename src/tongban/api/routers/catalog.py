"""The service catalog: basic catalog, implementation items and their guides (public, no sign-in),
bundles (一件事), and for catalog admins the guide quality report and version history.

Public list endpoints read only the denormalised item columns and facet rows (no guide JSON is
parsed per row); each answers in a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from tongban.api.schemas.catalog import (
    BasicItemFilter,
    BasicItemOut,
    BasicItemPageOut,
    BodyRef,
    BundleFilter,
    BundleMemberItemOut,
    BundleMemberOut,
    BundleOut,
    BundleRegionIn,
    BundleStageOut,
    ChangeOut,
    DepartmentRef,
    ItemDetailOut,
    ItemFilterIn,
    ItemOut,
    ItemPageOut,
    ProblemOut,
    QualityBodyOut,
    QualityFilter,
    QualityIssueOut,
    QualityItemOut,
    QualityReportOut,
    RegionRef,
    VersionDiffOut,
    VersionOut,
)
from tongban.catalog.coding import parse_implementation_code
from tongban.catalog.cpsv import public_service_jsonld
from tongban.catalog.diff import guide_diff
from tongban.catalog.guide_schema import CHANNELS
from tongban.catalog.quality import ISSUE_KINDS, catalog_quality_for_admin
from tongban.catalog.selectors import (
    ItemFilters,
    basic_item_list,
    bundle_get,
    bundle_list,
    bundle_members_for_region,
    item_count_public,
    item_get_public,
    item_guide,
    item_list_public,
    version_get_for_admin,
    versions_for_admin,
)
from tongban.core.codes import (
    ExerciseLevel,
    ItemType,
    LegalPersonTheme,
    NaturalPersonTheme,
    OnlineDepth,
    ServiceObject,
    ThemeAudience,
)
from tongban.core.errors import FieldProblem, NotFound, ValidationFailed
from tongban.core.selectors.regions import region_get

if TYPE_CHECKING:
    from tongban.catalog.models import Bundle, ImplementationItem
    from tongban.core.models import Region

router = Router(tags=["catalog"])

# `total` is counted exactly up to this many matches: counting a million rows on every page
# would make the endpoint slower as the catalog grows; past it, clients see `total_exact=false`.
COUNT_LIMIT = 1_000

PUBLIC_ERRORS = {404: ProblemOut, 422: ProblemOut}
STAFF_ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


def guide_page_path(code: str) -> str:
    return f"/services/{code}/"


# --- Input checks (422 naming the field) ---------------------------------------------------------


def _code_problem(field: str, label: str, value: str, allowed: list[str]) -> FieldProblem:
    return FieldProblem(
        field,
        _("%(label)s代码“%(value)s”不在国家代码表中，可选：%(allowed)s。")
        % {"label": label, "value": value, "allowed": "、".join(allowed)},
    )


def _region_or_problem(
    field: str, label: str, code: str
) -> tuple[Region | None, list[FieldProblem]]:
    if not code:
        return None, []
    if not (code.isdigit() and len(code) in (6, 9, 12)):
        return None, [
            FieldProblem(field, _("%(label)s应为6、9或12位数字的行政区划代码。") % {"label": label})
        ]
    try:
        return region_get(code), []
    except NotFound:
        return None, [
            FieldProblem(field, _("%(label)s“%(code)s”不存在。") % {"label": label, "code": code})
        ]


def _raise_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed(_("查询条件有误，请按提示修改。"), fields=problems)


def _item_filters(f: ItemFilterIn) -> ItemFilters:
    problems: list[FieldProblem] = []
    checks: list[tuple[str, str, str, list[str]]] = [
        ("level", _("行使层级"), f.level, ExerciseLevel.values),
        ("item_type", _("事项类型"), f.item_type, ItemType.values),
        ("person_theme", _("自然人主题"), f.person_theme, NaturalPersonTheme.values),
        ("corporate_theme", _("法人主题"), f.corporate_theme, LegalPersonTheme.values),
        ("service_object", _("服务对象"), f.service_object, ServiceObject.values),
        ("online_depth", _("网上办理深度"), f.online_depth, OnlineDepth.values),
        ("channel", _("办理渠道"), f.channel, list(CHANNELS)),
    ]
    for field, label, value, allowed in checks:
        if value and value not in allowed:
            problems.append(_code_problem(field, label, value, allowed))
    if f.department:
        try:
            uuid.UUID(f.department)
        except ValueError:
            problems.append(FieldProblem("department", _("部门标识应为UUID格式。")))
    problems += _region_or_problem("region", _("所在区划"), f.region)[1]
    problems += _region_or_problem("within", _("区划范围"), f.within)[1]
    _raise_if(problems)
    return ItemFilters(
        region=f.region,
        within=f.within,
        level=f.level,
        department=f.department,
        person_theme=f.person_theme,
        corporate_theme=f.corporate_theme,
        service_object=f.service_object,
        online_depth=f.online_depth,
        channel=f.channel,
        item_type=f.item_type,
        q=f.q.strip(),
    )


def _public_item(code: str) -> ImplementationItem:
    parse_implementation_code(code)  # 422 with the reason for a malformed code
    return item_get_public(code)


# --- Basic catalog -----------------------------------------------------------------------------


@router.get(
    "/basic-items",
    auth=None,
    response={200: BasicItemPageOut, 422: ProblemOut},
    operation_id="catalog_basic_items_list",
    summary="查询基本目录事项",
    description="按名称或基本编码、事项类型查询政务服务事项基本目录；分页返回。",
)
def catalog_basic_items_list(
    request: HttpRequest, filters: Query[BasicItemFilter]
) -> BasicItemPageOut:
    if filters.item_type and filters.item_type not in ItemType.values:
        _raise_if([_code_problem("item_type", _("事项类型"), filters.item_type, ItemType.values)])
    qs = basic_item_list(q=filters.q.strip(), item_type=filters.item_type)
    page = list(qs[filters.offset : filters.offset + filters.limit])
    return BasicItemPageOut(
        total=qs.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[
            BasicItemOut(
                code=b.code,
                name=b.name,
                item_type=b.item_type,
                item_type_name=str(b.get_item_type_display()),
                parent_code=b.parent.code if b.parent else None,
                service_objects=list(b.service_objects),
                exercise_levels=list(b.exercise_levels),
                competent_department=b.competent_department,
            )
            for b in page
        ],
    )


# --- Implementation items ----------------------------------------------------------------------


def _item_out(item: ImplementationItem) -> ItemOut:
    return ItemOut(
        code=item.code,
        name=item.name,
        region=RegionRef(code=item.region.code, name=item.region.name),
        department=DepartmentRef(id=str(item.department.public_id), name=item.department.name),
        body_name=item.body.name,
        exercise_level=item.exercise_level,
        item_type=item.item_type,
        case_kind=item.case_kind,
        legal_days=item.legal_days,
        promised_days=item.promised_days,
        visits=item.visits,
        fully_online=item.fully_online,
        url=guide_page_path(item.code),
    )


@router.get(
    "/items",
    auth=None,
    response={200: ItemPageOut, 422: ProblemOut},
    operation_id="catalog_items_list",
    summary="查询实施清单事项",
    description=(
        "按区划、行使层级、部门、主题、服务对象、网上办理深度、办理渠道等筛选已发布的实施清单事项，"
        "按热度排序分页返回。代码类参数须取国家代码表中的值，否则返回 422 并指明字段。"
    ),
)
def catalog_items_list(request: HttpRequest, filters: Query[ItemFilterIn]) -> ItemPageOut:
    wanted = _item_filters(filters)
    qs = item_list_public(wanted)
    page = list(qs[filters.offset : filters.offset + filters.limit])
    if filters.offset == 0 and len(page) < filters.limit:
        total = len(page)  # the whole result fits on this page: no COUNT needed
    else:
        # Bounded, and without the ORDER BY: a count never needs the rows sorted.
        total = item_count_public(wanted, limit=COUNT_LIMIT + 1)
    return ItemPageOut(
        total=min(total, COUNT_LIMIT),
        total_exact=total <= COUNT_LIMIT,
        total_limit=COUNT_LIMIT,
        limit=filters.limit,
        offset=filters.offset,
        items=[_item_out(item) for item in page],
    )


@router.get(
    "/items/{code}",
    auth=None,
    response={200: ItemDetailOut, **PUBLIC_ERRORS},
    operation_id="catalog_items_get",
    summary="办事指南（完整内容）",
    description="按实施编码返回现行（已发布）办事指南的全部要素及事项信息；已取消或未发布的事项返回 404。",
)
def catalog_items_get(request: HttpRequest, code: str) -> ItemDetailOut:
    item = _public_item(code)
    version = item.published_version
    if version is None:  # item_get_public returns published items only
        raise NotFound()
    return ItemDetailOut(
        code=item.code,
        name=item.name,
        basic_code=item.basic_item.code,
        item_type=item.item_type,
        item_type_name=str(item.get_item_type_display()),
        exercise_level=item.exercise_level,
        exercise_level_name=str(item.get_exercise_level_display()),
        region=RegionRef(code=item.region.code, name=item.region.name),
        department=DepartmentRef(id=str(item.department.public_id), name=item.department.name),
        body=BodyRef(
            name=item.body.name, credit_code=item.body.credit_code, nature=item.body.nature
        ),
        local_code=item.local_code,
        version=version.number,
        published_at=version.published_at,
        content_digest=version.content_digest,
        url=guide_page_path(item.code),
        jsonld_url=f"/api/v1/catalog/items/{item.code}/jsonld",
        guide=item_guide(item),
    )


@router.get(
    "/items/{code}/jsonld",
    auth=None,
    response={200: dict[str, Any], **PUBLIC_ERRORS},
    operation_id="catalog_items_jsonld",
    summary="办事指南（CPSV-AP JSON-LD）",
    description=(
        "以欧盟公共服务核心词汇应用规范（CPSV-AP 3.x）的 JSON-LD 格式导出办事指南，"
        "Content-Type 为 application/ld+json。cv:processingTime 以天表示，实际按工作日计算。"
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "CPSV-AP JSON-LD",
                "content": {"application/ld+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def catalog_items_jsonld(request: HttpRequest, code: str) -> HttpResponse:
    item = _public_item(code)
    version = item.published_version
    doc = public_service_jsonld(
        item=item,
        content=item_guide(item),
        service_url=request.build_absolute_uri(guide_page_path(item.code)),
        version=version.number if version else None,
        published_at=version.published_at if version else None,
    )
    return HttpResponse(
        json.dumps(doc, ensure_ascii=False), content_type="application/ld+json; charset=utf-8"
    )


# --- Bundles (一件事) ----------------------------------------------------------------------------


def _bundle_out(
    bundle: Bundle, resolved: dict[str, ImplementationItem | None] | None = None
) -> BundleOut:
    stages: dict[int, list[BundleMemberOut]] = {}
    for member in bundle.members.all():
        basic = member.basic_item
        item = resolved.get(basic.code) if resolved else None
        stages.setdefault(member.stage, []).append(
            BundleMemberOut(
                basic_code=basic.code,
                name=basic.name,
                note=member.note,
                item=BundleMemberItemOut(
                    code=item.code,
                    name=item.name,
                    region=RegionRef(code=item.region.code, name=item.region.name),
                    url=guide_page_path(item.code),
                )
                if item is not None
                else None,
            )
        )
    definition = bundle.definition if isinstance(bundle.definition, dict) else {}
    return BundleOut(
        code=bundle.code,
        name=bundle.name,
        audience=bundle.audience,
        audience_name=str(bundle.get_audience_display()),
        summary=bundle.summary,
        is_national_key=bundle.is_national_key,
        promised_days=bundle.promised_days,
        region=bundle.region_id,
        stages=[BundleStageOut(stage=s, members=m) for s, m in sorted(stages.items())],
        shared_fields=list(definition.get("shared_fields") or []),
        shared_materials=list(definition.get("shared_materials") or []),
    )


@router.get(
    "/bundles",
    auth=None,
    response={200: list[BundleOut], 422: ProblemOut},
    operation_id="catalog_bundles_list",
    summary="“一件事”列表",
    description="列出启用的“一件事”及其分阶段的成员事项、共享字段和共享材料。",
)
def catalog_bundles_list(request: HttpRequest, filters: Query[BundleFilter]) -> list[BundleOut]:
    if filters.audience and filters.audience not in ThemeAudience.values:
        _raise_if(
            [
                FieldProblem(
                    "audience",
                    _("服务对象应为 personal（个人）或 corporate（法人）。"),
                )
            ]
        )
    return [_bundle_out(b) for b in bundle_list(audience=filters.audience)]


@router.get(
    "/bundles/{code}",
    auth=None,
    response={200: BundleOut, **PUBLIC_ERRORS},
    operation_id="catalog_bundles_get",
    summary="“一件事”详情",
    description="给出 region 时，每个成员事项解析为申请人所在区划应办理的实施清单事项（就近优先）。",
)
def catalog_bundles_get(request: HttpRequest, code: str, query: Query[BundleRegionIn]) -> BundleOut:
    _region, problems = _region_or_problem("region", _("所在区划"), query.region)
    _raise_if(problems)
    bundle = bundle_get(code)
    resolved = bundle_members_for_region(bundle, query.region) if query.region else None
    return _bundle_out(bundle, resolved)


# --- Staff: guide quality and versions ---------------------------------------------------------


@router.get(
    "/quality",
    response={200: QualityReportOut, **STAFF_ERRORS},
    operation_id="catalog_quality_report",
    summary="办事指南质量检查（本人管理范围）",
    description=(
        "逐事项、逐实施主体列出指南缺失或矛盾的要素（承诺时限超过法定时限、材料缺少形式或来源、"
        "收费缺少依据、声明网办但无表单等）。仅事项管理员可用，范围为本人的数据范围。"
    ),
)
def catalog_quality_report(request: HttpRequest, filters: Query[QualityFilter]) -> QualityReportOut:
    region, problems = _region_or_problem("within", _("区划范围"), filters.within)
    _raise_if(problems)
    report = catalog_quality_for_admin(
        request.auth, region_prefix=region.prefix if region else "", max_items=filters.limit
    )
    return QualityReportOut(
        score=report.score,
        items=report.items_total,
        items_with_errors=report.items_with_errors,
        issues_by_kind=dict(report.issues_by_kind),
        kind_names={k: str(v) for k, v in ISSUE_KINDS.items()},
        bodies=[
            QualityBodyOut(
                body_id=b.body_id,
                body=b.body,
                region=b.region,
                items=b.items,
                items_with_errors=b.items_with_errors,
                issues_by_kind=dict(b.issues_by_kind),
                score=b.score,
            )
            for b in report.bodies
        ],
        problem_items=[
            QualityItemOut(
                code=r.code,
                name=r.name,
                body=r.body_key[1],
                version=r.version,
                score=r.score,
                issues=[
                    QualityIssueOut(
                        kind=i.kind,
                        kind_name=i.kind_label,
                        severity=i.severity,
                        path=i.path,
                        message=i.message,
                    )
                    for i in r.issues
                ],
            )
            for r in report.items
        ],
    )


def _name(user: Any) -> str | None:
    return user.display_name if user is not None else None


@router.get(
    "/items/{code}/versions",
    response={200: list[VersionOut], **STAFF_ERRORS},
    operation_id="catalog_item_versions_list",
    summary="办事指南版本历史（本人管理范围）",
    description="列出事项的全部指南版本（草稿、待审核、已发布、已替代、已撤回），新版本在前。",
)
def catalog_item_versions_list(request: HttpRequest, code: str) -> list[VersionOut]:
    return [
        VersionOut(
            number=v.number,
            status=v.status,
            status_name=str(v.get_status_display()),
            revision=v.revision,
            change_note=v.change_note,
            content_digest=v.content_digest,
            created_by=_name(v.created_by),
            created_at=v.created_at,
            submitted_by=_name(v.submitted_by),
            submitted_at=v.submitted_at,
            reviewed_by=_name(v.reviewed_by),
            reviewed_at=v.reviewed_at,
            review_comment=v.review_comment,
            published_at=v.published_at,
            ended_at=v.ended_at,
        )
        for v in versions_for_admin(request.auth, code)
    ]


@router.get(
    "/items/{code}/versions/{a}/diff/{b}",
    response={200: VersionDiffOut, **STAFF_ERRORS},
    operation_id="catalog_item_versions_diff",
    summary="比较两个指南版本",
    description="逐要素列出从版本 a 到版本 b 的新增、删除和修改。",
)
def catalog_item_versions_diff(
    request: HttpRequest,
    code: str,
    a: int = Path(..., ge=1, le=1_000_000),
    b: int = Path(..., ge=1, le=1_000_000),
) -> VersionDiffOut:
    before = version_get_for_admin(request.auth, code, a)
    after = version_get_for_admin(request.auth, code, b)
    return VersionDiffOut(
        item=before.item.code,
        from_version=a,
        to_version=b,
        changes=[
            ChangeOut(path=c.path, kind=c.kind, before=c.before, after=c.after)
            for c in guide_diff(before.content, after.content)
        ],
    )
