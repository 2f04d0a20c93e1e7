"""The applicant-side case pages' test world (imported by the other test_cases_* modules): a
食品经营许可 guide of 锦江区 whose form exercises every kind of field and a condition, materials
with an e-license stand-in and a conditional one; a real-name citizen, an enterprise agent, an
outsider, the 锦江区 window clerk and reviewer; a fake e-license source. Built through the real
services. The tests here cover sign-in and assurance."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tongban.cases import sources
from tongban.catalog.services import guide_review, guide_submit, implementation_item_create
from tongban.core.identifiers import credit_code_build
from tongban.core.models import StaffRole
from tongban.core.services.organizations import staff_membership_grant
from tongban.identity.models import LegalPerson
from tongban.testing.cases_fixtures import FOOD_LICENCE_GUIDE
from tongban.testing.factories import UserFactory
from tongban.testing.identity import make_person

# The cases tests' guide, plus what the applicant pages exercise: appointments, a fourth
# (conditional) material and a form with a select, a condition and every field type.
GUIDE: dict[str, Any] = {
    **copy.deepcopy(FOOD_LICENCE_GUIDE),
    "channels": ["online", "appointment"],
    "place": "锦江区政务服务中心",
    "service_objects": ["1", "2"],
    "supports_appointment": True,
    "materials": [
        *copy.deepcopy(FOOD_LICENCE_GUIDE["materials"]),
        *[
            {
                "code": "M004",
                "name": "经营场所租赁合同",
                "forms": ["copy"],
                "copy_copies": 1,
                "required": False,
                "condition": "经营场所为租赁的提交",
                "source": "applicant",
            }
        ],
    ],
    "form": {
        "fields": [
            {"key": "operator_name", "label": "经营者名称", "type": "text", "required": True},
            {"key": "premises", "label": "经营场所", "type": "address", "required": True},
            {
                "key": "operator_kind",
                "label": "经营者类型",
                "type": "select",
                "required": True,
                "options": ["个体工商户", "企业"],
            },
            {
                "key": "categories",
                "label": "经营项目",
                "type": "multiselect",
                "required": True,
                "options": ["预包装食品销售", "热食类食品制售"],
            },
            {"key": "area", "label": "经营面积（平方米）", "type": "number"},
            {"key": "contact", "label": "联系电话", "type": "phone"},
            {"key": "rented", "label": "经营场所为租赁", "type": "checkbox"},
            {
                "key": "landlord",
                "label": "出租方名称",
                "type": "text",
                "required": True,
                "visible_if": {"field": "rented", "equals": True},
            },
            {"key": "licence_no", "label": "原许可证编号", "type": "text", "pattern": "JY\\d{6}"},
        ]
    },
}
FORM = {
    "operator_name": "蜀味小馆",
    "premises": "成都市锦江区总府路2号",
    "operator_kind": "个体工商户",
    "categories": ["预包装食品销售"],
}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def guide(**overrides: Any) -> dict[str, Any]:
    content = copy.deepcopy(GUIDE)
    content.update(copy.deepcopy(overrides))
    return content


def publish(
    catalog: Any, content: dict[str, Any], *, basic_item: Any = None, qingyang: bool = False
) -> Any:
    """Publish a guide for 锦江区 (or, for a second item of the same matter, 青羊区)."""
    admin = catalog.province_admin if qingyang else catalog.jinjiang_admin
    reviewer = catalog.second_admin if qingyang else catalog.province_admin
    item = implementation_item_create(
        actor=admin,
        basic_item=basic_item or catalog.food_licence,
        body=catalog.qingyang_body if qingyang else catalog.jinjiang_body,
        content=content,
    )
    guide_submit(actor=admin, item_code=item.code, number=1)
    guide_review(actor=reviewer, item_code=item.code, number=1, approve=True)
    item.refresh_from_db()
    return item


@dataclass
class World:
    regions: dict[str, Any]
    item: Any
    citizen: Any  # real-name verified (L2)
    agent: Any  # representative of `company`
    company: Any
    outsider: Any
    clerk: Any
    reviewer: Any
    catalog: Any


class FakeLicenseSource:
    """The licenses app's stand-in: offers the applicant's business licence for CN-LIC-YYZZ."""

    key = "license"

    def offers(self, *, holder: Any, need: Any) -> list[sources.MaterialOffer]:
        if need.license_type_code != "CN-LIC-YYZZ":
            return []
        return [
            sources.MaterialOffer(
                "license",
                "YYZZ-1",
                "电子证照：营业执照（成都市锦江区市场监督管理局 2023 签发）",
                "成都市锦江区市场监督管理局",
            )
        ]

    def authorize(self, *, holder, need, reference, case_number, purpose):
        return sources.MaterialEvidence(
            source="license",
            reference=f"grant-{reference}",
            label="电子证照：营业执照",
            issuer="成都市锦江区市场监督管理局",
            obtained_at=timezone.now().isoformat(),
            content={"name": holder.holder_name, "status": "valid"},
        )

    def evidence_for_reviewer(self, *, reviewer, evidence, case_number, purpose):
        return evidence


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The cases app keeps parsed guides per guide-version id for the process; ids come back
    # after a test's rollback, so a later test could see an earlier test's guide.
    from tongban.cases.services import common

    common._GUIDES.clear()


@pytest.fixture
def license_source(monkeypatch: pytest.MonkeyPatch) -> FakeLicenseSource:
    fake = FakeLicenseSource()
    monkeypatch.setitem(sources._material_sources, "license", fake)
    return fake


@pytest.fixture
def world(catalog_world: Any) -> World:
    regions = catalog_world.regions
    item = publish(catalog_world, guide())
    jj_dept = catalog_world.jinjiang_body.department
    reviewer = UserFactory(username="jj_reviewer", kind="staff")
    staff_membership_grant(
        actor=None,
        user=reviewer,
        role=StaffRole.REVIEWER,
        region=regions["jinjiang"],
        department=jj_dept,
    )
    citizen = make_person(21, name="张晓燕", username="zhangxy")
    agent = make_person(22, name="李建国", username="lijg", kind="enterprise")
    company = LegalPerson.objects.create(
        name="成都蜀味餐饮管理有限公司",
        credit_code=credit_code_build(
            department="9", category="1", region_code="510104", org_body8="MA6CJ8K2"
        ),
        legal_representative="李建国",
        region=regions["jinjiang"],
        representative=agent,
        verified_at=timezone.now(),
    )
    return World(
        regions=regions,
        item=item,
        citizen=citizen,
        agent=agent,
        company=company,
        outsider=make_person(23, name="王五", username="wangwu"),
        clerk=catalog_world.clerk,
        reviewer=reviewer,
        catalog=catalog_world,
    )


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def new_draft(world: World, *, actor: Any = None, form_data: dict | None = None) -> Any:
    from tongban.cases.services.apply import case_draft_create

    return case_draft_create(
        actor=actor or world.citizen, item_code=world.item.code, form_data=form_data or {}
    )


def ready_draft(world: World, *, actor: Any = None) -> Any:
    """A draft with the form filled and every required material uploaded."""
    from tongban.cases.services.apply import case_material_upload

    actor = actor or world.citizen
    case = new_draft(world, actor=actor, form_data=FORM)
    for code in ("M001", "M002", "M003"):
        case_material_upload(
            actor=actor,
            case=case,
            code=code,
            file_name=f"{code}.pdf",
            content=PDF,
            content_type="application/pdf",
        )
    case.refresh_from_db()
    return case


def submitted(world: World, *, actor: Any = None) -> tuple[Any, str]:
    from tongban.cases.services.apply import case_submit

    actor = actor or world.citizen
    result = case_submit(actor=actor, case=ready_draft(world, actor=actor))
    return result.case, result.verification_code


# --- Sign-in and assurance ---------------------------------------------------------------------


@pytest.mark.django_db
def test_case_pages_need_sign_in(client, world):
    case = new_draft(world)
    for url in (
        reverse("portal:case-apply", args=[world.item.code]),
        reverse("portal:cases-mine"),
        reverse("portal:case-detail", args=[case.number]),
        reverse("portal:case-form", args=[case.number]),
        reverse("portal:case-notifications"),
        reverse("portal:appointments-mine"),
        reverse("portal:appointment-book", args=[world.item.code]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.django_db
def test_applying_needs_real_name_verification(client, world):
    person = make_person(31, name="赵六", username="zhaoliu", level=1)
    login(client, person)
    response = client.post(
        reverse("portal:case-apply", args=[world.item.code]), {"applicant": "self"}
    )
    assert response.status_code == 403
    content = response.content.decode()
    assert "需要提升认证等级" in content
    assert "去实名认证" in content
    from tongban.cases.selectors import case_list_for_applicant

    assert not case_list_for_applicant(person).exists()
