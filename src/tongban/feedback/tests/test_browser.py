"""The feedback pages in a real browser: rating a service and the complaint form at phone width
(360 px), the 12345 desk for an operator. Every page fits without horizontal scrolling and has no
WCAG 2.1 AA violation found by axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tongban.feedback.models import Rating, RatingStage, ServiceKind, Ticket
from tongban.feedback.services import rating_invite, ticket_create
from tongban.testing.browser import PHONE_WIDTH, assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"
    assert_no_axe_violations(page)


def test_rate_a_service_badly_at_phone_width(open_page, world):
    invitation = rating_invite(
        kind=ServiceKind.CASE,
        reference="SC20260601001",
        stage=RatingStage.COMPLETION,
        title="食品经营许可证核发",
        department=world.approval,
        handler=world.approval_staff,
        invitee=world.citizen,
    )
    page = open_page(
        reverse("portal:feedback-rate", args=[invitation.token]) + "?ch=sms",
        width=PHONE_WIDTH,
        height=780,
        user=world.citizen,
    )
    levels = page.locator(".fb-levels input[type=radio]")
    assert levels.count() == 5
    check(page)

    page.get_by_label("非常不满意").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()
    # A bad rating without a reason is sent back, naming what to fix.
    assert page.get_by_text("请选择不满意的主要原因").first.is_visible()
    assert not Rating.objects.exists()
    check(page)

    page.locator(".fb-tags input[type=checkbox]").first.check()
    page.get_by_label("想说的话（选填）").fill("同一份材料让我跑了三次。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()
    assert page.get_by_text("感谢您的评价").is_visible()
    rating = Rating.objects.get()
    assert rating.level == 5
    assert rating.channel == "sms"
    assert rating.reasons
    check(page)


def test_complaint_form_at_phone_width(open_page, world):
    world.citizen.region_id = "510104"
    world.citizen.save(update_fields=["region_id"])
    page = open_page(
        reverse("portal:feedback-complaint-new"), width=PHONE_WIDTH, height=780, user=world.citizen
    )
    check(page)
    picker = page.locator("#id_department")
    assert picker.locator("option").count() == 3  # "不清楚" and the two of 锦江区

    # As one types, htmx narrows the list from the server.
    page.get_by_label("查找涉及部门（选填）").fill("市场")
    page.locator("#dept-picker-status").get_by_text("找到 1 个部门").wait_for()
    assert picker.locator("option").count() == 2
    picker.select_option(label=world.market.name)
    check(page)

    page.get_by_label("标题").fill("窗口午休时间无人办理")
    page.get_by_label("具体内容").fill("6月1日中午12点在锦江区政务服务中心，窗口无人。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交", exact=True).click()
    ticket = Ticket.objects.get()
    assert ticket.number in page.url
    assert ticket.title == "窗口午休时间无人办理"
    assert ticket.department == world.market
    check(page)


def test_department_search_without_javascript(browser, live_server, world):
    from django.conf import settings
    from django.test import Client

    context = browser.new_context(
        locale="zh-CN", java_script_enabled=False, viewport={"width": PHONE_WIDTH, "height": 780}
    )
    client = Client()
    client.force_login(world.citizen)
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
    page.set_default_timeout(15_000)
    page.goto(live_server.url + reverse("portal:feedback-complaint-new"))
    page.get_by_label("发生地（行政区划代码）").fill("510104")
    page.get_by_label("标题").fill("窗口午休时间无人办理")
    page.get_by_label("查找涉及部门（选填）").fill("审批")
    with page.expect_navigation():
        page.get_by_role("button", name="查找部门").click()
    assert page.locator("#id_department option").count() == 2
    assert page.get_by_label("标题").input_value() == "窗口午休时间无人办理"
    page.locator("#id_department").select_option(label=world.approval.name)
    page.get_by_label("具体内容").fill("中午窗口无人。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交", exact=True).click()
    assert Ticket.objects.get().department == world.approval
    assert world.approval.name in page.locator("main").inner_text()
    # No axe here: it is a script, and scripts are off; the JS test checks the same pages.
    context.close()


def test_desk_page_for_an_operator(open_page, world):
    ticket_create(
        actor=world.desk,
        ticket_type="complaint",
        channel="phone",
        title="夜间施工噪音",
        content="春熙路工地夜间施工，噪音扰民。",
        region=world.regions["jinjiang"],
        caller_name="李先生",
        caller_phone="13912345678",
    )
    page = open_page(reverse("workbench:feedback_desk"), user=world.desk)
    assert page.get_by_text("夜间施工噪音").is_visible()
    assert_no_axe_violations(page)
    page = open_page(reverse("workbench:feedback_ticket_new"), user=world.desk)
    assert_no_axe_violations(page)


def test_rating_and_complaint_pages_fit_a_phone_in_elder_mode(open_page, world):
    invitation = rating_invite(
        kind=ServiceKind.WINDOW,
        reference="W20260601001",
        stage=RatingStage.COMPLETION,
        title="社会保障卡补办",
        department=world.approval,
    )
    check(
        open_page(
            reverse("portal:feedback-rate", args=[invitation.token]) + "?ch=qr",
            width=PHONE_WIDTH,
            height=780,
            elder=True,
        )
    )
    check(
        open_page(
            reverse("portal:feedback-complaint-new"),
            width=PHONE_WIDTH,
            height=780,
            elder=True,
            user=world.citizen,
        )
    )
