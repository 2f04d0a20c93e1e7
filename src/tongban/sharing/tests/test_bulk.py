"""Bulk exchange: streamed export, interruption and resume, SM3 and row counts on arrival."""

from __future__ import annotations

import csv
import json

import pytest

from tongban.sharing import bulk, services
from tongban.sharing.models import BulkStatus, ExchangeLog

from .conftest import request_and_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world):
    rows = (
        {
            "id_number": f"51010419900101{i:04d}",
            "name": f"王{i}",
            "birth_date": "1990-01-01",
            "address": f"锦江区书院街{i}号, 2单元\n3楼",  # comma and newline must survive CSV
            "ethnicity": "汉族",
        }
        for i in range(250)
    )
    services.records_load(actor=world.provider_officer, resource=world.population, rows=rows)
    request_and_approve(world)
    return world


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_delivers_and_checks(many, fmt, monkeypatch):
    monkeypatch.setattr(bulk, "CHECKPOINT", 40)
    job = bulk.bulk_job_create(
        actor=many.consumer_officer, resource=many.population, consumer=many.consumer, format=fmt
    )
    job = bulk.bulk_job_run(job_id=job.public_id)
    assert job.status == BulkStatus.VERIFIED, job.error
    assert job.rows_done == job.total_rows == 255
    path = bulk.inbox_path(job)
    assert bulk.sm3_file(path) == job.checksum
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = list(csv.DictReader(text.splitlines(keepends=True)))
        assert list(rows[0]) == ["name", "address"]
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 255
    assert "汉族" not in text  # only granted fields
    log = ExchangeLog.objects.get(operation="bulk")
    assert log.records == 255
    assert log.bytes == path.stat().st_size


def test_interrupted_export_resumes_without_duplicates(many, monkeypatch):
    monkeypatch.setattr(bulk, "CHECKPOINT", 50)
    job = bulk.bulk_job_create(
        actor=many.consumer_officer,
        resource=many.population,
        consumer=many.consumer,
        format="jsonl",
    )
    with pytest.raises(bulk.Interrupted):
        bulk.bulk_job_run(job_id=job.public_id, stop_after=100)
    job.refresh_from_db()
    assert job.status == BulkStatus.RUNNING
    assert job.rows_done == 100
    # A half-written chunk after the checkpoint (the worker died mid-write) is cut away.
    with bulk.export_path(job).open("ab") as f:
        f.write(b'{"name":"half')
    job = bulk.bulk_job_run(job_id=job.public_id)
    assert job.status == BulkStatus.VERIFIED
    names = [json.loads(line)["name"] for line in bulk.inbox_path(job).read_text().splitlines()]
    assert len(names) == 255
    assert len(set(names)) == 255


def test_tampered_delivery_fails_the_arrival_check(many):
    job = bulk.bulk_job_create(
        actor=many.consumer_officer, resource=many.population, consumer=many.consumer, format="csv"
    )
    job = bulk.bulk_job_run(job_id=job.public_id)
    path = bulk.inbox_path(job)
    path.write_bytes(path.read_bytes()[:-30])
    job = bulk.bulk_verify_arrival(job=job)
    assert job.status == BulkStatus.FAILED
    assert "SM3" in job.error


def test_bulk_needs_a_grant(world):
    with pytest.raises(Exception) as exc:
        bulk.bulk_job_create(
            actor=world.consumer_officer,
            resource=world.population,
            consumer=world.consumer,
            format="csv",
        )
    assert "授权" in str(exc.value)


def test_command_resumes_an_interrupted_job(many, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(bulk, "CHECKPOINT", 100)
    job = bulk.bulk_job_create(
        actor=many.consumer_officer, resource=many.population, consumer=many.consumer, format="csv"
    )
    with pytest.raises(bulk.Interrupted):
        bulk.bulk_job_run(job_id=job.public_id, stop_after=100)
    out = StringIO()
    call_command("sharing", "bulk", "run", str(job.public_id), stdout=out)
    job.refresh_from_db()
    assert job.status == BulkStatus.VERIFIED
    assert job.rows_done == 255
    assert "255 行" in out.getvalue()
    out = StringIO()
    call_command("sharing", "resources", stdout=out)
    assert many.population.code in out.getvalue()


def test_command_loads_records_from_csv(world, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from tongban.sharing.models import DataRecord

    path = tmp_path / "people.csv"
    path.write_text(
        "id_number,name,birth_date,address,ethnicity\n510104199001010011,赵六,1990-01-01,锦江区,汉族\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command(
        "sharing",
        "records",
        "load",
        world.population.code,
        str(path),
        "--as",
        "police_data",
        stdout=out,
    )
    assert "已装载 1 条记录" in out.getvalue()
    assert DataRecord.objects.filter(resource=world.population).count() == 6


def test_command_imports_resources_from_json(world, tmp_path):
    import json as _json
    from io import StringIO

    from django.core.management import call_command

    from tongban.sharing.models import DataResource

    path = tmp_path / "resources.json"
    spec = {
        "code": "DR-510100-0777",
        "name": "户籍迁移信息",
        "provider": world.provider.credit_code,
        "legal_basis": "《户口登记条例》",
        "key_kind": "id_number",
        "key_field": "id_number",
        "fields": [
            ["id_number", "公民身份号码", "string", "personal"],
            ["moved_on", "迁入日期", "date", "personal"],
        ],
    }
    path.write_text(_json.dumps([spec], ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("sharing", "resources", "--import", str(path), "--as", "police_data", stdout=out)
    assert "已登记 1 个" in out.getvalue()
    resource = DataResource.objects.get(code="DR-510100-0777")
    assert list(resource.fields.values_list("name", flat=True)) == ["id_number", "moved_on"]
