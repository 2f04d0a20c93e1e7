"""Real-browser checks of the catalog editor and the version comparison: axe-core (WCAG 2.1 AA)
with errors on the page, and the keyboard (Enter saves, it does not add a row).

Chromium, the axe-core check and the `browser`/`open_page` fixtures are the shared ones of
tongban.testing (browser, browser_fixtures); `catalog_world` is tongban.testing.catalog_fixtures'.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.catalog.models import GuideVersion
from tongban.catalog.services import (
    guide_draft_save,
    guide_review,
    guide_submit,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.testing.browser import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(open_page):
    """Opens a path signed in as `user` and returns the page (fails on any non-200 or any
    request that failed or left the site)."""

    def _open(user, path: str, *, width: int = 1280):
        return open_page(path, width=width, user=user)

    return _open


@pytest.fixture
def item(catalog_world):
    return implementation_item_create(
        actor=catalog_world.province_admin,
        basic_item=catalog_world.food_licence,
        body=catalog_world.jinjiang_body,
        content=guide_content(),
    )


def test_editor_with_an_error_has_no_wcag_violations(open_as, catalog_world, item):
    page = open_as(
        catalog_world.jinjiang_admin, reverse("workbench:catalog_edit", args=[item.code])
    )
    assert page.locator("label[for=id_materials-1-copy_copies]").count() == 1

    page.fill("#id_materials-1-copy_copies", "0")
    page.locator("button[name=save]").first.click()
    page.wait_for_load_state("load")

    field = page.locator("#id_materials-1-copy_copies")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "id_materials-1-copy_copies_error"
    assert "要求复印件时须写明复印件份数" in page.locator(".wb-error-summary").inner_text()
    # One run covers the whole editor: every section and row, plus the error states.
    assert_no_axe_violations(page)


def test_enter_in_a_text_box_saves_the_draft(open_as, catalog_world, item):
    page = open_as(
        catalog_world.jinjiang_admin, reverse("workbench:catalog_edit", args=[item.code])
    )

    page.fill("#id_hours", "工作日 8:30-17:30")
    page.focus("#id_hours")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")

    assert "已保存第1版草稿（第2次修订）" in page.locator(".messages").inner_text()
    assert GuideVersion.objects.get(item=item).content["hours"] == "工作日 8:30-17:30"


def test_compare_page_has_no_wcag_violations(open_as, catalog_world, item):
    guide_submit(actor=catalog_world.second_admin, item_code=item.code, number=1)
    guide_review(actor=catalog_world.province_admin, item_code=item.code, number=1, approve=True)
    guide_draft_save(
        actor=catalog_world.jinjiang_admin,
        item_code=item.code,
        content=guide_content(promised_days=3, place="锦江区政务服务中心一楼"),
    )

    page = open_as(
        catalog_world.jinjiang_admin,
        reverse("workbench:catalog_compare", args=[item.code]) + "?a=1&b=2",
    )

    assert page.locator(".wb-diff tbody tr").count() == 2
    assert_no_axe_violations(page)
