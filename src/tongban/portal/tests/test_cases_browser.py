# ruff: noqa: F811 - the shared fixtures are imported from test_cases_world, then requested by name
"""The main applicant journey in a real browser at phone width (360 px): guide → 在线申请 →
form (the visible_if field appears only when ticked) → upload the materials → review → submit →
the verification code → the case in 我的办件. Every page fits the screen without horizontal
scrolling and has no WCAG 2.1 AA violation found by axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tongban.portal.tests.test_cases_world import PDF, _media, world  # noqa: F401 - fixtures
from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"
    assert_no_axe_violations(page)


def test_apply_fill_upload_submit_and_find_it_in_my_cases(open_page, world):
    page = open_page(
        reverse("portal:service-guide", args=[world.item.code]),
        width=PHONE_WIDTH,
        height=780,
        user=world.citizen,
    )
    with page.expect_navigation():
        page.get_by_role("link", name="在线申请").click()
    with page.expect_navigation():
        page.get_by_role("button", name="开始填写").click()
    assert "/form/" in page.url
    check(page)

    page.fill("#id_f_operator_name", "蜀味小馆")
    page.fill("#id_f_premises", "成都市锦江区总府路2号")
    page.select_option("#id_f_operator_kind", "个体工商户")
    page.get_by_label("预包装食品销售").check()
    landlord = page.locator("#field-landlord")
    assert landlord.is_hidden()  # shown only for rented premises
    page.get_by_label("是", exact=True).check()
    landlord.wait_for(state="visible")
    page.fill("#id_f_landlord", "成都某某物业管理有限公司")
    # htmx saves on change; the status line says so.
    page.locator("#autosave-status").get_by_text("已自动保存").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="保存并继续").click()
    assert "/materials/" in page.url
    check(page)

    for code in ("M001", "M002", "M003"):
        item = page.locator(f"#m-{code}")
        item.locator("input[type=file]").set_input_files(
            files=[{"name": f"{code}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        with page.expect_navigation():
            item.locator("form.case-upload button[type=submit]").click()
        assert page.locator(f"#m-{code} .case-file").inner_text().startswith("已上传")

    with page.expect_navigation():
        page.get_by_role("link", name="下一步：确认提交").click()
    check(page)
    page.get_by_label("本人承诺所填信息和所交材料真实、有效").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交申请").click()
    assert page.locator("h1").inner_text() == "申请已提交"
    code = page.locator(".case-code").inner_text()
    assert len(code) == 6
    assert code.isdigit()
    number = page.locator(".case-facts .code").inner_text()
    check(page)

    with page.expect_navigation():
        page.get_by_role("link", name="我的办件").last.click()
    card = page.locator(".case-card", has_text=number)
    assert card.count() == 1
    assert "已提交待受理" in card.inner_text()
    check(page)
    with page.expect_navigation():
        card.get_by_role("link").first.click()
    assert page.locator("h1").inner_text() == "食品经营许可"
    assert page.get_by_text("提交申请").count() >= 1
    check(page)
