"""Pytest plugin (loaded by the root conftest): the catalog test world, for the tests of every
package that works with the catalog, and the helpers that build its people and bodies.

The world is a province with two counties, a market-regulation body in each, and the people who
maintain the catalog. It is built through the real services so audit rows exist."""

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


def make_staff(region: Any, role: str = StaffRole.CATALOG_ADMIN, *, username: str = "") -> Any:
    """A staff user holding `role` in `region` (a generated username unless one is given)."""
    user = UserFactory(username=username, kind="staff") if username else UserFactory(kind="staff")
    staff_membership_grant(actor=None, user=user, role=role, region=region)
    return user


def credit_code(region: Any, body8: str) -> str:
    """A valid unified social credit code of an organ in `region`; `body8` is its 8-character
    organisation part (e.g. "MB000001") and keeps codes apart."""
    return credit_code_build(department="1", category="1", region_code=region.code, org_body8=body8)


def make_body(region: Any, name: str, *, body8: str, department_body8: str = "") -> tuple[Any, Any]:
    """A department of `region` and its implementing body, both called `name`. The department
    has the body's credit code unless `department_body8` gives it its own."""
    department = department_create(
        actor=None,
        region=region,
        name=name,
        credit_code=credit_code(region, department_body8 or body8),
    )
    body = implementing_body_create(
        actor=None, department=department, name=name, credit_code=credit_code(region, body8)
    )
    return department, body


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


@pytest.fixture
def catalog_world(regions: dict[str, Any]) -> CatalogWorld:
    province_admin = make_staff(regions["sichuan"], username="sc_catalog")
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
        second_admin=make_staff(regions["sichuan"], username="sc_catalog2"),
        jinjiang_admin=make_staff(regions["jinjiang"], username="jj_catalog"),
        clerk=make_staff(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="jj_clerk"),
        jinjiang_body=make_body(
            regions["jinjiang"], "成都市锦江区市场监督管理局", body8="MB000001"
        )[1],
        qingyang_body=make_body(
            regions["qingyang"], "成都市青羊区市场监督管理局", body8="MB000002"
        )[1],
        food_licence=food,
    )
