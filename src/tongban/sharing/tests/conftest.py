"""Fixtures of the sharing tests: a provider (公安) and a consumer (民政) department with their
data officers, the population resource with a few records, and a granted consumer app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from tongban.core.models import Department, StaffRole
from tongban.core.services.organizations import staff_membership_grant
from tongban.identity.models import AccountKind, User
from tongban.sharing import services
from tongban.sharing.models import (
    BaseRegistry,
    ConsumerApp,
    DataResource,
    KeyKind,
    Sensitivity,
    ShareType,
)
from tongban.sharing.services import FieldSpec
from tongban.testing.identity import id_number


@dataclass
class World:
    provider: Department
    consumer: Department
    provider_officer: User
    consumer_officer: User
    outsider: User
    population: DataResource
    people: list[dict[str, Any]]


def officer(username: str, department: Department) -> User:
    user = User.objects.create_user(
        username=username, password=None, kind=AccountKind.STAFF, real_name="数据专员"
    )
    staff_membership_grant(
        actor=None,
        user=user,
        role=StaffRole.DATA_OFFICER,
        region=department.region,
        department=department,
    )
    return user


POPULATION_FIELDS = [
    FieldSpec("id_number", "公民身份号码", sensitivity=Sensitivity.PERSONAL),
    FieldSpec("name", "姓名", sensitivity=Sensitivity.PERSONAL),
    FieldSpec("birth_date", "出生日期", "date", Sensitivity.PERSONAL),
    FieldSpec("address", "户籍地址", sensitivity=Sensitivity.PERSONAL),
    FieldSpec("ethnicity", "民族", sensitivity=Sensitivity.SENSITIVE),
]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(regions, settings, tmp_path) -> World:
    settings.VAR_DIR = tmp_path
    provider = Department.objects.create(
        region=regions["chengdu"], name="成都市公安局", credit_code="11510100MB0000001A"
    )
    consumer = Department.objects.create(
        region=regions["jinjiang"], name="成都市锦江区民政局", credit_code="11510104MB0000002B"
    )
    other = Department.objects.create(
        region=regions["qingyang"], name="成都市青羊区民政局", credit_code="11510105MB0000003C"
    )
    p_off = officer("police_data", provider)
    c_off = officer("civil_data", consumer)
    outsider = officer("qy_data", other)
    population = services.resource_create(
        actor=p_off,
        provider=provider,
        code="DR-510100-0001",
        name="人口基本信息",
        legal_basis="《中华人民共和国居民身份证法》",
        fields=POPULATION_FIELDS,
        category="base",
        base_registry=BaseRegistry.POPULATION,
        share_type=ShareType.CONDITIONAL,
        key_kind=KeyKind.ID_NUMBER,
        key_field="id_number",
        summary="成都市户籍人口基本信息。",
    )
    people = [
        {
            "id_number": id_number(i),
            "name": f"张{'一二三四五'[i]}",
            "birth_date": "1990-01-01",
            "address": f"成都市锦江区春熙路{i}号",
            "ethnicity": "汉族",
        }
        for i in range(5)
    ]
    services.records_load(actor=p_off, resource=population, rows=people)
    return World(provider, consumer, p_off, c_off, outsider, population, people)


def request_and_approve(
    world: World, *, fields: list[str] | None = None, approve: list[str] | None = None
) -> tuple[Any, ConsumerApp]:
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name="锦江区社会救助系统",
        purpose="最低生活保障审核：核对申请人户籍",
        legal_basis="《社会救助暂行办法》第十一条",
        fields=fields or ["name", "address"],
        valid_from=today,
        valid_until=today + timedelta(days=365),
    )
    services.request_decide(
        actor=world.provider_officer,
        request=req,
        decision="approve",
        fields=approve,
        reply="同意",
    )
    req.refresh_from_db()
    return req, req.app


@pytest.fixture
def granted(world) -> tuple[ConsumerApp, str]:
    """An app granted name+address of the population resource, with a fresh secret."""
    _req, app = request_and_approve(world)
    _secret, raw = services.app_secret_issue(actor=world.consumer_officer, app=app)
    return app, raw
