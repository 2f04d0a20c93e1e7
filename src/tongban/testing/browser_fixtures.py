"""Pytest plugin (loaded by the root conftest): the browser fixtures every package's real-browser
tests use. Test modules using them mark themselves `browser` and
`django_db(transaction=True)` (the live server reads what the test wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tongban.core.middleware import ELDER_COOKIE
from tongban.testing.browser import launch_chromium, open_checked


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, launched once per test module (see tongban.testing.browser)."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """Opens a path of the live server in a fresh Chinese-language context and returns the page,
    loaded; fails on a status other than 200 and on any request that failed or left the site.

    Options: `width`/`height` (viewport), `elder` (elderly-friendly mode cookie), `lang` (the
    visitor's language choice), `user` (signed in as this user)."""
    contexts: list[Any] = []

    def _open(
        path: str,
        *,
        width: int = 1280,
        height: int = 900,
        elder: bool = False,
        lang: str = "",
        user: Any = None,
    ) -> Any:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        contexts.append(context)
        cookies = []
        if elder:
            cookies.append({"name": ELDER_COOKIE, "value": "1", "url": live_server.url})
        if lang:
            cookies.append(
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}
            )
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append(
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
            )
        if cookies:
            context.add_cookies(cookies)
        return open_checked(context, live_server.url, path)

    yield _open
    for context in contexts:
        context.close()
