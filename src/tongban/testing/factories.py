"""factory_boy factories for incidental data (STYLE.md rule 18). State under test is built
through services; these only make the rows a test needs around it."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from tongban.core.models import (
    Department,
    ImplementingBody,
    Region,
    RegionLevel,
    StaffMembership,
    StaffRole,
)
from tongban.core.models.regions import SIGNIFICANT_DIGITS


def region_prefix(code: str, level: int) -> str:
    return code[: SIGNIFICANT_DIGITS[RegionLevel(level)]]


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "510000"
    name = "四川省"
    level = RegionLevel.PROVINCE
    parent = None
    prefix = factory.LazyAttribute(lambda o: region_prefix(o.code, o.level))
    full_name = factory.LazyAttribute(lambda o: o.name)
    source = "test"


def make_region_chain() -> dict[str, Region]:
    """四川省 > 成都市 > 锦江区 / 青羊区, and 重庆市 > 渝中区: enough for scope tests."""
    sc = RegionFactory(code="510000", name="四川省", level=RegionLevel.PROVINCE)
    cd = RegionFactory(
        code="510100", name="成都市", level=RegionLevel.CITY, parent=sc, full_name="四川省成都市"
    )
    jj = RegionFactory(
        code="510104",
        name="锦江区",
        level=RegionLevel.COUNTY,
        parent=cd,
        full_name="四川省成都市锦江区",
    )
    qy = RegionFactory(
        code="510105",
        name="青羊区",
        level=RegionLevel.COUNTY,
        parent=cd,
        full_name="四川省成都市青羊区",
    )
    cq = RegionFactory(code="500000", name="重庆市", level=RegionLevel.PROVINCE)
    yz = RegionFactory(
        code="500103", name="渝中区", level=RegionLevel.COUNTY, parent=cq, full_name="重庆市渝中区"
    )
    return {
        "sichuan": sc,
        "chengdu": cd,
        "jinjiang": jj,
        "qingyang": qy,
        "chongqing": cq,
        "yuzhong": yz,
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    kind = "citizen"
    password = factory.django.Password("correct-horse-battery")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"测试局{n}")
    credit_code = factory.Sequence(lambda n: f"TEST{n:014d}")


class ImplementingBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImplementingBody

    department = factory.SubFactory(DepartmentFactory)
    region = factory.SelfAttribute("department.region")
    name = factory.SelfAttribute("department.name")
    credit_code = factory.Sequence(lambda n: f"BODY{n:014d}")


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, kind="staff")
    role = StaffRole.WINDOW_CLERK
    region = factory.SubFactory(RegionFactory)
    department = None
