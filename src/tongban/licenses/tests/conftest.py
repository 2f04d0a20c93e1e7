"""Fixtures of the licenses tests: a license type, an issuing body with a key, staff in and out
of scope, a citizen with an ID number. State is built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tongban.core.identifiers import citizen_id_with_check, credit_code_build
from tongban.core.models import StaffRole
from tongban.licenses import services
from tongban.testing.factories import (
    DepartmentFactory,
    ImplementingBodyFactory,
    StaffMembershipFactory,
    UserFactory,
)

MINISTRY_CODE = credit_code_build(
    department="1", category="1", region_code="100000", org_body8="00001331"
)
COMPANY_CODE = credit_code_build(
    department="9", category="1", region_code="510104", org_body8="MA6CJ8K2"
)
CITIZEN_ID = citizen_id_with_check("51010419900307002")
OTHER_ID = citizen_id_with_check("51010519920815003")

MARRIAGE_FIELDS = [
    {"key": "spouse_name", "label": "配偶姓名", "required": True},
    {"key": "registered_on", "label": "登记日期", "required": True},
    {"key": "cert_no", "label": "结婚证字号"},
]


@dataclass
class World:
    regions: dict[str, Any]
    body: Any
    other_body: Any
    license_type: Any
    org_type: Any
    reviewer: Any
    clerk_other: Any
    admin: Any
    citizen: Any


def _body(region: Any, name: str, seq: int) -> Any:
    code = credit_code_build(
        department="1", category="1", region_code=region.code, org_body8=f"MB{seq:06d}"
    )
    department = DepartmentFactory(region=region, name=name, credit_code=code)
    return ImplementingBodyFactory(department=department, name=name, credit_code=code)


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    from tongban.licenses.verification import clear_key_cache

    clear_key_cache()
    yield
    clear_key_cache()


@pytest.fixture
def world(regions, django_user_model) -> World:
    body = _body(regions["jinjiang"], "成都市锦江区民政局", 1)
    other_body = _body(regions["yuzhong"], "重庆市渝中区民政局", 2)
    reviewer = StaffMembershipFactory(
        role=StaffRole.REVIEWER, region=regions["jinjiang"], department=body.department
    ).user
    clerk_other = StaffMembershipFactory(
        role=StaffRole.WINDOW_CLERK, region=regions["yuzhong"], department=None
    ).user
    admin = UserFactory(username="lic_admin", kind="staff", is_superuser=True, is_staff=True)
    citizen = UserFactory(username="zhang", real_name="张晓燕", id_number=CITIZEN_ID)
    license_type = services.license_type_save(
        actor=None,
        code="CN-LIC-MARRIAGE-CERT",
        national_code=MINISTRY_CODE + "001",
        name="结婚证",
        defining_department="民政部",
        defining_department_code=MINISTRY_CODE,
        holder_kind="person",
        fields=MARRIAGE_FIELDS,
        replaces_materials=["结婚证"],
    )
    org_type = services.license_type_save(
        actor=None,
        code="CN-LIC-SOCIAL-ORG-CERT",
        national_code=MINISTRY_CODE + "002",
        name="社会团体法人登记证书",
        defining_department="民政部",
        defining_department_code=MINISTRY_CODE,
        holder_kind="organisation",
        validity_years=5,
        fields=[{"key": "legal_rep", "label": "法定代表人", "required": True}],
    )
    services.issuer_key_generate(actor=None, body=body, algorithm="Ed25519")
    services.issuer_key_generate(actor=None, body=other_body, algorithm="Ed25519")
    return World(
        regions, body, other_body, license_type, org_type, reviewer, clerk_other, admin, citizen
    )


def issue_marriage(world: World, *, holder_key: str = CITIZEN_ID, **overrides: Any) -> Any:
    values = {
        "actor": world.reviewer,
        "license_type": world.license_type,
        "issuer": world.body,
        "holder_key": holder_key,
        "holder_name": "张晓燕",
        "content": {
            "spouse_name": "王强",
            "registered_on": "2020-05-20",
            "cert_no": "J510104-2020-001234",
        },
    }
    values.update(overrides)
    return services.license_issue(**values)
