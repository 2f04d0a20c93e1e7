"""/api/v1/search: unified search (统一搜索) over every registered document type, and suggestions
as you type. Public, no sign-in; a signed-in user's home region (常住地) stands in for `region`.
See the search app (tongban/search) for analysis and ranking."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tongban.api.schemas.catalog import ProblemOut
from tongban.api.schemas.search import (
    SearchIn,
    SearchOut,
    SearchResultOut,
    SuggestIn,
    SuggestionOut,
    SuggestOut,
)
from tongban.core.codes import (
    ExerciseLevel,
    LegalPersonTheme,
    NaturalPersonTheme,
    OnlineDepth,
    ServiceObject,
)
from tongban.core.errors import FieldProblem, NotFound, ValidationFailed
from tongban.core.selectors.regions import region_get
from tongban.search import registry
from tongban.search.selectors import Hit, SearchFilters, parts_html, search, suggest
from tongban.search.services import query_record

router = Router(tags=["search"])


def user_region(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "region_id", None) or ""
    return ""


def _problems(params: SearchIn) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if params.region:
        if not (params.region.isdigit() and len(params.region) in (6, 9, 12)):
            problems.append(FieldProblem("region", _("所在区划应为6、9或12位数字的行政区划代码。")))
        else:
            try:
                region_get(params.region)
            except NotFound:
                problems.append(
                    FieldProblem(
                        "region", _("区划代码“%(code)s”不存在。") % {"code": params.region}
                    )
                )
    sections = {s.key for s in registry.sections()} | set(registry.providers())
    if params.type and params.type not in sections:
        problems.append(
            FieldProblem(
                "type",
                _("结果类型“%(type)s”不存在，可选：%(allowed)s。")
                % {"type": params.type, "allowed": "、".join(sorted(sections))},
            )
        )
    checks = (
        ("level", params.level, ExerciseLevel.values),
        ("theme_p", params.theme_p, NaturalPersonTheme.values),
        ("theme_c", params.theme_c, LegalPersonTheme.values),
        ("object", params.object, ServiceObject.values),
        ("depth", params.depth, OnlineDepth.values),
    )
    for field, value, allowed in checks:
        if value and value not in allowed:
            problems.append(
                FieldProblem(
                    field,
                    _("代码“%(value)s”不在国家代码表中，可选：%(allowed)s。")
                    % {"value": value, "allowed": "、".join(allowed)},
                )
            )
    if params.department:
        try:
            uuid.UUID(params.department)
        except ValueError:
            problems.append(FieldProblem("department", _("部门标识应为UUID格式。")))
    return problems


def others_url(hit: Hit, query: str) -> str:
    if not hit.others:
        return ""
    from urllib.parse import urlencode

    return "/search/?" + urlencode({"q": query, "group": hit.doc.group_key})


def result_out(hit: Hit, query: str) -> dict[str, Any]:
    return {
        "type": hit.doc.doc_type,
        "code": hit.doc.code,
        "name": hit.doc.name,
        "url": hit.doc.url,
        "snippet": hit.snippet_html(),
        "name_html": parts_html(hit.name_parts),
        "region_code": hit.doc.region_code,
        "region_name": hit.doc.region_name,
        "others": hit.others,
        "others_url": others_url(hit, query),
        "local": hit.local,
    }


@router.get(
    "",
    auth=None,
    response={200: SearchOut, 422: ProblemOut},
    operation_id="search_query",
    summary="统一搜索",
    description=(
        "按口语、繁体、拼音或拼音首字母搜索办事事项、一件事等。同一事项在各地的实施归并为一条："
        "优先显示所在区划（region，或登录用户的常住地）的实施，其余地区的在 others_url 中查看。"
        "结果按相关度、办件热度、就近程度和网办深度排序。"
    ),
)
def search_query(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    problems = _problems(params)
    if problems:
        raise ValidationFailed(_("查询条件有误，请按提示修改。"), fields=problems)
    region = params.region or user_region(request)
    page = search(
        q=params.q,
        region=region,
        types=[params.type] if params.type else [],
        filters=SearchFilters(
            level=params.level,
            department=params.department,
            theme_p=params.theme_p,
            theme_c=params.theme_c,
            object=params.object,
            depth=params.depth,
            online=params.online,
        ),
        page=params.page,
        page_size=params.page_size,
    )
    if page.plan.normalized and params.page == 1:
        query_record(query=page.plan.normalized, total=page.total)
    return {
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "query": page.query,
        "corrected": page.plan.corrected,
        "suggestion": page.suggestion,
        "results": [SearchResultOut(**result_out(h, page.query)) for h in page.hits],
    }


@router.get(
    "/suggest",
    auth=None,
    response={200: SuggestOut, 422: ProblemOut},
    operation_id="search_suggest",
    summary="搜索联想",
    description="输入时的联想词：事项名称和常用说法，按前缀、全拼或拼音首字母匹配（如 jsz → 驾驶证）。",
)
def search_suggest(request: HttpRequest, params: Query[SuggestIn]) -> dict[str, Any]:
    return {"suggestions": [SuggestionOut(**s) for s in suggest(params.q, limit=params.limit)]}
