"""Real-browser checks of the public catalog pages: axe-core (WCAG 2.1 AA) at desktop and phone
width and in elderly-friendly mode, keyboard use of the materials checklist, print layout, htmx
pagination. The browser and page fixtures are the shared ones (tongban.testing.browser_fixtures)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tongban.portal.tests.test_catalog_pages import (
    World,
    build_world,
    guide_url,
    make_bundle,
)
from tongban.portal.views import catalog as catalog_views
from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [pytest.param(1280, id="desktop"), pytest.param(PHONE_WIDTH, id="phone")]


@pytest.fixture
def world(regions) -> World:
    world = build_world(regions)
    make_bundle(world)
    return world


def assert_fits(page: Any, width: int) -> None:
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide at {width}px"


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("tab", ["theme", "department"])
def test_services_page_is_accessible_and_fits(open_page, world, width, tab):
    page = open_page(f"/services/?region=510104&by={tab}", width=width)

    assert page.locator(".result-title").count() == 4
    assert_fits(page, width)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("width", SIZES)
@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_guide_page_is_accessible_and_fits(open_page, world, width, elder):
    page = open_page(guide_url(world.jj_food), width=width, elder=elder)

    assert page.locator("h1").inner_text() == "食品经营许可"
    assert page.locator(".print-button").is_visible()  # shown by script
    if elder:
        font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert font_size >= 22
    assert_fits(page, width)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("width", SIZES)
def test_guide_with_fees_and_cross_region_is_accessible(open_page, world, width):
    page = open_page(guide_url(world.sc_production), width=width)

    assert_fits(page, width)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("width", SIZES)
def test_bundle_pages_are_accessible_and_fit(open_page, world, width):
    listing = open_page(reverse("portal:bundles"), width=width)
    assert listing.locator(".bundle-card").count() == 1
    assert_fits(listing, width)
    assert_no_axe_violations(listing)

    detail = open_page(
        reverse("portal:bundle", args=["YJS-SC-001"]) + "?region=510104", width=width
    )
    assert detail.locator(".stage").count() == 2
    assert_fits(detail, width)
    assert_no_axe_violations(detail)


def test_material_checkboxes_are_reached_by_tab_and_ticked_by_space(open_page, world):
    page = open_page(guide_url(world.jj_food))
    progress = page.locator("[data-checklist-progress]")
    assert progress.inner_text() == "已准备 0 / 3 项材料"

    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused.startswith("material-"):
            reached.append(focused)
            if len(reached) == 1:
                page.keyboard.press("Space")
        if len(reached) == 3:
            break

    assert reached == ["material-1", "material-2", "material-3"]
    assert page.locator("#material-1").is_checked()
    assert not page.locator("#material-2").is_checked()
    assert progress.inner_text() == "已准备 1 / 3 项材料"
    # The label names the checkbox; the material's facts describe it.
    assert page.locator("#material-2").get_attribute("aria-describedby") == "material-2-facts"
    assert page.get_by_label("2. 营业执照").count() == 1


def test_print_layout_hides_navigation_and_keeps_the_checklist(open_page, world):
    page = open_page(guide_url(world.jj_food))

    page.emulate_media(media="print")

    for selector in (".site-nav", ".topbar", ".site-footer", ".breadcrumb", ".guide-actions"):
        assert page.locator(selector).first.is_hidden(), selector
    assert page.locator(".guide-toc").is_hidden()
    assert page.locator(".checklist-hint").is_hidden()
    assert page.locator(".material-check").nth(2).is_visible()
    assert page.locator("#materials-heading").is_visible()
    colours = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.querySelector('h1')).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]


def test_htmx_pagination_swaps_results_pushes_url_and_moves_focus(
    open_page, world, monkeypatch, live_server
):
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 2)
    page = open_page("/services/?region=510104")
    assert page.locator(".result-title").count() == 2

    page.locator(".pagination a", has_text="下一页").click()
    page.wait_for_url("**page=2**")

    # htmx pushes the URL, swaps the results and moves focus in separate steps: wait for each
    # (Playwright's expect retries) instead of reading the page at one instant.
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator(".result-title a")).to_have_text(["食品经营许可", "食品生产许可"])
    expect(page.locator("#results-heading")).to_be_focused()
    assert page.locator(".browse-tabs").count() == 1  # the rest of the page stayed
    assert_no_axe_violations(page)
