"""窗口受理 in the workbench: a window clerk finds the applicant by ID number, picks an item
(also one of another province: 跨省通办), enters the form and the paper materials, submits and
accepts; a refused entry leaves nothing behind."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.cases.models import Case, CaseStatus
from tongban.cases.tests import conftest as cases_world

pytestmark = pytest.mark.django_db

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.
_media = cases_world._media
world = cases_world.world

WINDOW = reverse("workbench:cases_window")
ENTRY = {
    "form__operator_name": "蜀味小馆",
    "form__premises": "成都市锦江区总府路2号",
    "form__categories": ["预包装食品销售"],
    "form__area": "36",
    "paper__M001": "on",
    "copies__M001": "1",
    "paper__M002": "on",
    "copies__M002": "2",
    "paper__M003": "on",
    "next_step": "accept",
}


def test_only_window_clerks_use_the_counter(client, world):
    client.force_login(world.reviewer)
    assert client.get(WINDOW).status_code == 403


def test_entry_needs_the_applicant_found_first(client, world):
    client.force_login(world.clerk)
    response = client.post(WINDOW, {"item": world.item.code, **ENTRY})
    assert response.status_code == 400
    assert "请先查找申请人" in response.content.decode()
    assert not Case.objects.exists()


def find(client, world, q=""):
    response = client.post(WINDOW, {"find": "1", "id_number": world.citizen.id_number, "q": q})
    assert response.status_code == 302
    assert world.citizen.id_number not in response["Location"]  # never in a URL
    return response


def test_find_applicant_and_item(client, world):
    client.force_login(world.clerk_yz)
    response = client.get(find(client, world, "食品经营")["Location"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "张**" in html or "张*燕" in html  # masked name, real-name account found
    assert world.item.code in html
    assert world.item_qy.code in html
    response = client.post(WINDOW, {"find": "1", "id_number": "110101199003070011"})
    assert response.status_code == 404
    assert "没有找到该身份证号码的实名账号" in response.content.decode()


def test_cross_province_window_enters_submits_and_accepts(client, world):
    client.force_login(world.clerk_yz)  # 重庆市渝中区 window, item of 成都市锦江区
    find(client, world)
    params = {"item": world.item.code}
    page = client.get(WINDOW, params).content.decode()
    assert "异地代收代办" in page
    assert 'name="paper__M001"' in page
    response = client.post(WINDOW, {**params, **ENTRY})
    assert response.status_code == 302
    case = Case.objects.get(applicant=world.citizen)
    assert response["Location"] == reverse("workbench:case_detail", args=[case.number])
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.channel == "window"
    assert case.accepting_region_id == world.regions["yuzhong"].code
    assert case.handling_region_id == world.item.region_id
    assert case.cross_region_mode == "proxy"
    assert case.form_data["area"] == 36
    assert set(case.materials.values_list("satisfied_by", flat=True)) == {"paper"}
    assert case.materials.get(code="M002").copies == 2
    # both sides see it: the accepting window and the handling side
    detail = client.get(response["Location"]).content.decode()
    assert "收件方（受理窗口）" in detail
    assert "异地代收代办" in detail
    client.force_login(world.reviewer)
    assert (
        case.number in client.get(reverse("workbench:cases_queue") + "?queue=todo").content.decode()
    )


def test_refused_entry_keeps_nothing(client, world):
    client.force_login(world.clerk)
    find(client, world)
    params = {"item": world.item.code}
    entry = {k: v for k, v in ENTRY.items() if k not in ("paper__M002", "form__premises")}
    response = client.post(WINDOW, {**params, **entry})
    assert response.status_code == 422
    html = response.content.decode()
    assert "营业执照" in html
    assert not Case.objects.filter(applicant=world.citizen).exists()


def test_submit_only_leaves_it_waiting_for_acceptance(client, world):
    client.force_login(world.clerk)
    find(client, world)
    params = {"item": world.item.code}
    response = client.post(WINDOW, {**params, **ENTRY, "next_step": "submit"}, follow=True)
    assert "查询码" in response.content.decode()
    case = Case.objects.get(applicant=world.citizen)
    assert case.status == CaseStatus.SUBMITTED
