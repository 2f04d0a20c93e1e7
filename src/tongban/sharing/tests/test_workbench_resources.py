"""Registering and editing a resource and its fields in the workbench (provider's data officer)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.audit.models import AuditEntry
from tongban.sharing.models import DataField, DataResource

from .conftest import request_and_approve

pytestmark = pytest.mark.django_db

NEW_URL = "/workbench/sharing/resources/new/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    data = {
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": str(initial),
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"fields-{i}-{key}"] = value
    return data


def _new_payload(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "provider": world.provider.pk,
        "code": "DR-510100-0201",
        "name": "机动车驾驶证信息",
        "summary": "成都市机动车驾驶证基本信息。",
        "category": "department",
        "share_type": "conditional",
        "share_condition": "仅限办理交通相关事项",
        "open_type": "closed",
        "update_frequency": "daily",
        "format": "api",
        "legal_basis": "《中华人民共和国道路交通安全法》第十九条",
        "status": "published",
        "key_kind": "id_number",
        "key_field": "id_number",
    }
    data.update(overrides)
    data.update(
        _rows(
            [
                {
                    "name": "id_number",
                    "label": "公民身份号码",
                    "data_type": "string",
                    "sensitivity": "personal",
                },
                {
                    "name": "licence_class",
                    "label": "准驾车型",
                    "data_type": "string",
                    "sensitivity": "internal",
                },
                {"name": "", "label": "", "data_type": "string", "sensitivity": "internal"},
            ]
        )
    )
    return data


def _state() -> tuple:
    return (
        list(DataResource.objects.order_by("code").values_list("code", "name", "share_type")),
        list(
            DataField.objects.order_by("id").values_list(
                "resource_id", "name", "label", "sensitivity"
            )
        ),
        AuditEntry.objects.count(),
    )


def test_officer_registers_a_resource_with_fields(world):
    client = _client(world.provider_officer)
    audits = AuditEntry.objects.filter(action="sharing.resource.create").count()
    page = client.get(NEW_URL)
    assert page.status_code == 200
    assert "成都市公安局" in page.content.decode()
    assert "成都市锦江区民政局" not in page.content.decode()
    response = client.post(NEW_URL, _new_payload(world))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/workbench/sharing/resources/DR-510100-0201/edit/"
    resource = DataResource.objects.get(code="DR-510100-0201")
    assert resource.provider == world.provider
    assert (resource.share_type, resource.update_frequency, resource.format) == (
        "conditional",
        "daily",
        "api",
    )
    assert list(resource.fields.values_list("name", "label", "sensitivity")) == [
        ("id_number", "公民身份号码", "personal"),
        ("licence_class", "准驾车型", "internal"),
    ]
    assert AuditEntry.objects.filter(action="sharing.resource.create").count() == audits + 1
    assert client.get(response["Location"]).status_code == 200


def test_invalid_submission_shows_chinese_errors_and_saves_nothing(world):
    client = _client(world.provider_officer)
    before = _state()
    payload = _new_payload(world, name="", legal_basis="", share_condition="")
    payload["fields-1-name"] = "Licence Class"
    payload["fields-1-sensitivity"] = "secret"
    response = client.post(NEW_URL, payload)
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写信息资源名称。" in text
    assert "请填写法律依据" in text
    assert "有条件共享的资源请写明共享条件。" in text
    assert "请从列表中选择。" in text
    assert _state() == before


def test_service_problems_appear_beside_the_field(world):
    client = _client(world.provider_officer)
    before = _state()
    payload = _new_payload(world, open_type="open")
    payload["fields-1-name"] = "Licence Class"
    response = client.post(NEW_URL, payload)
    assert response.status_code == 400
    text = response.content.decode()
    assert "的标识应以小写英文字母开头" in text
    assert "含个人信息的资源不能开放" in text
    assert _state() == before


def test_duplicate_code_is_refused(world):
    client = _client(world.provider_officer)
    before = _state()
    response = client.post(NEW_URL, _new_payload(world, code=world.population.code))
    assert response.status_code == 400
    assert "已被使用，请换一个代码" in response.content.decode()
    assert _state() == before


def test_reserved_code_and_missing_key_field_are_refused(world):
    client = _client(world.provider_officer)
    before = _state()
    response = client.post(NEW_URL, _new_payload(world, code="new", key_field=""))
    assert response.status_code == 400
    text = response.content.decode()
    assert "“new”不能用作信息资源代码" in text
    assert "按标识查询的资源请填写标识信息项。" in text
    assert _state() == before


def test_no_fields_is_refused(world):
    client = _client(world.provider_officer)
    before = _state()
    payload = _new_payload(world)
    payload.update(_rows([]))
    response = client.post(NEW_URL, payload)
    assert response.status_code == 400
    assert "请至少登记一个信息项。" in response.content.decode()
    assert _state() == before


def test_cannot_register_for_another_department(world):
    client = _client(world.consumer_officer)
    before = _state()
    response = client.post(NEW_URL, _new_payload(world))  # provider = 公安, not theirs
    assert response.status_code == 400
    assert "请从列表中选择。" in response.content.decode()
    assert _state() == before


def _edit_payload(world, rows: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    resource = world.population
    data = {
        "name": resource.name,
        "summary": resource.summary,
        "share_type": resource.share_type,
        "share_condition": "仅限民政、人社业务核对户籍",
        "open_type": resource.open_type,
        "update_frequency": "realtime",
        "format": resource.format,
        "legal_basis": resource.legal_basis,
        "status": resource.status,
    }
    data.update(overrides)
    data.update(_rows(rows, initial=resource.fields.count()))
    return data


def _current_rows(world) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "label": f.label, "data_type": f.data_type, "sensitivity": f.sensitivity}
        for f in world.population.fields.all()
    ]


def test_officer_edits_attributes_and_fields(world):
    client = _client(world.provider_officer)
    url = f"/workbench/sharing/resources/{world.population.code}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="birth_date"' in page.content.decode()
    rows = _current_rows(world)
    rows[1]["label"] = "姓名（中文）"
    rows[2]["DELETE"] = "on"  # birth_date: in no grant, may go
    rows.append(
        {"name": "household_no", "label": "户号", "data_type": "string", "sensitivity": "personal"}
    )
    response = client.post(url, _edit_payload(world, rows))
    assert response.status_code == 302, response.content.decode()
    world.population.refresh_from_db()
    assert world.population.update_frequency == "realtime"
    assert list(world.population.fields.values_list("name", "label")) == [
        ("id_number", "公民身份号码"),
        ("name", "姓名（中文）"),
        ("address", "户籍地址"),
        ("ethnicity", "民族"),
        ("household_no", "户号"),
    ]
    entry = AuditEntry.objects.filter(action="sharing.resource.fields").get()
    assert entry.summary["removed"] == ["birth_date"]


def test_fields_in_a_live_grant_or_the_key_cannot_be_removed(world):
    request_and_approve(world)  # grants name + address
    client = _client(world.provider_officer)
    url = f"/workbench/sharing/resources/{world.population.code}/edit/"
    before = _state()
    frequency = world.population.update_frequency
    rows = _current_rows(world)
    rows[0]["DELETE"] = "on"  # id_number: the look-up key
    rows[3]["DELETE"] = "on"  # address: granted
    response = client.post(url, _edit_payload(world, rows))
    assert response.status_code == 400
    text = response.content.decode()
    assert "是本资源的查询标识，不能删除" in text
    assert "正被有效的共享授权或待答复的申请使用" in text
    assert _state() == before
    world.population.refresh_from_db()
    assert world.population.update_frequency == frequency


def test_making_a_field_sensitive_while_open_is_refused_atomically(world):
    client = _client(world.provider_officer)
    from tongban.sharing import services
    from tongban.sharing.services import FieldSpec

    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0300",
        name="派出所名录",
        legal_basis="政府信息公开条例",
        fields=[FieldSpec("station", "派出所名称", sensitivity="public")],
        open_type="open",
    )
    before = _state()
    url = f"/workbench/sharing/resources/{resource.code}/edit/"
    response = client.post(
        url,
        {
            "name": "派出所名录（新）",
            "share_type": "unconditional",
            "open_type": "open",
            "update_frequency": "monthly",
            "format": "file",
            "legal_basis": "政府信息公开条例",
            "status": "published",
            **_rows(
                [
                    {
                        "name": "station",
                        "label": "派出所名称",
                        "data_type": "string",
                        "sensitivity": "personal",
                    }
                ],
                initial=1,
            ),
        },
    )
    assert response.status_code == 400
    assert "不能开放" in response.content.decode()
    assert _state() == before


def test_other_department_cannot_open_or_post_the_edit_page(world):
    client = _client(world.consumer_officer)
    url = f"/workbench/sharing/resources/{world.population.code}/edit/"
    before = _state()
    assert client.get(url).status_code == 404
    assert client.post(url, _edit_payload(world, _current_rows(world))).status_code == 404
    assert _state() == before
    detail = client.get(f"/workbench/sharing/resources/{world.population.code}/")
    assert "编辑资源和信息项" not in detail.content.decode()
