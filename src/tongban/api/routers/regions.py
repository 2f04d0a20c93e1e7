"""Public reference endpoints: administrative divisions and identifier checks. No sign-in needed
(auth=None on each operation); nothing here reads personal data."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from tongban.core.errors import NotFound, ValidationFailed
from tongban.core.identifiers import (
    citizen_id_info,
    mask_citizen_id,
    validate_credit_code,
)
from tongban.core.models import Region
from tongban.core.selectors.regions import (
    region_children,
    region_children_count,
    region_get,
    region_name_for_id_number,
    region_path,
    region_search,
)

router = Router(tags=["regions"])

MAX_LIMIT = 200


class RegionOut(Schema):
    code: str
    name: str
    full_name: str
    level: int
    level_label: str
    parent_code: str | None
    is_current: bool
    valid_until: int | None
    is_generated: bool

    @staticmethod
    def of(region: Region) -> RegionOut:
        return RegionOut(
            code=region.code,
            name=region.name,
            full_name=region.full_name,
            level=region.level,
            level_label=str(region.get_level_display()),
            parent_code=region.parent_id,
            is_current=region.is_current,
            valid_until=region.valid_until,
            is_generated=region.is_generated,
        )


class RegionDetailOut(RegionOut):
    source: str
    path: list[RegionOut]
    children_count: int


class RegionPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[RegionOut]


class RegionFilter(Schema):
    q: str = Field("", max_length=50, description="名称（包含）或代码前缀（纯数字时）")
    level: int | None = Field(None, ge=1, le=5, description="层级：1省 2市 3县 4乡 5村")
    parent: str | None = Field(None, max_length=12, description="直接上级的区划代码")
    under: str | None = Field(None, max_length=12, description="只查该区划之下（不含自身）")
    include_historical: bool = Field(False, description="包含已撤销的历史代码")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get(
    "/regions",
    response=RegionPageOut,
    auth=None,
    operation_id="regions_list",
    summary="查询行政区划",
    description="按名称或代码前缀查询行政区划，可按层级、上级区划筛选；分页返回。",
)
def regions_list(request: HttpRequest, filters: Query[RegionFilter]) -> RegionPageOut:
    qs = region_search(
        filters.q,
        level=filters.level,
        under=filters.under,
        parent=filters.parent,
        include_historical=filters.include_historical,
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return RegionPageOut(
        count=qs.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[RegionOut.of(r) for r in items],
    )


@router.get(
    "/regions/{code}",
    response=RegionDetailOut,
    auth=None,
    operation_id="regions_get",
    summary="行政区划详情",
    description="返回区划本身、从省级到本级的路径和下级区划数量；历史代码同样可查。",
)
def regions_get(request: HttpRequest, code: str) -> RegionDetailOut:
    region = region_get(code)
    base = RegionOut.of(region).model_dump()
    return RegionDetailOut(
        **base,
        source=region.source,
        path=[RegionOut.of(r) for r in region_path(region.code)],
        children_count=region_children_count(region.code),
    )


@router.get(
    "/regions/{code}/children",
    response=list[RegionOut],
    auth=None,
    operation_id="regions_children",
    summary="下级行政区划",
    description="列出直接下级区划（默认只含现行区划）。",
)
def regions_children(
    request: HttpRequest, code: str, include_historical: bool = False
) -> list[RegionOut]:
    return [RegionOut.of(r) for r in region_children(code, include_historical=include_historical)]


class IdentifierCheckIn(Schema):
    value: str = Field(..., max_length=64, description="待校验的号码")


class CitizenIdCheckOut(Schema):
    valid: bool
    normalized: str | None = Field(None, description="规范化后的号码（已脱敏）")
    message: str
    birth_date: date | None = None
    sex: str | None = Field(None, description="GB/T 2261.1：1 男，2 女")
    sex_label: str | None = None
    region_code: str | None = None
    region_name: str | None = Field(None, description="出生登记地，按当时名称")
    region_note: str | None = Field(None, description="如“2010年撤销”")


class CreditCodeCheckOut(Schema):
    valid: bool
    normalized: str | None = None
    message: str
    region_code: str | None = Field(None, description="登记管理机关行政区划代码（第3–8位）")
    region_name: str | None = None


@router.get(
    "/identifiers/citizen-id/validate",
    response=CitizenIdCheckOut,
    auth=None,
    operation_id="identifiers_citizen_id_validate",
    summary="校验公民身份号码",
    description="按 GB 11643 校验长度、出生日期、地址码和校验码；结果不回显完整号码。",
)
def identifiers_citizen_id_validate(
    request: HttpRequest, check: Query[IdentifierCheckIn]
) -> CitizenIdCheckOut:
    try:
        info = citizen_id_info(check.value, field="value")
    except ValidationFailed as exc:
        return CitizenIdCheckOut(valid=False, message=str(exc.message))
    try:
        place = region_name_for_id_number(info.number)
        region_name, region_note = place.full_name, place.note or None
    except NotFound:
        region_name, region_note = info.place_name, None
    return CitizenIdCheckOut(
        valid=True,
        normalized=mask_citizen_id(info.number),
        message=_("号码有效。"),
        birth_date=info.birth_date,
        sex=info.sex,
        sex_label=info.sex_label,
        region_code=info.address_code,
        region_name=region_name,
        region_note=region_note,
    )


@router.get(
    "/identifiers/credit-code/validate",
    response=CreditCodeCheckOut,
    auth=None,
    operation_id="identifiers_credit_code_validate",
    summary="校验统一社会信用代码",
    description="按 GB 32100 校验字符集、长度、校验码，并核对内嵌组织机构代码（GB 11714）的校验位。",
)
def identifiers_credit_code_validate(
    request: HttpRequest, check: Query[IdentifierCheckIn]
) -> CreditCodeCheckOut:
    try:
        code = validate_credit_code(check.value, field="value")
    except ValidationFailed as exc:
        return CreditCodeCheckOut(valid=False, message=str(exc.message))
    region_code = code[2:8]
    try:
        region_name: str | None = region_get(region_code).full_name
    except NotFound:
        region_name = None
    return CreditCodeCheckOut(
        valid=True,
        normalized=code,
        message=_("代码有效。"),
        region_code=region_code,
        region_name=region_name,
    )
