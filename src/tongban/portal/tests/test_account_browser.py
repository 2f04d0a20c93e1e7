"""The user centre in a real browser: axe-core (WCAG 2.1 AA) at desktop and 360 px phone width,
no horizontal scrolling, and revoke buttons that the keyboard reaches and presses."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongban.core.identifiers import credit_code_build
from tongban.identity.models import UserSession
from tongban.identity.oidc import services as oidc_services
from tongban.identity.services import (
    agent_grant_create,
    legal_person_verify,
    registry_legal_persons_import,
    sign_in_complete,
)
from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations, open_checked
from tongban.testing.identity import PASSWORD, bind_totp, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CODE = credit_code_build(department="9", category="1", region_code="510104", org_body8="MA6CJ8K2")
ENTERPRISE = "成都蜀味餐饮管理有限公司"


def signed_in(browser: Any, live_server: Any, user: Any, *, width: int, elder: bool = False):
    """A browser context signed in through the real sign-in page (with its UserSession row)."""
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
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
    return context


def check_page(page: Any, width: int, path: str = "") -> None:
    if path:  # still signed in: not sent to the sign-in page
        assert urlsplit(page.url).path == path
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= max(width, PHONE_WIDTH), f"the page is {scroll_width}px wide"
    assert_no_axe_violations(page)


@pytest.fixture
def citizen(db):
    """An L2 citizen with a second device signed in and some login history."""
    person = make_person(1, name="张晓燕", username="zhangxy")
    later = timezone.now() + timedelta(hours=2)
    sign_in_complete(
        user=person,
        session_key="browser-test-phone",
        method="sms",
        expires_at=later,
        ip="198.51.100.23",
        user_agent=SAFARI_IPHONE,
    )
    Client().post(reverse("login"), {"username": "zhangxy", "password": "wrong-password"})
    return person


@pytest.mark.parametrize("width", [1280, PHONE_WIDTH])
@pytest.mark.parametrize("name", ["portal:account", "portal:account-security"])
def test_user_centre_has_no_wcag_violations(browser, live_server, citizen, name, width):
    context = signed_in(browser, live_server, citizen, width=width)
    bind_totp(citizen)  # after sign-in: the MFA block then shows its buttons
    try:
        page = open_checked(context, live_server.url, reverse(name))
        assert page.locator("h1").count() == 1
        check_page(page, width, reverse(name))
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, PHONE_WIDTH])
def test_real_name_form_with_errors_has_no_wcag_violations(browser, live_server, width):
    person = make_person(3, name="李春燕", username="lichy", level=1)
    context = signed_in(browser, live_server, person, width=width)
    try:
        page = open_checked(context, live_server.url, reverse("portal:account"))
        page.fill("#id_real_name", "李春燕")
        page.fill("#id_id_number", "11010519900101001")
        with page.expect_navigation():
            page.get_by_role("button", name="提交实名认证").click()
        assert page.locator("#id_id_number").get_attribute("aria-invalid") == "true"
        check_page(page, width)
    finally:
        context.close()


@pytest.fixture
def representative(db):
    person = make_person(11, name="李建国", username="lijg")
    registry_legal_persons_import(
        actor=None,
        rows=[
            {
                "credit_code": CODE,
                "name": ENTERPRISE,
                "representative_name": "李建国",
                "representative_id_number": person.id_number,
                "status": "active",
            }
        ],
    )
    enterprise = legal_person_verify(user=person, credit_code=CODE, name=ENTERPRISE)
    agent_grant_create(
        actor=person,
        legal_person=enterprise,
        agent=make_person(12, name="王晓红", username="wangxh"),
        scopes=["apply", "cases"],
        valid_until=timezone.now() + timedelta(days=30),
    )
    client, _secret = oidc_services.client_create(
        actor=None,
        name="不动产登记平台",
        redirect_uris=["https://rp.example.cn/callback"],
        scopes=["openid", "profile", "tongban.realname"],
        organisation="四川省自然资源厅",
    )
    oidc_services.consent_record(
        user=person, client=client, scopes=["openid", "profile", "tongban.realname"]
    )
    return person


@pytest.mark.parametrize("elder", [False, True])
@pytest.mark.parametrize("name", ["portal:account-enterprises", "portal:account-platforms"])
def test_enterprises_and_platforms_fit_a_phone(browser, live_server, representative, name, elder):
    context = signed_in(browser, live_server, representative, width=PHONE_WIDTH, elder=elder)
    try:
        page = open_checked(context, live_server.url, reverse(name))
        check_page(page, PHONE_WIDTH, reverse(name))
    finally:
        context.close()


def test_session_revoke_button_is_reached_and_pressed_by_keyboard(browser, live_server, citizen):
    context = signed_in(browser, live_server, citizen, width=PHONE_WIDTH)
    try:
        page = open_checked(context, live_server.url, reverse("portal:account-security"))
        button = page.get_by_role("button", name="退出该设备的登录")
        assert button.count() == 1
        for _press in range(80):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached the revoke button")
        focus = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert focus != "none"  # the focus ring shows

        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert "已退出 Safari · iOS 上的登录" in page.locator("main").inner_text()
        assert page.get_by_role("button", name="退出该设备的登录").count() == 0
        phone_session = UserSession.objects.get(user=citizen, user_agent=SAFARI_IPHONE)
        assert phone_session.end_reason == "revoked"
    finally:
        context.close()


def test_consent_revoke_is_reached_by_keyboard(browser, live_server, representative):
    context = signed_in(browser, live_server, representative, width=1280)
    try:
        page = open_checked(context, live_server.url, reverse("portal:account-platforms"))
        link = page.get_by_role("link", name=re.compile(r"^取消授权\s*：不动产登记平台$"))
        for _press in range(80):
            page.keyboard.press("Tab")
            if link.evaluate("a => a === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reached the revoke link")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        check_page(page, 1280)
        confirm = page.get_by_role("button", name="确认取消授权")
        confirm.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert "已取消对“不动产登记平台”的授权" in page.locator("main").inner_text()
    finally:
        context.close()
