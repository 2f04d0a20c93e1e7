# ruff: noqa: F811 - the shared fixtures are imported from test_cases_world, then requested by name
"""一件事 (one combined application) and 预约办 (window appointments) from the applicant's side."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.cases.models import CaseStatus
from tongban.cases.selectors import (
    appointments_for,
    case_detail_for_applicant,
    case_list_for_applicant,
)
from tongban.cases.services.appointments import appointment_slots_generate, service_hall_create
from tongban.catalog.services import basic_item_create, bundle_create
from tongban.core.workdays import local_today
from tongban.portal.tests.test_cases_world import (  # noqa: F401 - fixtures
    FORM,
    GUIDE,
    PDF,
    _media,
    guide,
    login,
    publish,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(world):
    catalog = world.catalog
    health = basic_item_create(
        actor=catalog.province_admin,
        code="000107002000",
        name="从业人员健康证明备案",
        item_type="01",
        legal_basis="《食品安全法》第四十五条",
        competent_department="卫健",
        service_objects=["2"],
        exercise_levels=["4"],
        source="国家基本目录",
    )
    publish(
        catalog,
        guide(
            name="从业人员健康证明备案",
            materials=GUIDE["materials"][:2],
            form={
                "fields": [
                    *GUIDE["form"]["fields"][:2],
                    {"key": "staff_count", "label": "从业人数", "type": "number", "required": True},
                ]
            },
        ),
        basic_item=health,
    )
    return bundle_create(
        actor=catalog.province_admin,
        code="YJS-KCG",
        name="我要开餐馆",
        audience="corporate",
        summary="开餐馆涉及的许可和备案一次办。",
        members=[(catalog.food_licence.code, 1, ""), (health.code, 2, "")],
        definition={"stages": [{"stage": 1, "name": "许可"}, {"stage": 2, "name": "备案"}]},
    )


def test_bundle_page_offers_the_combined_application(client, world, bundle):
    client.cookies["tb_region"] = "510104"
    content = client.get(reverse("portal:bundle", args=[bundle.code])).content.decode()
    assert f'href="{reverse("portal:bundle-apply", args=[bundle.code])}">申请一件事</a>' in content


def test_bundle_journey_one_form_one_set_of_materials(client, world, bundle):
    login(client, world.citizen)
    client.cookies["tb_region"] = "510104"
    response = client.post(
        reverse("portal:bundle-apply", args=[bundle.code]), {"applicant": "self"}
    )
    parent = case_list_for_applicant(world.citizen).get()
    assert parent.kind == "bundle"
    assert response["Location"] == reverse("portal:case-form", args=[parent.number])
    form = client.get(response["Location"]).content.decode()
    assert form.count('name="f_operator_name"') == 1
    assert 'name="f_staff_count"' in form
    data = {"present": [*FORM, "staff_count"], "f_staff_count": "3", "next": "materials"}
    for key, value in FORM.items():
        data[f"f_{key}"] = value
    assert client.post(response["Location"], data).status_code == 302
    materials_url = reverse("portal:case-materials", args=[parent.number])
    content = client.get(materials_url).content.decode()
    # The business licence is asked once for both matters.
    assert content.count('<h3 class="case-material-name">营业执照</h3>') == 1
    assert "用于：食品经营许可、从业人员健康证明备案" in content
    act = reverse("portal:case-material-act", args=[parent.number])
    keys = ["name:食品经营许可申请书", "lic:CN-LIC-YYZZ", "name:食品安全管理制度"]
    for key in keys:
        upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
        assert (
            client.post(act, {"action": "upload", "code": key, "file": upload}).status_code == 302
        )
    response = client.post(
        reverse("portal:case-review", args=[parent.number]),
        {
            "version": case_detail_for_applicant(world.citizen, parent.number).case.version,
            "confirm": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert '<p class="case-code">' in client.get(response["Location"]).content.decode()
    detail = client.get(reverse("portal:case-detail", args=[parent.number])).content.decode()
    assert "一件事办理进度" in detail
    assert "第1步：许可" in detail
    assert "第2步：备案" in detail
    parent = case_detail_for_applicant(world.citizen, parent.number).case
    assert parent.status == CaseStatus.SUBMITTED


def test_bundle_review_lists_what_is_missing(client, world, bundle):
    login(client, world.citizen)
    client.cookies["tb_region"] = "510104"
    client.post(reverse("portal:bundle-apply", args=[bundle.code]), {"applicant": "self"})
    parent = case_list_for_applicant(world.citizen).get()
    response = client.post(
        reverse("portal:case-review", args=[parent.number]),
        {"version": parent.version, "confirm": "on"},
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "合并申请还有" in content
    assert "从业人员健康证明备案：" in content
    assert case_detail_for_applicant(world.citizen, parent.number).case.status == CaseStatus.DRAFT


# --- 预约办 -------------------------------------------------------------------------------------


@pytest.fixture
def hall(world):
    hall = service_hall_create(
        actor=world.clerk,
        region=world.regions["jinjiang"],
        name="锦江区政务服务中心",
        address="成都市锦江区工商街68号",
        hours="工作日 9:00-17:00",
    )
    appointment_slots_generate(
        actor=world.clerk,
        hall=hall,
        start=local_today() + timedelta(days=1),
        days=7,
        times=[(time(9, 0), time(10, 0)), (time(10, 0), time(11, 0))],
        capacity=1,
    )
    return hall


def _first_slot(client, world, hall):
    url = reverse("portal:appointment-book", args=[world.item.code])
    content = client.get(url, {"hall": str(hall.public_id)}).content.decode()
    import re

    return url, re.findall(r'name="slot" id="slot-([0-9a-f-]{36})"', content)


def test_book_an_appointment_and_cancel_it(client, world, hall):
    login(client, world.citizen)
    url, slots = _first_slot(client, world, hall)
    assert slots, "free slots are listed"
    response = client.post(url, {"hall": str(hall.public_id), "slot": slots[0]})
    assert response["Location"] == reverse("portal:appointments-mine")
    mine = client.get(response["Location"]).content.decode()
    assert "预约成功" in mine
    assert "锦江区政务服务中心" in mine
    assert "取消预约" in mine
    appointment = appointments_for(world.citizen).get()
    client.post(reverse("portal:appointment-cancel", args=[appointment.public_id]))
    assert appointments_for(world.citizen).get().status == "cancelled"
    assert "已取消" in client.get(reverse("portal:appointments-mine")).content.decode()


def test_no_double_booking_and_full_slots(client, world, hall):
    login(client, world.citizen)
    url, slots = _first_slot(client, world, hall)
    client.post(url, {"hall": str(hall.public_id), "slot": slots[0]})
    again = client.post(url, {"hall": str(hall.public_id), "slot": slots[0]})
    assert again.status_code == 409
    # The slot (capacity 1) is now full: the page shows it and refuses another person.
    login(client, world.outsider)
    content = client.get(url, {"hall": str(hall.public_id)}).content.decode()
    assert "已约满" in content
    full = client.post(url, {"hall": str(hall.public_id), "slot": slots[0]})
    assert full.status_code == 409
    assert "该时段已约满，请选择其他时段。" in full.content.decode()
    assert not appointments_for(world.outsider).exists()
    assert appointments_for(world.citizen).count() == 1


def test_booking_errors_and_other_peoples_appointments(client, world, hall):
    login(client, world.citizen)
    url, slots = _first_slot(client, world, hall)
    response = client.post(url, {"hall": str(hall.public_id), "slot": "not-a-uuid"})
    assert response.status_code == 404
    assert "请选择大厅和时段。" in response.content.decode()
    client.post(url, {"hall": str(hall.public_id), "slot": slots[0]})
    appointment = appointments_for(world.citizen).get()
    login(client, world.outsider)
    response = client.post(reverse("portal:appointment-cancel", args=[appointment.public_id]))
    assert response.status_code == 404
    assert appointments_for(world.citizen).get().status == "booked"
