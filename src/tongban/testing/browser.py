"""Real-browser test support shared by every interface package: one way to launch Chromium, one
axe-core (WCAG 2.1 AA) assertion, one check that a page loads only from the server under test.

Playwright drives Debian's Chromium (never a downloaded browser: `playwright install` is not
used). axe-core ships inside axe-playwright-python, so the checks run offline. Playwright is
imported only when a browser is launched, so importing this module costs nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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
CHROMIUM_MISSING = (
    "Debian chromium is not installed: apt-get install chromium (./dev.sh test installs it as root)"
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# The narrowest phone every public page must fit without horizontal scrolling.
PHONE_WIDTH = 360


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, closed on exit. Skips the test when Chromium or
    Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
    # (the live server's own thread is unaffected). Test setup and teardown still use the ORM.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


def watch_requests(page: Any, server_url: str) -> list[str]:
    """Records, in the returned list, every request of `page` that leaves `server_url` and every
    response that fails (status ≥ 400): assets come from the platform itself (no CDN on a
    government intranet) and all of them load."""
    problems: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(server_url) else problems.append(r.url),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return problems


def open_checked(context: Any, server_url: str, path: str) -> Any:
    """A new page of `context` at `path` of the server, loaded: fails on a status other than 200
    and on any request that failed or left the server."""
    page = context.new_page()
    problems = watch_requests(page, server_url)
    response = page.goto(server_url + path)
    page.wait_for_load_state("load")
    # pytest.fail rather than assert: this is library code (ruff S101), not a test module.
    if response is None:
        pytest.fail(f"{path}: no response")
    if response.status != 200:
        pytest.fail(f"{path}: {response.status}")
    if problems:
        pytest.fail(f"{path}: requests that failed or left the site: {problems}")
    return page


def assert_no_axe_violations(page: Any) -> None:
    """axe-core finds no WCAG 2.1 AA violation on the page as it is now; on failure the message
    lists each rule with the offending elements."""
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
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} WCAG 2.1 AA violation(s) on {page.url}:\n"
            + json.dumps(details, ensure_ascii=False, indent=2)
        )
