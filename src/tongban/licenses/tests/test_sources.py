from __future__ import annotations

import pytest

from tongban.cases.sources import Holder, MaterialNeed, material_source
from tongban.core.errors import Conflict, NotFound, ValidationFailed
from tongban.licenses import services
from tongban.licenses.models import UseAccess, UseGrant
from tongban.licenses.tests.conftest import CITIZEN_ID, OTHER_ID, issue_marriage

NEED = MaterialNeed(code="M02", name="结婚证", license_type_code="CN-LIC-MARRIAGE-CERT")


def _holder(world, key=CITIZEN_ID):
    return Holder(
        user_id=world.citizen.pk, holder_kind="person", holder_key=key, holder_name="张晓燕"
    )


def test_offers_only_the_holders_valid_licenses(world):
    source = material_source("license")
    lic = issue_marriage(world)
    issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    offers = source.offers(holder=_holder(world), need=NEED)
    assert [o.reference for o in offers] == [lic.identifier]
    assert "结婚证" in offers[0].label
    assert offers[0].issuer == world.body.name
    assert source.offers(holder=_holder(world), need=MaterialNeed(code="M1", name="x")) == []


def test_authorize_then_reviewer_reads_and_is_logged(world):
    source = material_source("license")
    lic = issue_marriage(world)
    evidence = source.authorize(
        holder=_holder(world),
        need=NEED,
        reference=lic.identifier,
        case_number="JJ2026000009",
        purpose="申请生育登记",
    )
    assert evidence.content["配偶姓名"] == "王强"
    seen = source.evidence_for_reviewer(
        reviewer=world.reviewer,
        evidence=evidence,
        case_number="JJ2026000009",
        purpose="审核生育登记申请材料",
    )
    assert "有效" in seen.content["核验结果"]
    access = UseAccess.objects.get()
    assert access.purpose == "审核生育登记申请材料"
    assert access.case_number == "JJ2026000009"
    assert access.identifier == lic.identifier
    assert access.accessor == world.reviewer
    grant = UseGrant.objects.get()
    assert grant.used_at is not None
    with pytest.raises(Conflict):
        services.use_grant_revoke(actor=world.citizen, grant=grant)


def test_reviewer_of_another_case_or_long_purpose_is_refused(world):
    source = material_source("license")
    lic = issue_marriage(world)
    evidence = source.authorize(
        holder=_holder(world),
        need=NEED,
        reference=lic.identifier,
        case_number="JJ2026000010",
        purpose="申请",
    )
    with pytest.raises(NotFound):
        source.evidence_for_reviewer(
            reviewer=world.reviewer, evidence=evidence, case_number="OTHER", purpose="审核"
        )
    with pytest.raises(ValidationFailed):
        source.evidence_for_reviewer(
            reviewer=world.reviewer,
            evidence=evidence,
            case_number="JJ2026000010",
            purpose="长" * 201,
        )
    assert not UseAccess.objects.exists()
    assert UseGrant.objects.get().used_at is None


def test_revoked_grant_cannot_be_read(world):
    source = material_source("license")
    lic = issue_marriage(world)
    evidence = source.authorize(
        holder=_holder(world),
        need=NEED,
        reference=lic.identifier,
        case_number="JJ2026000011",
        purpose="申请",
    )
    services.use_grant_revoke(actor=world.citizen, grant=UseGrant.objects.get())
    with pytest.raises(Conflict):
        source.evidence_for_reviewer(
            reviewer=world.reviewer, evidence=evidence, case_number="JJ2026000011", purpose="审核"
        )
    assert not UseAccess.objects.exists()


def test_cannot_authorize_someone_elses_license(world):
    source = material_source("license")
    other = issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    with pytest.raises(NotFound):
        source.authorize(
            holder=_holder(world),
            need=NEED,
            reference=other.identifier,
            case_number="JJ1",
            purpose="申请",
        )
    assert not UseGrant.objects.exists()
