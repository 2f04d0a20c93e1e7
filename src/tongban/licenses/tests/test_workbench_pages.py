from __future__ import annotations

import pytest

from tongban.licenses.models import ImportJob, License, LicenseStatus
from tongban.licenses.tests.conftest import CITIZEN_ID, issue_marriage


@pytest.fixture
def reviewer_client(client, world):
    client.force_login(world.reviewer)
    return client


def test_list_detail_and_scope(world, reviewer_client, client):
    lic = issue_marriage(world)
    page = reviewer_client.get("/workbench/licenses/").content.decode()
    assert lic.identifier in page
    assert reviewer_client.get(f"/workbench/licenses/{lic.public_id}/").status_code == 200
    assert (
        reviewer_client.get("/workbench/licenses/", {"q": CITIZEN_ID})
        .content.decode()
        .count(lic.identifier)
        == 1
    )
    client.force_login(world.clerk_other)
    assert client.get(f"/workbench/licenses/{lic.public_id}/").status_code == 404
    assert lic.identifier not in client.get("/workbench/licenses/").content.decode()


def test_issue_form_and_revoke(world, reviewer_client):
    response = reviewer_client.post(
        "/workbench/licenses/issue/",
        {
            "type": "CN-LIC-MARRIAGE-CERT",
            "body": str(world.body.public_id),
            "holder_name": "张晓燕",
            "holder_key": CITIZEN_ID,
            "f_spouse_name": "王强",
            "f_registered_on": "2020-05-20",
        },
    )
    assert response.status_code == 302
    lic = License.objects.get()
    response = reviewer_client.post(
        f"/workbench/licenses/{lic.public_id}/", {"action": "revoke", "reason": "登记错误"}
    )
    assert response.status_code == 302
    lic.refresh_from_db()
    assert lic.status == LicenseStatus.REVOKED


def test_issue_form_error_writes_nothing(world, reviewer_client):
    page = reviewer_client.post(
        "/workbench/licenses/issue/",
        {
            "type": "CN-LIC-MARRIAGE-CERT",
            "body": str(world.body.public_id),
            "holder_name": "张",
            "holder_key": "123",
        },
        follow=True,
    ).content.decode()
    assert "请填写配偶姓名" in page or "公民身份号码" in page
    assert not License.objects.exists()


def test_import_page_runs_job(world, client, django_capture_on_commit_callbacks):
    from tongban.core.models import StaffRole
    from tongban.testing.factories import StaffMembershipFactory

    admin = StaffMembershipFactory(
        role=StaffRole.DEPARTMENT_ADMIN,
        region=world.regions["jinjiang"],
        department=world.body.department,
    ).user
    client.force_login(admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = f"持证主体名称,持证主体代码,颁发日期,配偶姓名,登记日期\n张晓燕,{CITIZEN_ID},2020-05-20,王强,2020-05-20\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/workbench/licenses/import/",
            {
                "type": "CN-LIC-MARRIAGE-CERT",
                "body": str(world.body.public_id),
                "file": SimpleUploadedFile("a.csv", data),
            },
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert job.filename in page
    assert job.status == "succeeded"
    assert job.created_count == 1
    assert client.get("/workbench/licenses/trust/").status_code == 200
    assert client.get("/workbench/licenses/types/").status_code == 200
    assert (
        client.get(
            "/workbench/licenses/import/template/", {"type": "CN-LIC-MARRIAGE-CERT"}
        ).status_code
        == 200
    )


def test_trust_page_rotates_a_key_in_scope_only(world, client):
    from tongban.core.models import StaffRole
    from tongban.licenses.models import IssuerKey
    from tongban.testing.factories import StaffMembershipFactory

    admin = StaffMembershipFactory(
        role=StaffRole.DEPARTMENT_ADMIN,
        region=world.regions["jinjiang"],
        department=world.body.department,
    ).user
    client.force_login(admin)
    before = IssuerKey.objects.count()
    client.post(
        "/workbench/licenses/trust/",
        {"action": "rotate", "body": str(world.other_body.public_id), "algorithm": "Ed25519"},
    )
    client.post("/workbench/licenses/trust/", {"action": "rotate", "body": "not-a-uuid"})
    assert IssuerKey.objects.count() == before
    client.post(
        "/workbench/licenses/trust/",
        {"action": "rotate", "body": str(world.body.public_id), "algorithm": "Ed25519"},
    )
    assert IssuerKey.objects.count() == before + 1
