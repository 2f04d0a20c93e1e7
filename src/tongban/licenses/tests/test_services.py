from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.licenses import services
from tongban.licenses.identifiers import license_identifier_parse
from tongban.licenses.models import IssuerKey, KeyStatus, License, LicenseStatus, RevocationEntry
from tongban.licenses.selectors import license_status, licenses_valid_for_holder
from tongban.licenses.tests.conftest import CITIZEN_ID, COMPANY_CODE, OTHER_ID, issue_marriage
from tongban.licenses.verification import check_license


def test_issue_signs_and_builds_identifier(world):
    lic = issue_marriage(world)
    parsed = license_identifier_parse(lic.identifier)
    assert parsed.type_code == world.license_type.national_code
    assert parsed.issuer_code == world.body.credit_code
    assert parsed.version == 1
    assert lic.status == LicenseStatus.VALID
    assert lic.holder_key == CITIZEN_ID
    assert lic.events.count() == 1
    valid, signature_valid, reason = check_license(lic, at=timezone.now())
    assert valid, reason
    assert signature_valid
    assert AuditEntry.objects.filter(action="licenses.license.issue").count() == 1


def test_any_change_to_signed_content_is_detected(world):
    lic = issue_marriage(world)
    License.objects.filter(pk=lic.pk).update(content={**lic.content, "spouse_name": "李四"})
    lic.refresh_from_db()
    from django.utils import timezone

    valid, signature_valid, reason = check_license(lic, at=timezone.now())
    assert not valid
    assert not signature_valid
    assert "篡改" in reason


def test_holder_key_is_encrypted_at_rest(world):
    lic = issue_marriage(world)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_key FROM licenses_license WHERE id = %s", [lic.pk])
        (raw,) = cursor.fetchone()
    assert CITIZEN_ID not in raw
    assert raw.startswith("sm4gcm:")


def test_issue_out_of_scope_is_refused_and_nothing_changes(world):
    before = License.objects.count()
    with pytest.raises(PermissionDenied):
        issue_marriage(world, actor=world.clerk_other)
    with pytest.raises(PermissionDenied):
        issue_marriage(world, issuer=world.other_body)
    assert License.objects.count() == before
    assert not AuditEntry.objects.filter(action="licenses.license.issue").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"holder_key": "510104199003070021"}, "holder_key"),
        ({"holder_name": " "}, "holder_name"),
        ({"content": {"registered_on": "2020-05-20"}}, "spouse_name"),
        (
            {"content": {"spouse_name": "王强", "registered_on": "2020-05-20", "colour": "红"}},
            "colour",
        ),
    ],
)
def test_issue_validation_says_what_to_fix(world, overrides, field):
    with pytest.raises(ValidationFailed) as info:
        issue_marriage(world, **overrides)
    assert field in [p.field for p in info.value.fields]
    assert License.objects.count() == 0


def test_organisation_license_validity_years(world):
    lic = services.license_issue(
        actor=world.reviewer,
        license_type=world.org_type,
        issuer=world.body,
        holder_key=COMPANY_CODE,
        holder_name="成都市锦江区志愿者协会",
        content={"legal_rep": "李建国"},
        issued_on=date(2024, 3, 1),
    )
    assert lic.valid_until == date(2029, 2, 28)


def test_renew_supersedes_and_keeps_serial(world):
    old = issue_marriage(world)
    new = services.license_renew(actor=world.reviewer, license=old, reason="证件损毁换证")
    old.refresh_from_db()
    assert old.status == LicenseStatus.SUPERSEDED
    assert new.supersedes_id == old.pk
    assert new.serial == old.serial
    assert new.version == 2
    assert license_status(old.identifier) == "superseded"
    assert license_status(new.identifier) == "valid"
    with pytest.raises(Conflict):
        services.license_renew(actor=world.reviewer, license=old)


def test_revoke_records_revocation(world):
    lic = issue_marriage(world)
    with pytest.raises(ValidationFailed):
        services.license_revoke(actor=world.reviewer, license=lic, reason="")
    assert RevocationEntry.objects.count() == 0
    services.license_revoke(actor=world.reviewer, license=lic, reason="登记错误，依法撤销")
    assert license_status(lic.identifier) == "revoked"
    assert RevocationEntry.objects.filter(identifier=lic.identifier).exists()
    with pytest.raises(Conflict):
        services.license_revoke(actor=world.reviewer, license=lic, reason="再次撤销")


def test_expire_sweep_and_selectors(world):
    lic = issue_marriage(world, valid_until=timezone.localdate() + timedelta(days=1))
    assert licenses_valid_for_holder(
        license_type_code="CN-LIC-MARRIAGE-CERT", holder_key=CITIZEN_ID
    ) == [lic]
    assert (
        licenses_valid_for_holder(license_type_code="CN-LIC-MARRIAGE-CERT", holder_key=OTHER_ID)
        == []
    )
    assert services.licenses_expire(today=timezone.localdate() + timedelta(days=3)) == 1
    lic.refresh_from_db()
    assert lic.status == LicenseStatus.EXPIRED
    assert (
        licenses_valid_for_holder(license_type_code="CN-LIC-MARRIAGE-CERT", holder_key=CITIZEN_ID)
        == []
    )
    assert license_status("1.2.156.3005.2.nothing") is None


def test_rotation_keeps_old_licenses_verifiable(world):
    from django.utils import timezone

    old = issue_marriage(world)
    new_key = services.issuer_key_generate(actor=None, body=world.body, algorithm="SM2-SM3")
    assert IssuerKey.objects.get(kid=old.kid).status == KeyStatus.RETIRED
    newer = issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    assert newer.kid == new_key.kid
    assert newer.algorithm == "SM2-SM3"
    assert check_license(old, at=timezone.now())[0]
    assert check_license(newer, at=timezone.now())[0]


def test_private_key_encrypted_at_rest(world):
    from django.db import connection

    key = IssuerKey.objects.filter(body=world.body).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_pem FROM licenses_issuerkey WHERE id = %s", [key.pk])
        (raw,) = cursor.fetchone()
    assert "PRIVATE KEY" not in raw
    assert raw.startswith("sm4gcm:")
    assert "PRIVATE KEY" in key.private_pem


def test_issue_for_case_is_idempotent(world):
    from tongban.cases.sources import CaseResult, Holder, result_issuer

    issuer = result_issuer("license")
    result = CaseResult(
        case_number="JJ2026000123",
        item_code="X",
        license_type_code="CN-LIC-MARRIAGE-CERT",
        implementing_body_id=world.body.pk,
        holder=Holder(
            user_id=world.citizen.pk,
            holder_kind="person",
            holder_key=CITIZEN_ID,
            holder_name="张晓燕",
        ),
        form_data={"spouse_name": "王强", "registered_on": "2026-11-20", "other": "x"},
        decided_at="2026-11-20T10:00:00+08:00",
    )
    first = issuer.issue_for_case(result=result)
    again = issuer.issue_for_case(result=result)
    assert first.reference == again.reference
    lic = License.objects.get(identifier=first.reference)
    assert lic.case_number == "JJ2026000123"
    assert lic.content == {
        "spouse_name": "王强",
        "registered_on": "2026-11-20",
    }
    assert base64.b64decode(lic.signature)
