"""Real-browser checks of the public pages: axe-core (WCAG 2.1 AA), phone width, keyboard.

Chromium and the axe-core check come from tongban.testing.browser, the `browser` and `open_page`
fixtures from tongban.testing.browser_fixtures (a plugin of the root conftest).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
