from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.core.errors import Conflict, ValidationFailed
from tongban.licenses import services
from tongban.licenses.crypto.qr import qr_payload_decode, qr_payload_encode
from tongban.licenses.models import IssuerKey, TrustedKey, TrustedPlatform
from tongban.licenses.tests.conftest import issue_marriage
from tongban.licenses.verification import verify_text


def test_offline_qr_roundtrip_with_selective_disclosure(world):
    lic = issue_marriage(world)
    result = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name", "spouse_name"]
    )
    assert result.qr_text.startswith("TB1:")
    verdict = verify_text(result.qr_text)
    assert verdict.valid, verdict.reason
    assert verdict.signature_valid
    assert verdict.issuer == world.body.name
    disclosed = verdict.claims["license"]["f"]
    assert disclosed == {"持证主体": "张晓燕", "配偶姓名": "王强"}
    assert "结婚证字号" not in json.dumps(verdict.claims, ensure_ascii=False)


def test_offline_qr_tampered_payload_fails(world):
    lic = issue_marriage(world)
    text = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    _prefix, cose = qr_payload_decode(text)
    tampered = cose.replace("张晓燕".encode(), "张晓明".encode())
    assert tampered != cose
    verdict = verify_text(qr_payload_encode(tampered))
    assert not verdict.valid
    assert not verdict.signature_valid
    assert "签名验证失败" in verdict.reason


def test_offline_qr_expiry_and_revocation(world):
    lic = issue_marriage(world)
    text = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"], days=1
    ).qr_text
    later = verify_text(text, at=timezone.now() + timedelta(days=2))
    assert not later.valid
    assert later.signature_valid
    assert "过期" in later.reason
    services.license_revoke(actor=world.reviewer, license=lic, reason="依法撤销")
    verdict = verify_text(text)
    assert not verdict.valid
    assert "撤销" in verdict.reason


def test_offline_qr_from_untrusted_issuer(world):
    lic = issue_marriage(world)
    text = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    IssuerKey.objects.filter(body=world.body).update(kid="0000000000000000")
    verdict = verify_text(text)
    assert not verdict.valid
    assert "信任列表" in verdict.reason


def test_online_presentation_token_expires(world):
    lic = issue_marriage(world)
    result = services.presentation_create(
        actor=world.citizen, license=lic, fields=["holder_name"], minutes=5
    )
    assert result.qr_text.startswith("TBT:")
    verdict = verify_text(result.qr_text)
    assert verdict.valid, verdict.reason
    assert verdict.claims["disclosed"] == {"持证主体": "张晓燕"}
    assert "配偶姓名" not in json.dumps(verdict.claims, ensure_ascii=False)
    expired = verify_text(result.qr_text, at=timezone.now() + timedelta(minutes=6))
    assert not expired.valid
    assert "失效" in expired.reason
    assert not verify_text("TBT:not-a-token").valid
    url = f"https://gov.example.cn/licenses/verify/?code={result.qr_text}"
    assert verify_text(url).valid


def test_presentation_rules(world):
    lic = issue_marriage(world)
    from tongban.core.errors import NotFound
    from tongban.licenses.models import Presentation

    with pytest.raises(NotFound):
        services.presentation_create(actor=world.reviewer, license=lic, fields=["holder_name"])
    with pytest.raises(NotFound):
        services.offline_qr_create(actor=world.reviewer, license=lic, fields=["holder_name"])
    assert not Presentation.objects.exists()
    with pytest.raises(ValidationFailed):
        services.presentation_create(actor=world.citizen, license=lic, fields=["password"])
    with pytest.raises(ValidationFailed):
        services.presentation_create(actor=world.citizen, license=lic, fields=[], minutes=120)
    services.license_revoke(actor=world.reviewer, license=lic, reason="依法撤销")
    with pytest.raises(Conflict):
        services.offline_qr_create(actor=world.citizen, license=lic, fields=["holder_name"])


def test_identifier_lookup_shows_no_personal_data(world):
    lic = issue_marriage(world)
    verdict = verify_text(lic.identifier)
    assert verdict.valid
    assert verdict.claims["holder_name"] == "张**"
    broken = lic.identifier[:-1] + ("0" if lic.identifier[-1] != "0" else "1")
    assert not verify_text(broken).valid
    assert "无法识别" in verify_text("hello").reason


def test_trust_list_export_import_between_platforms(world, settings):
    lic = issue_marriage(world)
    qr = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    document = services.trust_list_export()
    # Pretend to be another platform: our own keys vanish, the imported list brings them back.
    IssuerKey.objects.filter(body__isnull=False).delete()
    assert not verify_text(qr).valid
    settings.TONGBAN_HOME_REGION = "500000"
    platform = services.trust_list_import(actor=None, document=json.dumps(document))
    assert platform.platform_id == "tongban-510000"
    assert TrustedKey.objects.filter(issuer__platform=platform).count() == 2
    verdict = verify_text(qr)
    assert verdict.valid, verdict.reason
    with pytest.raises(Conflict):
        services.trust_list_import(actor=None, document=document)


def test_trust_list_tampered_is_refused(world, settings):
    document = services.trust_list_export()
    document["payload"]["issuers"][0]["name"] = "假冒机构"
    settings.TONGBAN_HOME_REGION = "500000"
    with pytest.raises(ValidationFailed) as info:
        services.trust_list_import(actor=None, document=document)
    assert "篡改" in info.value.message
    assert not TrustedPlatform.objects.exists()


def test_revocation_list_published_and_signed(world):
    lic = issue_marriage(world)
    services.license_revoke(actor=world.reviewer, license=lic, reason="依法撤销")
    published = services.revocation_list_publish()
    payload, _sig = services.check_signed_document(
        published.document, expected_format="tongban-revocation-list/1"
    )
    assert [e["id"] for e in payload["entries"]] == [lic.identifier]
    assert services.revocation_list_publish().sequence == published.sequence + 1


def test_revocation_list_of_another_platform_revokes_offline_qr(world, settings):
    lic = issue_marriage(world)
    qr = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    trust = services.trust_list_export()
    services.license_revoke(actor=world.reviewer, license=lic, reason="依法撤销")
    revocations = services.revocation_list_publish().document
    # Now be the other platform: it knows neither our keys nor our licenses, only the lists.
    from tongban.licenses.models import License, RevocationEntry

    IssuerKey.objects.filter(body__isnull=False).delete()
    RevocationEntry.objects.all().delete()
    License.objects.all().delete()
    settings.TONGBAN_HOME_REGION = "500000"
    services.trust_list_import(actor=None, document=trust)
    assert verify_text(qr).valid
    assert services.revocation_list_import(actor=None, document=revocations) == 1
    verdict = verify_text(qr)
    assert not verdict.valid
    assert "撤销" in verdict.reason
