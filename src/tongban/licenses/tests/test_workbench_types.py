"""Workbench maintenance of the license catalog (证照目录): platform and catalog admins only."""

from __future__ import annotations

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.models import StaffRole
from tongban.licenses.fieldspec import parse_fields_text
from tongban.licenses.models import LicenseType
from tongban.licenses.tests.conftest import MINISTRY_CODE
from tongban.testing.factories import StaffMembershipFactory


@pytest.fixture
def catalog_admin(world):
    return StaffMembershipFactory(
        role=StaffRole.CATALOG_ADMIN, region=world.regions["jinjiang"], department=None
    ).user


def _form(**overrides):
    data = {
        "code": "CN-LIC-TEACHER-CERT",
        "national_code": MINISTRY_CODE + "009",
        "name": "教师资格证",
        "defining_department": "教育部",
        "defining_department_code": MINISTRY_CODE,
        "issuing_level": "3",
        "holder_kind": "person",
        "validity_years": "",
        "fields": "subject | 任教学科 | 必填\nlevel | 资格种类",
        "replaces_materials": "教师资格证书\n教师资格证明",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def _snapshot():
    return list(LicenseType.objects.order_by("code").values())


def test_catalog_admin_creates_and_edits_type(world, client, catalog_admin):
    client.force_login(catalog_admin)
    assert client.get("/workbench/licenses/types/new/").status_code == 200
    response = client.post("/workbench/licenses/types/new/", _form())
    assert response.status_code == 302
    created = LicenseType.objects.get(code="CN-LIC-TEACHER-CERT")
    assert created.issuing_level == "3"
    assert created.validity_years is None
    assert created.fields == [
        {"key": "subject", "label": "任教学科", "required": True},
        {"key": "level", "label": "资格种类", "required": False},
    ]
    assert created.replaces_materials == ["教师资格证书", "教师资格证明"]
    assert AuditEntry.objects.filter(action="licenses.type.create").exists()

    page = client.get(f"/workbench/licenses/types/{created.code}/edit/").content.decode()
    assert "subject | 任教学科 | 必填" in page
    response = client.post(
        f"/workbench/licenses/types/{created.code}/edit/",
        _form(
            code="CN-LIC-IGNORED",
            name="教师资格证书",
            validity_years="5",
            fields='[{"key": "subject", "label": "学科"}]',
        ),
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.validity_years) == ("教师资格证书", 5)
    assert created.fields == [{"key": "subject", "label": "学科", "required": False}]
    assert not LicenseType.objects.filter(code="CN-LIC-IGNORED").exists()
    assert "教师资格证书" in client.get("/workbench/licenses/types/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fields": "subject 任教学科"}, "第 1 行应写成"),
        ({"fields": "学科 | 任教学科"}, "只能用英文字母"),
        ({"fields": '[{"key": "a", "label": }]'}, "JSON 格式有误"),
        ({"fields": "a | 甲\na | 乙"}, "第 2 项需要唯一的 key"),
        ({"validity_years": "abc"}, "1 到 100 之间的整数"),
        ({"national_code": "123"}, "国家证照类型代码应为"),
        ({"code": "LIC-X"}, "CN-LIC- 开头"),
        ({"national_code": MINISTRY_CODE + "001"}, "已被“结婚证”使用"),
        ({"code": "CN-LIC-MARRIAGE-CERT"}, "已存在"),
    ],
)
def test_invalid_form_shows_chinese_error_and_writes_nothing(
    world, client, catalog_admin, overrides, message
):
    client.force_login(catalog_admin)
    before = _snapshot()
    audits = AuditEntry.objects.count()
    page = client.post("/workbench/licenses/types/new/", _form(**overrides)).content.decode()
    assert message in page
    assert _snapshot() == before
    assert AuditEntry.objects.count() == audits


def test_others_cannot_create_or_edit(world, client):
    before = _snapshot()
    client.force_login(world.reviewer)
    assert client.get("/workbench/licenses/types/new/").status_code == 403
    assert client.post("/workbench/licenses/types/new/", _form()).status_code == 403
    edit = "/workbench/licenses/types/CN-LIC-MARRIAGE-CERT/edit/"
    assert client.post(edit, _form(code="CN-LIC-MARRIAGE-CERT", name="改名")).status_code == 403
    assert "新增证照类型" not in client.get("/workbench/licenses/types/").content.decode()
    client.force_login(world.citizen)
    assert client.post("/workbench/licenses/types/new/", _form()).status_code == 403
    client.logout()
    assert client.post("/workbench/licenses/types/new/", _form()).status_code == 302  # sign-in
    assert _snapshot() == before


def test_edit_unknown_type_is_404(world, client, catalog_admin):
    client.force_login(catalog_admin)
    assert client.get("/workbench/licenses/types/CN-LIC-NOPE/edit/").status_code == 404


def test_parse_fields_text_accepts_both_forms():
    assert parse_fields_text("") == []
    assert parse_fields_text("a｜甲｜是") == [{"key": "a", "label": "甲", "required": True}]
    assert parse_fields_text('[{"key": "a", "label": "甲"}]') == [{"key": "a", "label": "甲"}]
