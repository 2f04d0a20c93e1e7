"""The cases test world: 食品经营许可 published by 锦江区 and 青羊区 market regulation, their
clerks, reviewers and administrators, a window clerk in 重庆市渝中区 (跨省通办), a citizen and an
enterprise with its representative. Built through the real services."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from tongban.cases import sources
from tongban.catalog.services import guide_review, guide_submit, implementation_item_create
from tongban.core.identifiers import citizen_id_with_check, credit_code_build
from tongban.core.models import StaffRole
from tongban.core.services.organizations import staff_membership_grant
from tongban.identity.models import AssuranceLevel, LegalPerson
from tongban.testing.cases_fixtures import FOOD_LICENCE_GUIDE
from tongban.testing.factories import UserFactory

GUIDE: dict[str, Any] = FOOD_LICENCE_GUIDE

FORM = {
    "operator_name": "蜀味小馆",
    "premises": "成都市锦江区总府路2号",
    "categories": ["预包装食品销售"],
}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def guide(**overrides: Any) -> dict[str, Any]:
    content = copy.deepcopy(GUIDE)
    content.update(copy.deepcopy(overrides))
    return content


@dataclass
class CasesWorld:
    regions: dict[str, Any]
    item: Any  # 锦江区 食品经营许可
    item_qy: Any  # 青羊区
    clerk: Any  # window clerk 锦江区 (no department: 一窗受理)
    clerk_qy: Any
    clerk_yz: Any  # window clerk 重庆市渝中区
    reviewer: Any  # reviewer 锦江区市场监管局
    reviewer_qy: Any
    admin: Any  # department admin 锦江区市场监管局
    citizen: Any
    agent: Any  # representative of the enterprise
    outsider: Any  # another citizen
    company: Any
    catalog: Any


def _publish(
    catalog: Any, body: Any, admin: Any, content: dict[str, Any], basic_item: Any = None
) -> Any:
    item = implementation_item_create(
        actor=admin, basic_item=basic_item or catalog.food_licence, body=body, content=content
    )
    guide_submit(actor=admin, item_code=item.code, number=1)
    reviewer = catalog.second_admin if admin == catalog.province_admin else catalog.province_admin
    guide_review(actor=reviewer, item_code=item.code, number=1, approve=True)
    item.refresh_from_db()
    return item


def _staff(username: str, role: str, region: Any, department: Any = None) -> Any:
    user = UserFactory(username=username, kind="staff")
    staff_membership_grant(actor=None, user=user, role=role, region=region, department=department)
    return user


@pytest.fixture
def world(catalog_world: Any) -> CasesWorld:
    regions = catalog_world.regions
    item = _publish(
        catalog_world, catalog_world.jinjiang_body, catalog_world.jinjiang_admin, guide()
    )
    item_qy = _publish(
        catalog_world, catalog_world.qingyang_body, catalog_world.province_admin, guide()
    )
    jj_dept = catalog_world.jinjiang_body.department
    qy_dept = catalog_world.qingyang_body.department
    citizen = UserFactory(
        username="zhang",
        real_name="张晓燕",
        id_number=citizen_id_with_check("51010419900307002"),
        phone="13812345678",
        address="四川省成都市锦江区总府路2号",
        email="zhang@example.cn",
        assurance_level=AssuranceLevel.L2,  # real-name verified: may apply online
    )
    agent = UserFactory(
        username="li",
        real_name="李建国",
        kind="enterprise",
        id_number=citizen_id_with_check("51010519920815003"),
        phone="13980012345",
        assurance_level=AssuranceLevel.L2,
    )
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
    agent.legal_person = company
    agent.save()
    return CasesWorld(
        regions=regions,
        item=item,
        item_qy=item_qy,
        clerk=catalog_world.clerk,
        clerk_qy=_staff("qy_clerk", StaffRole.WINDOW_CLERK, regions["qingyang"]),
        clerk_yz=_staff("yz_clerk", StaffRole.WINDOW_CLERK, regions["yuzhong"]),
        reviewer=_staff("jj_reviewer", StaffRole.REVIEWER, regions["jinjiang"], jj_dept),
        reviewer_qy=_staff("qy_reviewer", StaffRole.REVIEWER, regions["qingyang"], qy_dept),
        admin=_staff("jj_admin", StaffRole.DEPARTMENT_ADMIN, regions["jinjiang"], jj_dept),
        citizen=citizen,
        agent=agent,
        outsider=UserFactory(username="wang", real_name="王五"),
        company=company,
        catalog=catalog_world,
    )


class FakeIssuer:
    key = "license"

    def __init__(self) -> None:
        self.issued: list[sources.CaseResult] = []

    def issue_for_case(self, *, result: sources.CaseResult) -> sources.IssuedResult:
        self.issued.append(result)
        return sources.IssuedResult(
            reference=f"LIC-{result.case_number}", label="食品经营许可证（电子证照）", url="/l/1"
        )


class FakeLicenseSource:
    key = "license"

    def offers(self, *, holder: Any, need: Any) -> list[sources.MaterialOffer]:
        if need.license_type_code != "CN-LIC-YYZZ":
            return []
        return [
            sources.MaterialOffer("license", "YYZZ-1", "电子证照：营业执照", "锦江区市场监管局")
        ]

    def authorize(self, *, holder, need, reference, case_number, purpose):
        return sources.MaterialEvidence(
            source="license",
            reference=f"grant-{reference}",
            label="电子证照：营业执照",
            issuer="锦江区市场监管局",
            obtained_at=timezone.now().isoformat(),
            content={"name": holder.holder_name, "status": "valid"},
        )

    def evidence_for_reviewer(self, *, reviewer, evidence, case_number, purpose):
        return evidence


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> FakeIssuer:
    fake = FakeIssuer()
    monkeypatch.setitem(sources._result_issuers, "license", fake)
    return fake


@pytest.fixture
def license_source(monkeypatch: pytest.MonkeyPatch) -> FakeLicenseSource:
    fake = FakeLicenseSource()
    monkeypatch.setitem(sources._material_sources, "license", fake)
    return fake


def ready_case(world: CasesWorld, *, actor: Any = None, item: Any = None, legal_person: Any = None):
    """A draft with the form filled and every material uploaded."""
    from tongban.cases.services.apply import case_draft_create, case_material_upload

    actor = actor or world.citizen
    case = case_draft_create(
        actor=actor, item_code=(item or world.item).code, legal_person=legal_person, form_data=FORM
    )
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


def submitted_case(world: CasesWorld, **kwargs: Any):
    from tongban.cases.services.apply import case_submit

    case = ready_case(world, **kwargs)
    result = case_submit(actor=kwargs.get("actor") or world.citizen, case=case)
    return result.case


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Progress-query attempt counters live in the cache; case numbers repeat between tests."""
    from django.core.cache import cache

    cache.clear()
