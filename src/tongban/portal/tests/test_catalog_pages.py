"""Public catalog pages: browse (办事服务), the service guide (办事指南), bundles (一件事), and the
catalog parts of the home and theme pages. Data is built through catalog.services."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongban.catalog.models import GuideVersion
from tongban.catalog.services import (
    basic_item_create,
    bundle_create,
    guide_review,
    guide_submit,
    guide_withdraw,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.portal.views import catalog as catalog_views
from tongban.testing.catalog_fixtures import make_body, make_staff

pytestmark = pytest.mark.django_db

FOOD = "000107001000"  # 食品经营许可 (city and county)
NEWBORN = "002012003000"  # 新生儿入户 (county)
PRODUCTION = "000107003000"  # 食品生产许可 (province)
DATA_RESOURCE = "DR-510000-0042"


def newborn_guide(**overrides: Any) -> dict[str, Any]:
    guide = guide_content(
        name="新生儿入户",
        item_type="20",
        legal_basis="《中华人民共和国户口登记条例》第七条",
        case_kind="1",
        legal_days=0,
        legal_days_note="",
        promised_days=0,
        promised_days_note="",
        service_objects=["1"],
        person_themes=["005", "010"],
        corporate_themes=[],
        handling_forms=["1"],
        online_depth=["1"],
        channels=[],
        visits=1,
        onsite_reason="需现场采集新生儿信息并核验出生医学证明原件。",
        result=None,
        place="锦江区公安分局户政窗口",
        materials=[
            {
                "code": "N001",
                "name": "出生医学证明",
                "forms": ["original"],
                "original_copies": 1,
                "source": "government",
                "issuer": "助产机构",
                "data_resource_code": DATA_RESOURCE,
            },
            {
                "code": "N002",
                "name": "父母结婚证",
                "forms": ["original"],
                "original_copies": 1,
                "required": False,
                "condition": "父母已登记结婚的",
                "source": "government",
            },
        ],
        workflow={
            "steps": [
                {
                    "key": "accept",
                    "name": "受理并办结",
                    "role": "window_clerk",
                    "actions": ["accept", "approve"],
                    "days": 0,
                }
            ]
        },
    )
    guide.update(overrides)
    return guide


def production_guide(**overrides: Any) -> dict[str, Any]:
    guide = guide_content(
        name="食品生产许可",
        exercise_level="2",
        legal_basis="《中华人民共和国食品安全法》第三十五条\n《食品生产许可管理办法》第二条",
        corporate_themes=["010", "135"],
        fees={
            "charged": True,
            "items": [
                {
                    "name": "证书工本费",
                    "standard": "每证10元",
                    "legal_basis": "《关于食品生产许可收费的通知》",
                    "reducible": True,
                    "reduction_basis": "小微企业免收",
                }
            ],
        },
        cross_region={"scope": "cross_province", "modes": ["online", "proxy"]},
        place="四川省政务服务中心一楼",
    )
    guide.update(overrides)
    return guide


@dataclass
class World:
    regions: dict[str, Any]
    admin: Any
    reviewer: Any
    jj_food: Any
    qy_food: Any
    cd_food: Any
    jj_newborn: Any
    sc_production: Any
    jj_market_dept: Any
    bodies: dict[str, Any]
    food: Any
    newborn: Any
    production: Any


def _body(region: Any, serial: int, name: str) -> tuple[Any, Any]:
    return make_body(
        region, name, body8=f"PT{serial + 500:06d}", department_body8=f"PT{serial:06d}"
    )


def publish(world: World, item: Any, number: int = 1) -> None:
    guide_submit(actor=world.admin, item_code=item.code, number=number)
    guide_review(actor=world.reviewer, item_code=item.code, number=number, approve=True)


def add_item(world: World, basic: Any, body: Any, content: dict[str, Any]) -> Any:
    item = implementation_item_create(
        actor=world.admin, basic_item=basic, body=body, content=content
    )
    publish(world, item)
    return item


def build_world(regions: dict[str, Any]) -> World:
    """四川省 (食品生产许可), 成都市 and 锦江区/青羊区 (食品经营许可), 锦江区 (新生儿入户)."""
    admin, reviewer = make_staff(regions["sichuan"]), make_staff(regions["sichuan"])
    food = basic_item_create(
        actor=admin,
        code=FOOD,
        name="食品经营许可",
        item_type="01",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        service_objects=["2"],
        exercise_levels=["3", "4"],
    )
    newborn = basic_item_create(
        actor=admin,
        code=NEWBORN,
        name="新生儿入户",
        item_type="20",
        service_objects=["1"],
        exercise_levels=["4"],
    )
    production = basic_item_create(
        actor=admin,
        code=PRODUCTION,
        name="食品生产许可",
        item_type="01",
        service_objects=["2"],
        exercise_levels=["2"],
    )
    bodies = {}
    jj_market_dept, bodies["jj_market"] = _body(regions["jinjiang"], 1, "锦江区市场监督管理局")
    _, bodies["jj_police"] = _body(regions["jinjiang"], 2, "成都市公安局锦江区分局")
    _, bodies["qy_market"] = _body(regions["qingyang"], 3, "青羊区市场监督管理局")
    _, bodies["cd_market"] = _body(regions["chengdu"], 4, "成都市市场监督管理局")
    _, bodies["sc_market"] = _body(regions["sichuan"], 5, "四川省市场监督管理局")
    world = World(
        regions=regions,
        admin=admin,
        reviewer=reviewer,
        jj_food=None,
        qy_food=None,
        cd_food=None,
        jj_newborn=None,
        sc_production=None,
        jj_market_dept=jj_market_dept,
        bodies=bodies,
        food=food,
        newborn=newborn,
        production=production,
    )
    world.jj_food = add_item(world, food, bodies["jj_market"], guide_content())
    world.qy_food = add_item(
        world, food, bodies["qy_market"], guide_content(place="青羊区政务服务中心")
    )
    world.cd_food = add_item(
        world,
        food,
        bodies["cd_market"],
        guide_content(
            exercise_level="3",
            channels=[],
            online_depth=["1", "2"],
            visits=1,
            onsite_reason="需现场核查经营场所。",
        ),
    )
    world.jj_newborn = add_item(world, newborn, bodies["jj_police"], newborn_guide())
    world.sc_production = add_item(world, production, bodies["sc_market"], production_guide())
    return world


def make_bundle(world: World) -> Any:
    return bundle_create(
        actor=world.admin,
        code="YJS-SC-001",
        name="开办餐馆“一件事”",
        audience="corporate",
        summary="一次申请，办好食品经营许可和相关登记。",
        members=[(FOOD, 1, "先办许可"), (PRODUCTION, 1, ""), (NEWBORN, 2, "")],
        definition={
            "shared_fields": [{"key": "shop_name", "label": "店铺名称", "type": "text"}],
            "shared_materials": [{"name": "营业执照", "replaces": ["M002"]}],
        },
        is_national_key=True,
        promised_days=5,
    )


@pytest.fixture
def world(regions) -> World:
    return build_world(regions)


def page(client: Any, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def guide_url(item: Any) -> str:
    return reverse("portal:service-guide", args=[item.code])


def count_queries(client: Any, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, url, **params)
    return len(queries)


def add_more_items(world: World, n: int = 3) -> None:
    """More published items, bodies and departments in 锦江区 (for constant query counts)."""
    for i in range(n):
        basic = basic_item_create(
            actor=world.admin,
            code=f"0001070{10 + i:02d}000",
            name=f"食品摊贩登记{i}",
            item_type="01",
            service_objects=["1", "2"],
            exercise_levels=["4"],
        )
        _, body = _body(world.regions["jinjiang"], 20 + i, f"锦江区第{i}市场监管所")
        add_item(
            world,
            basic,
            body,
            guide_content(name=f"食品摊贩登记{i}", person_themes=["030"], service_objects=["1"]),
        )


def result_names(content: str) -> list[str]:
    return re.findall(r'<h3 class="result-title"><a href="[^"]+">([^<]+)</a></h3>', content)


def result_links(content: str) -> list[str]:
    return re.findall(r'<h3 class="result-title"><a href="([^"]+)">', content)


SERVICES = "/services/"


# --- /services/: region first --------------------------------------------------------------------


def test_services_default_to_the_home_region(client, world, settings):
    settings.TONGBAN_HOME_REGION = "510000"

    content = page(client, SERVICES)

    assert "<h1>办事服务</h1>" in content
    assert "四川省可办理的服务共 1 项" in content
    assert result_names(content) == ["食品生产许可"]
    assert catalog_views.REGION_COOKIE not in client.cookies


def test_region_query_lists_the_visitors_services_nearest_first_and_is_remembered(client, world):
    response = client.get(SERVICES, {"region": "510104"})

    content = response.content.decode()
    # 锦江区's own items, then 成都市's, then 四川省's; 青羊区's are not offered to 锦江区.
    assert result_links(content) == [
        guide_url(world.jj_newborn),
        guide_url(world.jj_food),
        guide_url(world.cd_food),
        guide_url(world.sc_production),
    ]
    assert guide_url(world.qy_food) not in content
    assert "四川省成都市锦江区可办理的服务共 4 项" in content
    cookie = response.cookies[catalog_views.REGION_COOKIE]
    assert cookie.value == "510104"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]

    # The next visit (no parameter) stays in 锦江区.
    assert guide_url(world.jj_food) in page(client, SERVICES)


def test_unknown_region_falls_back_to_the_home_region_and_says_so(client, world, settings):
    settings.TONGBAN_HOME_REGION = "510000"

    response = client.get(SERVICES, {"region": "999999"})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in content
    assert "没有找到区划代码“999999”" in content
    assert result_names(content) == ["食品生产许可"]
    assert catalog_views.REGION_COOKIE not in response.cookies


def test_services_page_works_before_divisions_are_loaded(client, db, settings):
    settings.TONGBAN_HOME_REGION = "990000"

    content = page(client, SERVICES)

    assert "区划代码 990000" in content
    assert 'id="region-select"' not in content
    assert "本地区暂无已发布的服务事项" in content


def test_region_picker_offers_the_path_the_divisions_below_and_other_provinces(client, world):
    content = page(client, SERVICES, region="510100")

    select = re.search(r'<select id="region-select" name="region">(.*?)</select>', content, re.S)
    assert select
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', select.group(1))
    assert [(code, name) for code, _sel, name in options] == [
        ("510000", "四川省"),
        ("510100", "四川省成都市"),
        ("510104", "锦江区"),
        ("510105", "青羊区"),
        ("500000", "重庆市"),
    ]
    assert [code for code, selected, _name in options if selected] == ["510100"]
    assert 'label="成都市下辖"' in content
    assert '<label for="region-select">切换地区</label>' in content

    # A county's picker offers its siblings (the divisions of its city).
    county = page(client, SERVICES, region="510104")
    assert '<option value="510105">青羊区</option>' in county
    assert '<a href="/services/?region=510100">成都市</a>' in county


# --- /services/: browse tabs and filters -----------------------------------------------------------


def test_theme_tab_counts_the_regions_items_and_filters_by_theme(client, world):
    content = page(client, SERVICES, region="510104")

    assert re.search(r"准营准办</span> <span class=\"facet-count\">3<", content)
    assert re.search(r"生育收养</span> <span class=\"facet-count\">1<", content)
    assert "婚姻登记" not in content  # themes with nothing in the region are not offered

    filtered = page(client, SERVICES, region="510104", theme_c="135")

    assert result_names(filtered) == ["食品生产许可"]
    assert "法人主题：质量技术" in filtered
    assert 'href="?region=510104&amp;by=theme#results"' in filtered  # removes the filter
    assert re.search(r'class="facet" href="[^"]*theme_c=135[^"]*" aria-current="true"', filtered)


def test_department_tab_groups_departments_by_level_own_region_first(client, world):
    content = page(client, SERVICES, region="510104", by="department")

    headings = re.findall(
        r'<h3 id="dept-group-\d+">([^<]+)<span class="muted">（([^）]+)）', content
    )
    assert headings == [("锦江区", "县级"), ("成都市", "市级"), ("四川省", "省级")]
    assert "锦江区市场监督管理局" in content
    assert "青羊区市场监督管理局" not in content

    dept = str(world.jj_market_dept.public_id)
    filtered = page(client, SERVICES, region="510104", by="department", dept=dept)

    assert result_names(filtered) == ["食品经营许可"]
    assert result_links(filtered) == [guide_url(world.jj_food)]
    assert "部门：锦江区市场监督管理局" in filtered


def test_service_object_tab_splits_personal_and_corporate(client, world):
    content = page(client, SERVICES, region="510104", by="object")

    assert '<h3 id="object-group-1">个人</h3>' in content
    assert '<h3 id="object-group-2">法人</h3>' in content
    assert re.search(r"自然人</span> <span class=\"facet-count\">1<", content)
    assert re.search(r"企业法人</span> <span class=\"facet-count\">3<", content)

    assert result_names(page(client, SERVICES, region="510104", object="1")) == ["新生儿入户"]


def test_level_tab_lists_each_level_of_the_visitors_path(client, world):
    content = page(client, SERVICES, region="510104", by="level")

    tiles = re.findall(
        r'<span class="facet-name">([^<]+)</span> <span class="facet-count">(\d+)<', content
    )
    assert tiles == [("锦江区", "2"), ("成都市", "1"), ("四川省", "1")]

    assert result_links(page(client, SERVICES, region="510104", level="3")) == [
        guide_url(world.cd_food)
    ]


def test_online_and_keyword_filters(client, world):
    online = page(client, SERVICES, region="510104", online="1")
    assert result_names(online) == ["食品经营许可", "食品生产许可"]
    assert "办理方式：全程网办" in online
    assert 'id="filter-online" type="checkbox" name="online" value="1" checked' in online

    keyword = page(client, SERVICES, region="510104", q="  生产 ")
    assert result_names(keyword) == ["食品生产许可"]
    assert 'name="q" value="生产"' in keyword

    assert result_names(page(client, SERVICES, region="510104", q="生\x00产")) == ["食品生产许可"]

    none = page(client, SERVICES, region="510104", q="没有这个事项")
    assert result_names(none) == []
    assert "没有符合条件的服务事项" in none
    assert "清除全部条件" in none


def test_bad_filter_values_are_ignored(client, world):
    content = page(
        client,
        SERVICES,
        region="510104",
        by="nonsense",
        theme_p="xyz",
        theme_c="080",
        dept="not-a-uuid",
        object="7",
        level="9",
        page="abc",
    )

    assert len(result_names(content)) == 4
    assert "已选条件" not in content
    assert 'href="?region=510104&amp;by=theme#browse-heading" aria-current="true"' in content


def test_results_show_body_level_time_limit_visits_and_online_badge(client, world):
    content = page(client, SERVICES, region="510104")

    rows = content.split('<li class="result">')[1:]
    newborn = next(r for r in rows if "新生儿入户" in r)
    assert "成都市公安局锦江区分局" in newborn
    assert "锦江区（县级）" in newborn
    assert "即办（当场办结）" in newborn
    assert "最多跑一次" in newborn
    assert "全程网办" not in newborn
    food = next(r for r in rows if "锦江区市场监督管理局" in r)
    assert "5个工作日" in food
    assert "零跑动" in food
    assert '<span class="tag tag-online">全程网办</span>' in food


def test_results_are_paginated_with_links_that_keep_the_filters(client, world, monkeypatch):
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 2)

    first = page(client, SERVICES, region="510104", theme_c="010")
    second = page(client, SERVICES, region="510104", theme_c="010", page="2")
    beyond = page(client, SERVICES, region="510104", theme_c="010", page="99")

    assert result_links(first) == [guide_url(world.jj_food), guide_url(world.cd_food)]
    assert result_links(second) == [guide_url(world.sc_production)]
    assert result_names(beyond) == result_names(second)  # past the end: the last page
    assert 'aria-label="分页"' in first
    assert 'href="?region=510104&amp;by=theme&amp;theme_c=010&amp;page=2"' in first
    assert 'hx-get="?region=510104&amp;by=theme&amp;theme_c=010&amp;page=2"' in first
    assert 'hx-target="#results"' in first
    assert 'aria-current="page"><span class="visually-hidden">第</span>2' in second
    assert "上一页" in second
    assert "下一页" not in second


def test_htmx_page_request_gets_only_the_results(client, world, monkeypatch):
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 2)

    response = client.get(
        SERVICES,
        {"region": "510104", "page": "2"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="results-heading"' in content
    assert "分类浏览" not in content
    assert result_links(content) == [guide_url(world.cd_food), guide_url(world.sc_production)]

    # A history restore asks for the full page at the same URL.
    restore = client.get(
        SERVICES,
        {"region": "510104", "page": "2"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ).content.decode()
    assert "<html" in restore


def test_withdrawn_items_leave_the_list_and_their_guide_is_gone(client, world):
    guide_withdraw(actor=world.admin, item_code=world.jj_food.code, reason="职能调整")

    assert guide_url(world.jj_food) not in page(client, SERVICES, region="510104")
    assert client.get(guide_url(world.jj_food)).status_code == 404


@pytest.mark.parametrize("tab", ["theme", "department", "object", "level"])
def test_services_page_query_count_does_not_grow_with_the_catalog(client, world, tab):
    params = {"region": "510104", "by": tab}
    before = count_queries(client, SERVICES, **params)
    filtered = {"theme_c": "010", "online": "1", "q": "食品"}
    filtered_before = count_queries(client, SERVICES, **params, **filtered)

    add_more_items(world)

    assert count_queries(client, SERVICES, **params) == before
    assert count_queries(client, SERVICES, **params, **filtered) == filtered_before
    assert before <= 12


# --- /services/<code>/: the guide ------------------------------------------------------------------


def test_guide_header_and_summary_strip(client, world):
    content = page(client, guide_url(world.jj_food))

    assert "<title>食品经营许可 - 办事指南" in content
    assert "<h1>食品经营许可</h1>" in content
    assert "<dt>实施主体：</dt><dd>锦江区市场监督管理局</dd>" in content
    assert "<dt>所属区划：</dt><dd>四川省成都市锦江区</dd>" in content
    assert "<dt>事项类型：</dt><dd>行政许可</dd>" in content
    assert f'<dt>实施编码：</dt><dd class="code">{world.jj_food.code}</dd>' in content
    facts = dict(
        re.findall(
            r'<div class="fact(?: fact-wide)?"><dt>([^<]+)</dt><dd>(.*?)</dd></div>', content
        )
    )
    assert facts["法定办结时限"] == "20个工作日"
    assert facts["承诺办结时限"] == "5个工作日"
    assert facts["办件类型"] == "承诺件"
    assert facts["到现场次数"].startswith("0次")
    assert "零跑动" in facts["到现场次数"]
    assert facts["是否收费"] == "不收费"
    assert facts["网上办理深度"] == "互联网咨询、互联网收件、互联网预审、互联网受理、互联网办理"
    assert facts["办理渠道"] == "全程网办、掌上办"
    assert facts["跨域通办"] == "不支持"
    assert "3项" in facts["申请材料"]
    assert "1项可免提交" in facts["申请材料"]


def test_guide_sections_where_when_result_basis_faq_and_version(client, world):
    content = page(client, guide_url(world.jj_food))

    for heading in (
        "受理条件",
        "申请材料清单",
        "办理流程",
        "收费标准",
        "办理地点和时间",
        "网上办理",
        "办理结果",
        "设定依据",
        "基本信息",
        "常见问题",
    ):
        assert re.search(rf'<h2 id="[a-z]+-heading">{heading}</h2>', content), heading
    assert "<li>申请人已取得营业执照等合法主体资格。</li>" in content
    assert "<dt>办理地点：</dt><dd>锦江区政务服务中心二楼市场监管窗口</dd>" in content
    assert "<dt>办理时间：</dt><dd>工作日 9:00-12:00，13:30-17:00</dd>" in content
    assert "<dt>咨询电话：</dt><dd>028-12345</dd>" in content
    assert "028-12315；政务服务便民热线 12345" in content
    assert "支持预约办理" in content
    assert '审查<span class="step-days">（3个工作日）</span>' in content
    assert "<dt>结果名称：</dt><dd>食品经营许可证</dd>" in content
    assert "证照类型代码 SPJYXKZ" in content
    assert "问：食品经营许可证有效期是多久？" in content
    version = world.jj_food.versions.get(number=1)
    assert f"第 1 版 · 发布日期：{version.published_at:%Y-%m-%d}" in content
    # Online application happens here, on this platform: our apply page, never a link out.
    assert f'href="{reverse("portal:case-apply", args=[world.jj_food.code])}">在线申请</a>' in content
    assert 'href="https://example.gov.cn/apply/spjyxk"' not in content


def test_guide_materials_checklist(client, world):
    content = page(client, guide_url(world.jj_food))

    boxes = re.findall(
        r'<input class="material-check" type="checkbox" id="(material-\d)" '
        r'aria-describedby="material-\d-facts">\s*<label class="material-name" for="(material-\d)">'
        r'<span class="material-index">\d\.</span> ([^<]+)</label>',
        content,
    )
    assert [(box, name) for box, label, name in boxes if box == label] == [
        ("material-1", "食品经营许可申请书"),
        ("material-2", "营业执照"),
        ("material-3", "委托代理人身份证明及授权委托书"),
    ]
    required, conditional = content.split("<legend>特定情形下需要提交的材料</legend>")
    assert "<legend>必须提交的材料</legend>" in required
    assert "营业执照" in required
    assert "委托代理人身份证明" in conditional
    assert "<strong>需要提交的情形：</strong>委托他人办理的" in conditional
    assert "可容缺受理" in conditional
    assert "<dt>材料形式：</dt><dd>原件1份、电子材料</dd>" in required
    assert "<dt>材料形式：</dt><dd>复印件1份</dd>" in required
    assert "<dt>材料形式：</dt><dd>原件1份、复印件1份</dd>" in conditional
    assert "政府部门核发（出具单位：市场监督管理部门）" in required
    assert 'href="https://example.gov.cn/forms/spjy-sqs.docx"' in required
    # Only the material with an e-license type is marked replaceable.
    markers = re.findall(r'<li class="material( material-skip)?">', content)
    assert markers == ["", " material-skip", ""]
    assert content.count('class="skip-marker"') == 1
    assert "可免提交：</strong>已接入电子证照“营业执照”" in content
    assert "共 3 项：必须提交 2 项，特定情形下提交 1 项。" in content
    assert "其中 1 项已接入电子证照或共享数据" in content


def test_guide_marks_shared_data_materials_and_immediate_items(client, world):
    content = page(client, guide_url(world.jj_newborn))

    assert "已接入共享数据，由部门共享核验，无需提交。" in content
    assert f'<dd class="code">{DATA_RESOURCE}</dd>' in content
    assert "可免提交：</strong>已接入电子证照" not in content
    facts = dict(re.findall(r'<div class="fact"><dt>([^<]+)</dt><dd>(.*?)</dd></div>', content))
    assert facts["办件类型"] == "即办件"
    assert facts["承诺办结时限"] == "即办（当场办结）"
    assert "最多跑一次" in facts["到现场次数"]
    assert "需到现场的原因：</strong>需现场采集新生儿信息并核验出生医学证明原件。" in content
    # No result element: no section and no table-of-contents entry.
    assert 'id="result-heading"' not in content
    assert 'href="#result-heading"' not in content


def test_guide_fees_with_basis_and_cross_province_mode(client, world):
    content = page(client, guide_url(world.sc_production))

    assert "<dt>是否收费</dt><dd>收费</dd>" in content
    assert "<strong>证书工本费</strong>：每证10元" in content
    assert "<dt>收费依据：</dt><dd>《关于食品生产许可收费的通知》</dd>" in content
    assert "<dt>减免：</dt><dd>小微企业免收</dd>" in content
    assert "<dt>跨域通办</dt><dd>跨省通办：全程网办、异地代收代办</dd>" in content
    assert '<p class="pre-line">《中华人民共和国食品安全法》第三十五条\n' in content


def test_guide_is_printable(client, world):
    content = page(client, guide_url(world.jj_food))

    # The print button appears only when script runs (progressive enhancement).
    assert 'type="button" data-print hidden>打印办事指南</button>' in content
    assert "window.print()" in content
    stylesheet = (settings_static_root() / "tongban" / "css" / "tongban.css").read_text(
        encoding="utf-8"
    )
    catalog_css = stylesheet.split("==== Catalog")[1].split("==== End of catalog")[0]
    print_css = catalog_css.split("@media print")[1]
    assert "size: A4" in print_css
    for hidden in (".breadcrumb", ".guide-actions", ".guide-toc", ".no-print", "button"):
        assert hidden in print_css
    assert "color: #000" in print_css


def settings_static_root():
    from pathlib import Path

    import tongban

    return Path(tongban.__file__).parent / "static"


def test_guide_embeds_cpsv_jsonld(client, world):
    content = page(client, guide_url(world.jj_food))

    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    assert match
    doc = json.loads(match.group(1))
    assert doc["@type"] == "cpsv:PublicService"
    assert doc["@id"] == f"http://testserver{guide_url(world.jj_food)}"
    assert doc["dct:identifier"] == world.jj_food.code
    assert doc["schema:version"] == "1"


def test_guide_escapes_catalog_text_and_refuses_script_links(client, world):
    hostile = "新生儿入户</script><script>alert(1)</script>"
    material = {
        "name": "出生医学证明",
        "forms": ["original"],
        "original_copies": 1,
        "source": "government",
    }
    item = add_item(
        world,
        world.newborn,
        world.bodies["qy_market"],
        newborn_guide(name=hostile, materials=[material]),
    )
    # The services refuse such a link now; content stored before the rule may still hold one.
    version = item.versions.get(number=1)
    version.content["materials"][0]["blank_form_url"] = "javascript:alert(1)"
    GuideVersion.objects.filter(pk=version.pk).update(content=version.content)

    content = page(client, guide_url(item))

    assert "<script>alert(1)" not in content
    assert 'href="javascript:' not in content
    assert "下载空白表格" not in content
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    assert match
    assert json.loads(match.group(1))["dct:title"]["@value"] == hostile
    assert "javascript:" not in match.group(1)


def test_guide_code_is_case_insensitive_and_unknown_code_is_a_friendly_404(client, world):
    assert client.get(guide_url(world.jj_food).lower()).status_code == 200

    assert client.get("/services/A%00B/").status_code == 404
    assert client.get("/bundles/A%00B/").status_code == 404
    response = client.get(reverse("portal:service-guide", args=["NOPE"]))

    content = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="error-heading">未找到该事项</h1>' in content
    assert "没有找到实施编码为“NOPE”的服务事项" in content
    assert f'href="{SERVICES}"' in content


def test_guide_query_count_is_small_and_constant(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        page(client, guide_url(world.jj_food))
    small = count_queries(client, guide_url(world.jj_food))

    add_more_items(world)

    # The richest guide (fees, cross-region, more facets) costs the same.
    assert count_queries(client, guide_url(world.sc_production)) == small
    assert count_queries(client, guide_url(world.jj_food)) == small


# --- /bundles/ ----------------------------------------------------------------------------------


def test_bundle_list_by_audience(client, world):
    make_bundle(world)
    bundles_url = reverse("portal:bundles")

    content = page(client, bundles_url)

    assert "<h1>一件事一次办</h1>" in content
    assert (
        f'<a href="{reverse("portal:bundle", args=["YJS-SC-001"])}">开办餐馆“一件事”</a>' in content
    )
    assert '<span class="tag">法人服务</span>' in content
    assert "国家重点事项" in content
    assert "3项，分2步办理" in content
    assert "<dt>整体承诺时限：</dt><dd>5个工作日</dd>" in content

    personal = page(client, bundles_url, audience="personal")
    assert "开办餐馆" not in personal
    assert "暂无已上线的“一件事”" in personal
    assert 'href="/bundles/?audience=personal" aria-current="true"' in personal
    assert "开办餐馆" in page(client, bundles_url, audience="corporate")
    assert "开办餐馆" in page(client, bundles_url, audience="bogus")


def test_bundle_detail_resolves_each_member_for_the_visitors_region(client, world):
    make_bundle(world)
    url = reverse("portal:bundle", args=["YJS-SC-001"])

    content = page(client, url, region="510104")

    first, second = content.split('<h3 class="stage-title">第2步')
    assert '第1步<span class="muted">（以下 2 项同时办理）</span>' in first
    assert f'<a href="{guide_url(world.jj_food)}">食品经营许可</a>' in first  # nearest: 锦江区
    assert f'<a href="{guide_url(world.sc_production)}">食品生产许可</a>' in first
    assert "先办许可" in first
    assert f'<a href="{guide_url(world.jj_newborn)}">新生儿入户</a>' in second
    assert "同时办理" not in second
    assert '<h2 id="shared-heading">只需提交一次</h2>' in content
    assert "<li>营业执照</li>" in content
    assert "<li>店铺名称</li>" in content
    assert "暂未提供" not in content

    qingyang = page(client, url, region="510105")
    assert f'<a href="{guide_url(world.qy_food)}">食品经营许可</a>' in qingyang
    assert "本地区暂未提供，请咨询 12345" in qingyang  # 新生儿入户 is only 锦江区's
    assert "您所在地区暂未提供其中 1 项事项" in qingyang


def test_unknown_bundle_is_404(client, world):
    assert client.get(reverse("portal:bundle", args=["NOPE"])).status_code == 404


def test_bundle_pages_query_count_is_constant(client, world):
    make_bundle(world)
    detail = reverse("portal:bundle", args=["YJS-SC-001"])
    before = (count_queries(client, "/bundles/"), count_queries(client, detail, region="510104"))

    add_more_items(world)
    bundle_create(
        actor=world.admin,
        code="YJS-SC-002",
        name="新生儿出生“一件事”",
        audience="personal",
        summary="",
        members=[(NEWBORN, 1, ""), ("000107010000", 1, ""), ("000107011000", 2, "")],
        definition={},
    )

    assert (count_queries(client, "/bundles/"), count_queries(client, detail, region="510104")) == (
        before
    )


# --- Home and theme pages ------------------------------------------------------------------------


def test_home_lists_popular_services_of_the_visitors_region(client, world, settings):
    settings.TONGBAN_HOME_REGION = "510000"
    assert re.findall(r'<li><a href="(/services/[^"]+)">', page(client, "/")) == [
        guide_url(world.sc_production)
    ]

    client.cookies[catalog_views.REGION_COOKIE] = "510104"
    content = page(client, "/")

    links = re.findall(r'<li><a href="(/services/[^"]+)">([^<]+)</a>', content)
    assert {link for link, _name in links} == {
        guide_url(world.jj_newborn),
        guide_url(world.jj_food),
        guide_url(world.cd_food),
        guide_url(world.sc_production),
    }
    assert "<strong>锦江区</strong>" in content
    assert '<span class="muted popular-department">锦江区市场监督管理局</span>' in content
    assert "热门服务将在事项上线后显示" not in content
    assert f'href="{SERVICES}"' in content


def test_home_shows_at_most_eight_popular_services(client, world):
    add_more_items(world, n=5)
    client.cookies[catalog_views.REGION_COOKIE] = "510104"

    content = page(client, "/")

    # Guide links only: the site navigation's own link to /services/ is not a popular service.
    assert len(re.findall(r'<li><a href="/services/[^"]+"', content)) == 8


def test_home_links_to_bundles(client, db):
    content = page(client, "/")

    assert '<h2 id="bundles-heading">一件事一次办</h2>' in content
    assert 'href="/bundles/?audience=personal"' in content
    assert 'href="/bundles/?audience=corporate"' in content


def test_theme_page_lists_the_themes_services_in_the_visitors_region(client, world, monkeypatch):
    client.cookies[catalog_views.REGION_COOKIE] = "510104"

    content = page(client, reverse("portal:theme", args=["corporate", "010"]))

    assert "<h1>准营准办</h1>" in content
    assert "（锦江区可办理 3 项）" in content
    assert result_links(content) == [
        guide_url(world.jj_food),
        guide_url(world.cd_food),
        guide_url(world.sc_production),
    ]
    assert "查看全部" not in content
    personal = page(client, reverse("portal:theme", args=["personal", "005"]))
    assert result_links(personal) == [guide_url(world.jj_newborn)]

    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 1)
    limited = page(client, reverse("portal:theme", args=["corporate", "010"]))
    assert len(result_links(limited)) == 1
    assert 'href="/services/?region=510104&amp;by=theme&amp;theme_c=010#results">查看全部 3 项' in (
        limited
    )
