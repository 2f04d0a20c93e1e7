"""Real-browser checks of the catalog editor and the version comparison: axe-core (WCAG 2.1 AA)
with errors on the page, and the keyboard (Enter saves, it does not add a row).

Chromium is launched exactly as src/tongban/portal/tests/test_browser_a11y.py launches it (the
same flags, copied: workbench may not import portal). Never `playwright install`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tongban.catalog.models import GuideVersion
from tongban.catalog.services import (
    guide_draft_save,
    guide_review,
    guide_submit,
    implementation_item_create,
)
from tongban.catalog.tests import conftest as catalog_conftest
from tongban.catalog.tests.factories import guide_content

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps trying to reach Google services on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

catalog_world = catalog_conftest.catalog_world


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed: apt-get install chromium "
            "(./dev.sh test installs it as root)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
    # (the live server's own thread is unaffected).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def assert_no_axe_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    details = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:200], "summary": n["failureSummary"]}
                for n in v["nodes"]
            ],
        }
        for v in violations
    ]
    assert violations == [], (
        f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {page.url}:\n"
        + json.dumps(details, ensure_ascii=False, indent=2)
    )


@pytest.fixture
def open_as(browser, live_server):
    """Opens a path signed in as `user` and returns the page (fails on any non-200 or any
    request that leaves the site)."""
    contexts = []

    def _open(user, path: str, *, width: int = 1280):
        client = Client()
        client.force_login(user)
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        contexts.append(context)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(live_server.url) else problems.append(r.url),
        )
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        assert problems == [], problems
        return page

    yield _open
    for context in contexts:
        context.close()


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
