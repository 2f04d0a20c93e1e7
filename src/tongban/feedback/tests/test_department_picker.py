"""The complaint form's department picker: a server-side search restricted to the departments
serving the chosen place, working without JavaScript (the 查找部门 button) and with htmx."""

from __future__ import annotations

import pytest

from tongban.feedback.models import Ticket
from tongban.testing.factories import DepartmentFactory

pytestmark = pytest.mark.usefixtures("june_2026")

URL = "/feedback/complaints/new/"


def _form(**extra):
    return {
        "ticket_type": "complaint",
        "category": "政务服务",
        "region": "510104",
        "title": "窗口午休无人",
        "content": "中午12点窗口无人办理。",
        **extra,
    }


@pytest.fixture
def citizen(client, world):
    world.citizen.region_id = "510104"
    world.citizen.save(update_fields=["region_id"])
    client.force_login(world.citizen)
    return world.citizen


def test_page_lists_only_departments_serving_the_region(client, world, citizen):
    html = client.get(URL).content.decode()

    assert world.approval.name in html
    assert world.market.name in html
    assert world.yuzhong.name not in html
    assert "锦江区找到 2 个部门" in html
    assert 'name="dept_q"' in html
    assert "查找部门" in html


def test_find_button_narrows_the_list_and_keeps_what_was_typed(client, world, citizen):
    response = client.post(URL, _form(dept_q="市场", find_department="1", department=""))
    html = response.content.decode()

    assert response.status_code == 200
    assert f'value="{world.market.public_id}"' in html
    assert f'value="{world.approval.public_id}"' not in html
    assert "窗口午休无人" in html  # the title typed before searching is still there
    assert "错误：" not in html  # searching is not submitting: no validation messages
    assert not Ticket.objects.exists()


def test_changing_region_changes_the_list(client, world, citizen):
    html = client.post(URL, _form(region="500103", find_department="1")).content.decode()

    assert world.yuzhong.name in html
    assert world.market.name not in html


def test_htmx_returns_only_the_narrowed_options(client, world, citizen):
    response = client.get(
        URL,
        {"picker": "1", "region": "510104", "dept_q": "审批", "department": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="dept-picker",
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "<form" not in html
    assert f'value="{world.approval.public_id}"' in html
    assert world.market.name not in html
    assert 'role="status"' in html


def test_no_match_and_too_many_say_what_to_do(client, world, citizen):
    none = client.get(
        URL, {"picker": "1", "region": "510104", "dept_q": "海关"}, HTTP_HX_REQUEST="true"
    )
    assert "没有找到名称含“海关”的部门" in none.content.decode()
    for i in range(25):
        DepartmentFactory(region=world.regions["jinjiang"], name=f"成都市锦江区第{i}街道办事处")
    many = client.get(URL, {"picker": "1", "region": "510104"}, HTTP_HX_REQUEST="true")
    html = many.content.decode()
    assert "共 27 个" in html
    assert html.count("<option") == 21  # 20 departments and "不清楚"


def test_submit_routes_to_the_chosen_department(client, world, citizen):
    response = client.post(URL, _form(department=str(world.market.public_id)))

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.department == world.market


def test_department_outside_the_region_is_refused(client, world, citizen):
    response = client.post(URL, _form(department=str(world.yuzhong.public_id)))

    assert response.status_code == 200
    assert "所选部门不负责该发生地的事务" in response.content.decode()
    assert not Ticket.objects.exists()


def test_garbage_department_is_refused(client, world, citizen):
    response = client.post(URL, _form(department="not-a-uuid"))

    assert "所选部门不负责该发生地的事务" in response.content.decode()
    assert not Ticket.objects.exists()
