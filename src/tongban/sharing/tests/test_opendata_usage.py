"""Open-data downloads are counted in the provider's usage statistics."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.audit.models import AuditEntry
from tongban.sharing import opendata, selectors, services
from tongban.sharing.models import ExchangeLog, OpenType
from tongban.sharing.services import FieldSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(world):
    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0501",
        name="成都市派出所名录",
        legal_basis="《政府信息公开条例》",
        fields=[
            FieldSpec("name", "名称", sensitivity="public"),
            FieldSpec("address", "地址", sensitivity="public"),
        ],
        open_type=OpenType.OPEN,
    )
    services.records_load(
        actor=world.provider_officer,
        resource=resource,
        rows=[{"name": f"春熙路派出所{i}", "address": f"锦江区红星路{i}号"} for i in range(25)],
    )
    return resource


def _download(client: Client, resource, fmt: str) -> bytes:
    response = client.get(f"/open-data/{resource.code}/download.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_downloads_are_counted_with_rows_and_bytes(world, stations):
    csv_body = _download(Client(), stations, "csv")
    jsonl_body = _download(Client(), stations, "jsonl")
    logs = list(ExchangeLog.objects.filter(operation="download").order_by("id"))
    assert [(log.reason, log.records, log.bytes) for log in logs] == [
        ("csv", 25, len(csv_body)),
        ("jsonl", 25, len(jsonl_body)),
    ]
    assert all(log.subject_index == "" and log.app_id is None for log in logs)
    assert AuditEntry.objects.filter(action="sharing.exchange.download").count() == 2

    (row,) = [
        r
        for r in selectors.usage_for_provider(world.provider_officer)
        if r.resource_code == stations.code
    ]
    assert (row.calls, row.downloads, row.records) == (2, 2, 50)
    assert row.bytes == len(csv_body) + len(jsonl_body)

    staff = Client()
    staff.force_login(world.provider_officer)
    page = staff.get("/workbench/sharing/usage/").content.decode()
    assert "其中开放数据下载 2 次" in page
    api = staff.get("/api/v1/sharing/usage").json()
    assert [r["downloads"] for r in api if r["resource"] == stations.code] == [2]
    # Another department's officer sees none of it.
    assert selectors.usage_for_provider(world.consumer_officer) == []


def test_refused_or_interrupted_downloads_are_not_counted(world, stations):
    client = Client()
    assert client.get(f"/open-data/{world.population.code}/download.csv").status_code == 404
    assert client.get(f"/open-data/{stations.code}/download.xml").status_code == 404
    # The client goes away after the first chunk: the server closes the stream. (Driven directly:
    # closing a test-client response closes the test's database connection on PostgreSQL.)
    stream = opendata.logged_download(stations, "csv")
    next(stream)
    stream.close()
    assert not ExchangeLog.objects.filter(operation="download").exists()
    assert not AuditEntry.objects.filter(action="sharing.exchange.download").exists()
