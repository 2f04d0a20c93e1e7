"""The guide schema (办事指南): the rules every write passes through `parse_guide`, each answered
in Chinese at the path of the element to fix; links are web links only."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.catalog.guide_schema import is_web_url, parse_guide
from tongban.catalog.tests.factories import guide_content
from tongban.core.errors import ValidationFailed

LINK_MESSAGE = "请填写以 http:// 或 https:// 开头的网址，或以“/”开头的本站路径。"
GOOD_LINKS = [
    "",
    "https://zwfw.sc.gov.cn/forms/spjy-sqs.docx",
    "http://example.gov.cn/表格.pdf",
    "HTTPS://EXAMPLE.GOV.CN/A",
    "/media/forms/spjy-sqs.docx",
]
BAD_LINKS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/form.docx",  # another site to a browser
    "/\\evil.example/form.docx",  # also another site: browsers read "\" as "/"
    "www.example.gov.cn/form.docx",  # no scheme: a relative path on the guide page
    "ftp://example.gov.cn/form.docx",
    "https://",
    "https://example.gov.cn/a\x00b",
]


def problems(**overrides: Any) -> list[tuple[str, str]]:
    """(path, message) of each problem parse_guide finds in the guide with `overrides`."""
    with pytest.raises(ValidationFailed) as caught:
        parse_guide(guide_content(**overrides))
    return [(p.field, str(p.message)) for p in caught.value.fields]


def with_material(index: int, **changes: Any) -> list[dict[str, Any]]:
    materials = guide_content()["materials"]
    materials[index].update(changes)
    return materials


def test_the_sample_guide_is_valid():
    content = parse_guide(guide_content())
    assert content.name == "食品经营许可"
    assert content.fully_online


# --- Links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", GOOD_LINKS)
def test_web_links_and_site_paths_are_accepted_in_every_link_field(url):
    content = parse_guide(
        guide_content(
            materials=with_material(0, blank_form_url=url, sample_url=url),
            result={"name": "食品经营许可证", "sample_url": url},
            online_url=url,
        )
    )
    assert content.materials[0].blank_form_url == url
    assert content.materials[0].sample_url == url
    assert content.result is not None
    assert content.result.sample_url == url
    assert content.online_url == url


@pytest.mark.parametrize("url", BAD_LINKS)
@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (
            lambda url: {"materials": with_material(0, blank_form_url=url)},
            "materials[0].blank_form_url",
        ),
        (lambda url: {"materials": with_material(2, sample_url=url)}, "materials[2].sample_url"),
        (
            lambda url: {"result": {"name": "食品经营许可证", "sample_url": url}},
            "result.sample_url",
        ),
        (lambda url: {"online_url": url}, "online_url"),
    ],
    ids=["blank_form_url", "sample_url", "result.sample_url", "online_url"],
)
def test_other_links_are_refused_at_their_path_in_chinese(url, overrides, path):
    assert problems(**overrides(url)) == [(path, LINK_MESSAGE)]


def test_stored_content_keeps_its_guide_but_loses_links_that_are_not_web_links():
    data = guide_content(
        materials=with_material(0, blank_form_url="javascript:alert(1)", sample_url="/s.pdf"),
        result={"name": "食品经营许可证", "sample_url": "www.example.gov.cn/s.pdf"},
        online_url="//evil.example/apply",
    )

    content = parse_guide(data, stored=True)

    assert content.materials[0].blank_form_url == ""
    assert content.materials[0].sample_url == "/s.pdf"
    assert content.result is not None
    assert content.result.sample_url == ""
    assert content.online_url == ""
    with pytest.raises(ValidationFailed):
        parse_guide(data)  # a write still refuses them


@pytest.mark.parametrize("url", GOOD_LINKS[1:])
def test_is_web_url_accepts_web_links(url):
    assert is_web_url(url)


@pytest.mark.parametrize("url", ["", *BAD_LINKS])
def test_is_web_url_refuses_everything_else(url):
    assert not is_web_url(url)


# --- Time limits, visits, online channel, fees, materials ----------------------------------------


def test_promised_limit_may_not_exceed_the_legal_limit():
    assert problems(promised_days=30, legal_days=20) == [
        ("__all__", "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。")
    ]
    assert parse_guide(guide_content(promised_days=20, legal_days=20)).promised_days == 20


def test_an_immediate_item_is_done_in_zero_days_and_a_promised_one_is_not():
    assert problems(case_kind="1", promised_days=3) == [
        ("__all__", "即办件的承诺办结时限应为0个工作日（当场办结）。")
    ]
    assert problems(case_kind="2", promised_days=0) == [
        ("__all__", "承诺件须有大于0的承诺办结时限；当场办结的请设为即办件。")
    ]


def test_visits_on_site_need_the_reason_they_cannot_be_avoided():
    assert problems(visits=1, onsite_reason="") == [
        ("__all__", "到办事现场次数大于0时，须说明必须现场办理的原因。")
    ]
    content = parse_guide(guide_content(visits=1, onsite_reason="需现场核验原件。"))
    assert content.visits == 1


def test_a_fully_online_item_needs_internet_depth_and_an_application_form():
    assert problems(online_depth=["1", "2", "3", "4"]) == [
        ("__all__", "标注“全程网办”的事项，网上办理深度须包含“互联网办理”。")
    ]
    assert problems(form={"fields": []}) == [
        ("__all__", "标注“全程网办”的事项须配置网上申请表单。")
    ]
    offline = parse_guide(guide_content(channels=[], online_depth=["1"], form={"fields": []}))
    assert not offline.fully_online


def test_fees_are_listed_exactly_when_charged():
    assert problems(fees={"charged": True, "items": []}) == [
        ("fees", "收费事项须列出收费项目、标准和依据。")
    ]
    fee = {"name": "工本费", "standard": "每证10元", "legal_basis": "川价费〔2020〕1号"}
    assert problems(fees={"charged": False, "items": [fee]}) == [
        ("fees", "不收费的事项不应列出收费项目。")
    ]
    assert parse_guide(guide_content(fees={"charged": True, "items": [fee]})).fees.charged


def test_a_conditional_material_says_when_it_is_needed():
    assert problems(materials=with_material(2, condition="")) == [
        ("materials[2]", "非必要材料须写明在什么情形下需要提交（condition）。")
    ]


# --- Code tables and the problem list --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        ({"item_type": "99"}, "item_type", "事项类型代码“99”不在国家代码表中。"),
        ({"exercise_level": "9"}, "exercise_level", "行使层级代码“9”不在国家代码表中。"),
        ({"case_kind": "3"}, "case_kind", "办件类型代码“3”不在国家代码表中。"),
        ({"service_objects": ["2", "9"]}, "service_objects", "服务对象代码“9”不在国家代码表中。"),
        ({"person_themes": ["777"]}, "person_themes", "自然人主题代码“777”不在国家代码表中。"),
        ({"corporate_themes": ["777"]}, "corporate_themes", "法人主题代码“777”不在国家代码表中。"),
        ({"handling_forms": ["7"]}, "handling_forms", "办理形式代码“7”不在国家代码表中。"),
        ({"online_depth": ["99"]}, "online_depth", "网上办理深度代码“99”不在国家代码表中。"),
    ],
)
def test_unknown_codes_name_the_code_table(overrides, path, message):
    assert problems(**overrides) == [(path, message)]


def test_every_problem_is_reported_with_its_path():
    materials = with_material(0, copy_copies=0, forms=["copy"])
    materials[1]["blank_form_url"] = "javascript:x"

    with pytest.raises(ValidationFailed) as caught:
        parse_guide(
            guide_content(
                name="",
                item_type="99",
                legal_days="二十",
                materials=materials,
                unknown_element="x",
            )
        )

    error = caught.value
    found = {p.field: str(p.message) for p in error.fields}
    assert found == {
        "name": "此项不能为空。",
        "item_type": "事项类型代码“99”不在国家代码表中。",
        "legal_days": "请填写整数。",
        "materials[1].blank_form_url": LINK_MESSAGE,
        "materials[0]": "要求复印件时须写明复印件份数。",
        "unknown_element": "不认识的字段，请检查拼写。",
    }
    assert error.message == "办事指南内容有6处需要修改。"
