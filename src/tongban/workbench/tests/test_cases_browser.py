"""Real browser: a window clerk accepts a case from the queue and a reviewer approves it; the
case pages have no WCAG 2.1 AA violation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.cases.models import Case, CaseStatus
from tongban.cases.tests import conftest as cases_world
from tongban.cases.tests.conftest import submitted_case
from tongban.testing.browser import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.
_media = cases_world._media
world = cases_world.world


def test_clerk_accepts_and_reviewer_approves(open_page, world):
    case = submitted_case(world)
    page = open_page(reverse("workbench:cases_queue") + "?queue=accept", user=world.clerk)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=case.number).click()
    page.wait_for_load_state("load")
    page.locator("#action-accept > summary").click()
    page.locator("#action-accept textarea[name=opinion]").fill("材料齐全，当场受理")
    page.locator("#action-accept button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "已受理" in page.locator(".messages").inner_text()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS

    page = open_page(reverse("workbench:case_detail", args=[case.number]), user=world.reviewer)
    page.locator("#action-approve > summary").click()
    assert_no_axe_violations(page)
    page.locator("#action-approve input[name=document_number]").fill("锦市监许〔2026〕8号")
    page.locator("#action-approve button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "已作出准予许可决定" in page.locator(".messages").inner_text()
    assert "锦市监许〔2026〕8号" in page.content()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED

    # The other case pages a clerk uses every day pass axe-core too.
    window = open_page(reverse("workbench:cases_window"), user=world.clerk)
    window.fill("#id_id_number", world.citizen.id_number)
    window.get_by_role("button", name="查找").click()
    window.wait_for_load_state("load")
    window.goto(window.url.split("?")[0] + f"?item={world.item.code}")
    window.wait_for_load_state("load")
    assert "录入申请" in window.content()
    assert_no_axe_violations(window)
    assert_no_axe_violations(open_page(reverse("workbench:cases_supervision"), user=world.admin))
    assert_no_axe_violations(
        open_page(reverse("workbench:cases_item", args=[world.item.code]), user=world.admin)
    )
