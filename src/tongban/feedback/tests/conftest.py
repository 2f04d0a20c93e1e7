"""The feedback test world: 成都市 with a hotline desk, two departments of 锦江区 with their
staff, and a citizen. Built with factories for people and the core services' shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from tongban.core.models import Department, StaffRole
from tongban.core.workdays import CHINA_TZ
from tongban.testing.factories import DepartmentFactory, StaffMembershipFactory, UserFactory


@dataclass
class World:
    regions: dict[str, Any]
    approval: Department
    market: Department
    yuzhong: Department
    desk: Any
    other_desk: Any
    approval_staff: Any
    market_staff: Any
    supervisor: Any
    citizen: Any
    other_citizen: Any


@pytest.fixture
def june_2026(time_machine):
    """A Monday with plenty of known working days after it (the package stops at 2026)."""
    time_machine.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=CHINA_TZ), tick=False)


@pytest.fixture
def world(regions) -> World:
    jj, yz, cd = regions["jinjiang"], regions["yuzhong"], regions["chengdu"]
    approval = DepartmentFactory(region=jj, name="成都市锦江区行政审批局")
    market = DepartmentFactory(region=jj, name="成都市锦江区市场监督管理局")
    yuzhong = DepartmentFactory(region=yz, name="重庆市渝中区民政局")

    def staff(role: str, region: Any, department: Any = None, name: str = "") -> Any:
        m = StaffMembershipFactory(
            role=role,
            region=region,
            department=department,
            user=UserFactory(kind="staff", real_name=name or "工作人员"),
        )
        return m.user

    return World(
        regions=regions,
        approval=approval,
        market=market,
        yuzhong=yuzhong,
        desk=staff(StaffRole.HOTLINE_OPERATOR, cd, name="吴倩"),
        other_desk=staff(StaffRole.HOTLINE_OPERATOR, yz, name="李娜"),
        approval_staff=staff(StaffRole.WINDOW_CLERK, jj, approval, "王芳"),
        market_staff=staff(StaffRole.DEPARTMENT_ADMIN, jj, market, "陈静"),
        supervisor=staff(StaffRole.DEPARTMENT_ADMIN, cd, None, "周敏"),
        citizen=UserFactory(kind="citizen", real_name="张晓燕"),
        other_citizen=UserFactory(kind="citizen", real_name="李强"),
    )
