"""Input and output schemas of the search endpoints (api/routers/search.py)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

QUERY_MAX = 100


class SearchIn(Schema):
    q: str = Field("", max_length=QUERY_MAX, description="搜索词：中文、繁体、拼音或拼音首字母均可")
    region: str = Field(
        "",
        max_length=12,
        description="所在区划代码（6、9或12位）；不填时用登录用户的常住地；本地可办的事项排在前面",
    )
    type: str = Field(
        "", max_length=20, description="只看某类结果：item（办事事项）、bundle（一件事）等"
    )
    page: int = Field(1, ge=1, le=50)
    page_size: int = Field(10, ge=1, le=50)
    level: str = Field("", max_length=1, description="行使层级代码（A.2）")
    department: str = Field("", max_length=36, description="部门公开标识（UUID）")
    theme_p: str = Field("", max_length=3, description="自然人主题代码")
    theme_c: str = Field("", max_length=3, description="法人主题代码")
    object: str = Field("", max_length=1, description="服务对象代码（A.4）")
    depth: str = Field("", max_length=1, description="网上办理深度代码")
    online: bool = Field(False, description="只看全程网办")


class SearchResultOut(Schema):
    type: str = Field(
        description="item 实施清单事项；basic 基本目录事项（本地区无实施时）；bundle 一件事；其他应用注册的类型"
    )
    code: str
    name: str
    url: str
    snippet: str = Field(description="摘要，命中的词以 <mark> 标出（其余文字已转义）")
    name_html: str = Field(description="名称，命中的词以 <mark> 标出")
    region_code: str
    region_name: str
    others: int = Field(description="同一事项在其他地区的实施数（归并显示）")
    others_url: str = Field(description="查看其他地区实施的链接；没有时为空")
    local: bool = Field(description="是否为所在区划（或其上级）可办理的实施")


class SearchOut(Schema):
    total: int
    page: int
    page_size: int
    query: str
    corrected: str = Field(description="纠错或拼音转换后实际搜索的词；未改写时为空")
    suggestion: str = Field(description="“您是不是要找”的建议词；没有时为空")
    results: list[SearchResultOut]


class SuggestIn(Schema):
    q: str = Field("", max_length=50, description="已输入的文字、拼音或拼音首字母")
    limit: int = Field(8, ge=1, le=10)


class SuggestionOut(Schema):
    text: str
    kind: str = Field(description="name 事项名称；phrase 常用说法；word 词语")


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]


class ClickIn(Schema):
    q: str = Field("", max_length=QUERY_MAX)
    url: str = Field("", max_length=300)
