from __future__ import annotations

import io

import pypdf
import pytest

from tongban.licenses import services
from tongban.licenses.models import Presentation
from tongban.licenses.tests.conftest import OTHER_ID, issue_marriage


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def test_mine_lists_only_own_licenses_masked(world, citizen_client):
    mine = issue_marriage(world)
    issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    response = citizen_client.get("/api/v1/licenses/mine")
    assert response.status_code == 200
    body = response.json()
    assert [item["identifier"] for item in body] == [mine.identifier]
    assert body[0]["holder_key_masked"].startswith("5101")
    assert "*" in body[0]["holder_key_masked"]


def test_mine_requires_sign_in(client, world):
    assert client.get("/api/v1/licenses/mine").status_code == 401


def test_someone_elses_license_is_not_found(world, citizen_client):
    other = issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    assert citizen_client.get(f"/api/v1/licenses/mine/{other.public_id}").status_code == 404
    response = citizen_client.post(
        f"/api/v1/licenses/mine/{other.public_id}/presentations",
        {"mode": "online", "fields": []},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Presentation.objects.exists()


def test_present_online_then_verify_publicly(world, citizen_client, client):
    lic = issue_marriage(world)
    response = citizen_client.post(
        f"/api/v1/licenses/mine/{lic.public_id}/presentations",
        {"mode": "online", "fields": ["holder_name"], "minutes": 3},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    qr = response.json()["qr_text"]
    assert "<svg" in response.json()["qr_svg"]
    citizen_client.logout()
    verdict = client.post(
        "/api/v1/licenses/verify", {"code": qr}, content_type="application/json"
    ).json()
    assert verdict["valid"] is True
    assert verdict["claims"]["disclosed"] == {"持证主体": "张晓燕"}


def test_present_offline_and_verify(world, citizen_client):
    lic = issue_marriage(world)
    response = citizen_client.post(
        f"/api/v1/licenses/mine/{lic.public_id}/presentations",
        {"mode": "offline", "fields": ["spouse_name"]},
        content_type="application/json",
    )
    qr = response.json()["qr_text"]
    assert qr.startswith("TB1:")
    verdict = citizen_client.post(
        "/api/v1/licenses/verify", {"code": qr}, content_type="application/json"
    ).json()
    assert verdict["valid"] is True
    assert verdict["claims"]["license"]["f"] == {"配偶姓名": "王强"}


def test_verify_says_why_in_chinese(client, db):
    verdict = client.post(
        "/api/v1/licenses/verify", {"code": "TB1:%%%"}, content_type="application/json"
    ).json()
    assert verdict["valid"] is False
    assert verdict["reason"]


def test_pdf_contains_license_and_holder_name(world, citizen_client):
    lic = issue_marriage(world)
    response = citizen_client.get(f"/api/v1/licenses/mine/{lic.public_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "结婚证" in text
    assert "张晓燕" in text


def test_public_trust_and_revocation_lists(world, client):
    lic = issue_marriage(world)
    trust = client.get("/api/v1/licenses/trust-list").json()
    assert trust["payload"]["issuers"]
    assert trust["signature"]["value"]
    assert client.get("/api/v1/licenses/revocations").status_code == 404
    services.license_revoke(actor=world.reviewer, license=lic, reason="依法撤销")
    services.revocation_list_publish()
    doc = client.get("/api/v1/licenses/revocations").json()
    assert doc["payload"]["entries"][0]["id"] == lic.identifier
    assert client.get("/api/v1/licenses/types").json()[0]["code"] == "CN-LIC-MARRIAGE-CERT"


def test_enterprise_representative_sees_company_licenses(world, client):
    from django.utils import timezone

    from tongban.identity.models import LegalPerson
    from tongban.licenses.tests.conftest import COMPANY_CODE
    from tongban.testing.factories import UserFactory

    representative = UserFactory(username="rep_li", real_name="李建国", kind="enterprise")
    # Incidental: a verified legal person (identity's own flow is tested in identity).
    LegalPerson.objects.create(
        name="成都市锦江区志愿者协会",
        credit_code=COMPANY_CODE,
        representative=representative,
        verified_at=timezone.now(),
    )
    lic = services.license_issue(
        actor=world.reviewer,
        license_type=world.org_type,
        issuer=world.body,
        holder_key=COMPANY_CODE,
        holder_name="成都市锦江区志愿者协会",
        content={"legal_rep": "李建国"},
    )
    client.force_login(representative)
    body = client.get("/api/v1/licenses/mine").json()
    assert [item["identifier"] for item in body] == [lic.identifier]
    client.force_login(world.citizen)
    assert client.get("/api/v1/licenses/mine").json() == []
