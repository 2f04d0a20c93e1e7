"""Real-browser checks of the public pages: axe-core (WCAG 2.1 AA), phone width, keyboard.

Playwright drives Debian's Chromium (never a downloaded browser: `playwright install` is not
used). axe-core ships inside axe-playwright-python, so the checks run offline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tongban.core.middleware import ELDER_COOKIE

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
PHONE_WIDTH = 360

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed: apt-get install chromium "
            "(./dev.sh test installs it as root)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
    # (the live server's own thread is unaffected). Test setup and teardown still use the ORM.
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


@pytest.fixture
def open_page(browser, live_server):
    """Opens a path of the live server in a fresh Chinese-language context and returns the page."""
    contexts = []

    def _open(
        path: str, *, width: int = 1280, height: int = 900, elder: bool = False, lang: str = ""
    ):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        contexts.append(context)
        cookies = []
        if elder:
            cookies.append({"name": ELDER_COOKIE, "value": "1", "url": live_server.url})
        if lang:
            cookies.append(
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}
            )
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        # Every asset must come from this server (no CDN on a government intranet) and load.
        problems: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(live_server.url) else problems.append(r.url),
        )
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
        assert problems == [], f"{path}: requests that failed or left the site: {problems}"
        return page

    yield _open
    for context in contexts:
        context.close()


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


def test_home_has_no_wcag_violations(open_page):
    page = open_page("/")

    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("#home-q").is_visible()
    assert page.evaluate("typeof window.htmx") == "object"  # vendored htmx, served locally
    assert_no_axe_violations(page)


def test_home_in_elder_mode_has_no_wcag_violations_and_larger_type(open_page):
    page = open_page("/", elder=True)

    assert "elder" in (page.locator("body").get_attribute("class") or "")
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 22
    assert page.locator(".theme-icon").first.is_hidden()
    assert_no_axe_violations(page)


@pytest.mark.parametrize(("elder", "lang"), [(False, ""), (True, ""), (True, "en")])
def test_home_fits_a_360px_phone_without_horizontal_scroll(open_page, elder, lang):
    page = open_page("/", width=PHONE_WIDTH, height=780, elder=elder, lang=lang)

    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, f"the page is {scroll_width}px wide"
    assert_no_axe_violations(page)


def test_home_in_english_has_no_wcag_violations(open_page):
    page = open_page("/", lang="en")

    assert page.locator("html").get_attribute("lang") == "en"
    assert_no_axe_violations(page)


def test_login_page_has_no_wcag_violations(open_page):
    page = open_page(reverse("login"))

    assert_no_axe_violations(page)


def test_first_tab_focuses_skip_link_which_moves_to_main(open_page):
    page = open_page("/")

    page.keyboard.press("Tab")

    focused = page.evaluate(
        "({cls: document.activeElement.className, text: document.activeElement.textContent})"
    )
    assert focused["cls"] == "skip-link"
    assert focused["text"].strip() == "跳到主要内容"
    assert page.locator(".skip-link").is_visible()

    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"
