"""Workbench pages of the sharing app."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from tongban.sharing.models import AppSecret, BulkJob, BulkStatus, Grant, SharingRequest

from .conftest import request_and_approve

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_open_for_data_officers(world, granted):
    client = _client(world.consumer_officer)
    for url in (
        "/workbench/sharing/",
        f"/workbench/sharing/resources/{world.population.code}/",
        f"/workbench/sharing/resources/{world.population.code}/request/",
        "/workbench/sharing/requests/",
        "/workbench/sharing/requests/?side=made",
        "/workbench/sharing/apps/",
        "/workbench/sharing/usage/",
        "/workbench/sharing/bulk/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "人口基本信息" in client.get("/workbench/sharing/").content.decode()


def test_other_staff_and_citizens_are_kept_out(world, regions):
    from tongban.identity.models import AccountKind, User

    citizen = User.objects.create_user(username="c", password=None, kind=AccountKind.CITIZEN)
    assert _client(citizen).get("/workbench/sharing/").status_code == 403
    assert Client().get("/workbench/sharing/").status_code == 302


def test_request_then_provider_approves_fewer_fields(world):
    consumer = _client(world.consumer_officer)
    today = timezone.localdate()
    response = consumer.post(
        f"/workbench/sharing/resources/{world.population.code}/request/",
        {
            "consumer": world.consumer.pk,
            "system_name": "锦江区社会救助系统",
            "purpose": "低保审核",
            "legal_basis": "社会救助暂行办法",
            "fields": ["name", "address"],
            "valid_from": today.isoformat(),
            "valid_until": today.replace(year=today.year + 1).isoformat(),
        },
    )
    assert response.status_code == 302
    req = SharingRequest.objects.get()
    provider = _client(world.provider_officer)
    page = provider.get(f"/workbench/sharing/requests/{req.public_id}/").content.decode()
    assert "提交答复" in page
    provider.post(
        f"/workbench/sharing/requests/{req.public_id}/",
        {"decision": "approve", "fields": ["name"], "reply": "只需要姓名"},
    )
    assert Grant.objects.get().fields == ["name"]
    # The outsider cannot see it at all.
    assert (
        _client(world.outsider).get(f"/workbench/sharing/requests/{req.public_id}/").status_code
        == 404
    )


def test_secret_is_shown_once(world):
    _req, app = request_and_approve(world)
    client = _client(world.consumer_officer)
    page = client.post(
        f"/workbench/sharing/apps/{app.public_id}/", {"action": "issue"}
    ).content.decode()
    secret = AppSecret.objects.get()
    assert "只显示这一次" in page
    start = page.index('id="new-secret">') + len('id="new-secret">')
    raw = page[start : page.index("</code>", start)]
    assert raw.endswith(secret.hint)
    assert raw not in secret.secret_hash
    again = client.get(f"/workbench/sharing/apps/{app.public_id}/").content.decode()
    assert raw not in again
    assert (
        _client(world.provider_officer).get(f"/workbench/sharing/apps/{app.public_id}/").status_code
        == 404
    )


def test_bulk_job_from_the_page_runs_and_shows_progress(world):
    request_and_approve(world)
    client = _client(world.consumer_officer)
    response = client.post(
        "/workbench/sharing/bulk/",
        {
            "resource": world.population.code,
            "consumer": world.consumer.pk,
            "format": "csv",
            "schedule": "once",
        },
    )
    assert response.status_code == 302
    job = BulkJob.objects.get()
    assert job.status == BulkStatus.VERIFIED  # the immediate task backend ran it
    page = client.get(f"/workbench/sharing/bulk/{job.public_id}/").content.decode()
    assert "5 / 5" in page
    assert job.checksum in page
    fragment = client.get(
        f"/workbench/sharing/bulk/{job.public_id}/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="bulk-progress"')


def test_provider_edits_share_and_open_attributes(world):
    url = f"/workbench/sharing/resources/{world.population.code}/"
    data = {
        "share_type": "unconditional",
        "share_condition": "",
        "open_type": "closed",
        "update_frequency": "daily",
        "legal_basis": "《居民身份证法》",
        "status": "published",
    }
    assert _client(world.consumer_officer).post(url, data).status_code == 403
    response = _client(world.provider_officer).post(url, data)
    assert response.status_code == 302
    world.population.refresh_from_db()
    assert world.population.share_type == "unconditional"
    # Personal data can never be opened: the page says why and nothing changes.
    page = _client(world.provider_officer).post(url, {**data, "open_type": "open"}, follow=True)
    assert "含个人信息的资源不能开放" in page.content.decode()
    world.population.refresh_from_db()
    assert world.population.open_type == "closed"
