from __future__ import annotations

import pytest

from tongban.licenses import services
from tongban.licenses.models import UseGrant
from tongban.licenses.tests.conftest import CITIZEN_ID, OTHER_ID, issue_marriage


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def test_wallet_and_detail_show_masked_holder(world, citizen_client):
    lic = issue_marriage(world)
    page = citizen_client.get("/my/licenses/").content.decode()
    assert "结婚证" in page
    assert CITIZEN_ID not in page
    assert "成都市锦江区民政局" in page
    detail = citizen_client.get(f"/my/licenses/{lic.public_id}/").content.decode()
    assert "王强" in detail
    assert CITIZEN_ID not in detail


def test_detail_generates_qr(world, citizen_client):
    lic = issue_marriage(world)
    page = citizen_client.post(
        f"/my/licenses/{lic.public_id}/", {"fields": ["holder_name"], "mode": "offline"}
    ).content.decode()
    assert "<svg" in page
    assert "TB1:" in page


def test_other_holders_license_is_404(world, citizen_client):
    other = issue_marriage(world, holder_key=OTHER_ID, holder_name="李建国")
    assert citizen_client.get(f"/my/licenses/{other.public_id}/").status_code == 404
    assert citizen_client.get(f"/my/licenses/{other.public_id}/pdf/").status_code == 404


def test_public_verifier_page(world, client):
    lic = issue_marriage(world)
    qr = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    page = client.post("/licenses/verify/", {"code": qr}).content.decode()
    assert "核验通过" in page
    assert "张晓燕" in page
    page = client.get("/licenses/verify/", {"code": "garbage"}).content.decode()
    assert "核验未通过" in page
    assert "无法识别" in page


def test_uses_page_and_grant_revoke(world, citizen_client):
    lic = issue_marriage(world)
    grant = services.use_grant_create(
        actor=world.citizen,
        license=lic,
        holder_key=CITIZEN_ID,
        case_number="JJ2026000001",
        material_code="M01",
        material_name="结婚证",
        purpose="办理生育登记，核验婚姻状况",
    )
    page = citizen_client.get("/my/licenses/uses/").content.decode()
    assert "JJ2026000001" in page
    assert "办理生育登记" in page
    response = citizen_client.post(f"/my/licenses/uses/{grant.public_id}/revoke/")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert UseGrant.objects.count() == 1


def test_verifier_reads_an_uploaded_qr_image(world, client):
    import io

    import segno
    from django.core.files.uploadedfile import SimpleUploadedFile

    lic = issue_marriage(world)
    qr = services.offline_qr_create(
        actor=world.citizen, license=lic, fields=["holder_name"]
    ).qr_text
    buffer = io.BytesIO()
    segno.make(qr, error="m").save(buffer, kind="png", scale=4)
    upload = SimpleUploadedFile("qr.png", buffer.getvalue(), content_type="image/png")
    page = client.post("/licenses/verify/", {"code": "", "file": upload}).content.decode()
    assert "核验通过" in page
    blank = SimpleUploadedFile("x.png", b"\x89PNG not really", content_type="image/png")
    assert "没有找到二维码" in client.post("/licenses/verify/", {"file": blank}).content.decode()
