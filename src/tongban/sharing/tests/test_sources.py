"""免提交: the "sharing" material source answers the cases registry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.cases.sources import Holder, MaterialNeed, material_source
from tongban.core.errors import ValidationFailed
from tongban.identity.models import AccountKind, User
from tongban.sharing import selectors, services
from tongban.sharing.models import ExchangeLog, MaterialConsent, ShareType
from tongban.sharing.sources import PLATFORM_SYSTEM_NAME

pytestmark = pytest.mark.django_db


def _applicant(world, i: int = 0) -> tuple[User, Holder]:
    person = world.people[i]
    user = User.objects.create_user(
        username=f"applicant{i}",
        password=None,
        kind=AccountKind.CITIZEN,
        real_name=person["name"],
        id_number=person["id_number"],
    )
    return user, Holder(
        user_id=user.pk,
        holder_kind="person",
        holder_key=person["id_number"],
        holder_name=person["name"],
    )


NEED = MaterialNeed(code="M01", name="户口簿", data_resource_code="DR-510100-0001")


def _grant_platform(world):
    today = timezone.localdate()
    req = services.request_submit(
        actor=world.consumer_officer,
        resource=world.population,
        consumer=world.consumer,
        system_name=PLATFORM_SYSTEM_NAME,
        purpose="办件材料免提交",
        legal_basis="政务数据共享条例",
        fields=["name", "address"],
        valid_from=today,
        valid_until=today + timedelta(days=30),
    )
    services.request_decide(actor=world.provider_officer, request=req, decision="approve")


def test_registered_as_sharing():
    assert material_source("sharing") is not None


def test_no_offer_without_platform_grant_for_conditional_resource(world):
    _user, holder = _applicant(world)
    assert material_source("sharing").offers(holder=holder, need=NEED) == []


def test_offer_authorize_and_reviewer_evidence(world):
    _grant_platform(world)
    user, holder = _applicant(world)
    source = material_source("sharing")
    offers = source.offers(holder=holder, need=NEED)
    assert len(offers) == 1
    assert offers[0].issuer == "成都市公安局"
    evidence = source.authorize(
        holder=holder,
        need=NEED,
        reference=offers[0].reference,
        case_number="C-001",
        purpose="低保申请",
    )
    assert MaterialConsent.objects.get().case_number == "C-001"
    assert evidence.content == {
        "姓名": world.people[0]["name"],
        "户籍地址": world.people[0]["address"],
    }
    reviewer = world.provider_officer
    shown = source.evidence_for_reviewer(
        reviewer=reviewer, evidence=evidence, case_number="C-001", purpose="审核"
    )
    assert shown.label.startswith("取自成都市公安局，")
    assert shown.content == evidence.content
    # Both reads are on the applicant's right-to-know page.
    mine = selectors.logs_about_me(user)
    assert len(mine) == 2
    assert {log.operation for log in mine} == {"material"}
    assert ExchangeLog.objects.filter(reason="C-001").count() == 2


def test_no_offer_for_someone_without_a_record(world):
    services.resource_update(
        actor=world.provider_officer, resource=world.population, share_type=ShareType.UNCONDITIONAL
    )
    holder = Holder(
        user_id=1, holder_kind="person", holder_key="110105199001019999", holder_name="x"
    )
    assert material_source("sharing").offers(holder=holder, need=NEED) == []
    with pytest.raises(ValidationFailed):
        material_source("sharing").authorize(
            holder=holder,
            need=NEED,
            reference=NEED.data_resource_code,
            case_number="C",
            purpose="p",
        )
    assert not MaterialConsent.objects.exists()
    assert not ExchangeLog.objects.exists()


def test_unconditional_resource_never_releases_sensitive_fields(world):
    services.resource_update(
        actor=world.provider_officer, resource=world.population, share_type=ShareType.UNCONDITIONAL
    )
    _user, holder = _applicant(world, 1)
    evidence = material_source("sharing").authorize(
        holder=holder, need=NEED, reference=NEED.data_resource_code, case_number="C-2", purpose="p"
    )
    assert "民族" not in evidence.content
    assert evidence.content["姓名"] == world.people[1]["name"]
