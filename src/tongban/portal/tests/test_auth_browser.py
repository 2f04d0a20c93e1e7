"""Sign-in pages in a real browser: axe-core (WCAG 2.1 AA) and the 360 px phone width."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tongban.core.models import StaffRole
from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations, open_checked
from tongban.testing.identity import PASSWORD, make_staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("name", ["portal:login-sms", "portal:password-reset", "portal:register"])
def test_sign_in_pages_have_no_wcag_violations_at_phone_width(open_page, name):
    page = open_page(reverse(name), width=PHONE_WIDTH, height=780)

    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
    assert_no_axe_violations(page)


@pytest.mark.parametrize("elder", [False, True])
def test_authenticator_binding_page_is_accessible(browser, live_server, regions, elder):
    make_staff_user(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="officer")
    client = Client()
    client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    context = browser.new_context(locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 780})
    cookies = [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]
    if elder:
        from tongban.core.middleware import ELDER_COOKIE

        cookies.append({"name": ELDER_COOKIE, "value": "1", "url": live_server.url})
    context.add_cookies(cookies)
    try:
        page = open_checked(context, live_server.url, reverse("portal:mfa-setup"))
        assert page.locator(".mfa-qr svg").is_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_WIDTH
        assert_no_axe_violations(page)
    finally:
        context.close()
