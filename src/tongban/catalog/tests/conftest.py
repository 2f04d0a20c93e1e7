"""Catalog test world: a province with two counties, a market-regulation body in each, and the
people who maintain the catalog. Built through the real services so audit rows exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tongban.catalog.services import basic_item_create
from tongban.core.identifiers import credit_code_build
from tongban.core.models import StaffRole
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
)
from tongban.testing.factories import UserFactory

FOOD_LICENCE = "000107001000"  # 食品经营许可 (demo basic code in the national pattern)


@dataclass
class CatalogWorld:
    regions: dict[str, Any]
    province_admin: Any  # catalog admin of 四川省
    second_admin: Any  # another provincial catalog admin (four-eyes reviews)
    jinjiang_admin: Any  # catalog admin of 锦江区 only
    clerk: Any  # a window clerk: no catalog rights
    jinjiang_body: Any
    qingyang_body: Any
    food_licence: Any


def _staff(username: str, role: str, region: Any) -> Any:
    user = UserFactory(username=username, kind="staff")
    staff_membership_grant(actor=None, user=user, role=role, region=region)
    return user


def _body(region: Any, name: str, serial: int) -> Any:
    code = credit_code_build(
        department="1", category="1", region_code=region.code, org_body8=f"MB{serial:06d}"
    )
    department = department_create(actor=None, region=region, name=name, credit_code=code)
    return implementing_body_create(actor=None, department=department, name=name, credit_code=code)


@pytest.fixture
def catalog_world(regions) -> CatalogWorld:
    province_admin = _staff("sc_catalog", StaffRole.CATALOG_ADMIN, regions["sichuan"])
    food = basic_item_create(
        actor=province_admin,
        code=FOOD_LICENCE,
        name="食品经营许可",
        item_type="01",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        competent_department="国家市场监督管理总局",
        service_objects=["2"],
        exercise_levels=["4"],
        source="国家基本目录",
    )
    return CatalogWorld(
        regions=regions,
        province_admin=province_admin,
        second_admin=_staff("sc_catalog2", StaffRole.CATALOG_ADMIN, regions["sichuan"]),
        jinjiang_admin=_staff("jj_catalog", StaffRole.CATALOG_ADMIN, regions["jinjiang"]),
        clerk=_staff("jj_clerk", StaffRole.WINDOW_CLERK, regions["jinjiang"]),
        jinjiang_body=_body(regions["jinjiang"], "成都市锦江区市场监督管理局", 1),
        qingyang_body=_body(regions["qingyang"], "成都市青羊区市场监督管理局", 2),
        food_licence=food,
    )
