"""The bulk importer streams: rows are read lazily, licenses are signed and inserted in chunks
(memory does not grow with the file), and it stays all-or-nothing."""

from __future__ import annotations

import tracemalloc

import pytest
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.identifiers import citizen_id_with_check
from tongban.licenses import importer, services
from tongban.licenses.models import License, LicenseCounter
from tongban.licenses.tests.conftest import CITIZEN_ID
from tongban.licenses.verification import check_license

HEADER = "持证主体名称,持证主体代码,证照编号,颁发日期,配偶姓名,登记日期\n"


def _csv(rows: int, *, start: int = 0) -> bytes:
    lines = [HEADER]
    for n in range(start, start + rows):
        birth = f"{1990 + n % 15}{1 + n % 12:02d}{1 + n % 28:02d}"
        holder = citizen_id_with_check(f"510104{birth}{n % 1000:03d}")
        lines.append(f"张{n},{holder},J{n:07d},2020-05-20,王{n},2020-05-20\n")
    return "".join(lines).encode()


def _submit(world, data: bytes, filename: str = "registry.csv"):
    job = services.license_import_submit(
        actor=None, license_type=world.license_type, issuer=world.body, filename=filename, data=data
    )
    return services.license_import_run(job_id=job.pk)


def test_iter_table_is_lazy_and_detects_gb18030():
    rows = importer.iter_table("a.csv", ("名称,代码\n" + "张三,1\n" * 5).encode("gb18030"))
    assert next(rows) == ["名称", "代码"]
    assert next(rows) == ["张三", "1"]
    assert importer.read_table("b.csv", "\ufeff名称\n".encode()) == [["名称"]]
    with pytest.raises(Exception, match="编码"):
        importer.iter_table("c.csv", b"\xff\xfe\xfd\x80\x81")


def test_chunked_import_signs_every_row(world, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 7)
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 5)
    job = _submit(world, _csv(23))
    assert job.status == "succeeded", job.errors
    assert (job.created_count, job.total_rows, job.processed_rows) == (23, 23, 23)
    licenses = list(License.objects.order_by("serial"))
    assert len(licenses) == 23
    assert len({lic.serial for lic in licenses}) == 23
    assert [lic.number for lic in licenses[:2]] == ["J0000000", "J0000001"]
    assert all(check_license(lic, at=timezone.now())[0] for lic in licenses[::5])


def test_failure_while_inserting_rolls_back_everything(world, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 5)
    calls = {"n": 0}
    real = License.objects.bulk_create

    def flaky(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(License.objects, "bulk_create", flaky)
    audits = AuditEntry.objects.filter(action="licenses.import.complete").count()
    with pytest.raises(RuntimeError):
        _submit(world, _csv(14))
    assert not License.objects.exists()
    assert AuditEntry.objects.filter(action="licenses.import.complete").count() == audits
    job = (
        world.license_type.importjob_set.get()
        if hasattr(world.license_type, "importjob_set")
        else None
    )
    if job is not None:
        assert job.status == "failed"


def test_bad_row_late_in_file_writes_nothing(world):
    data = _csv(30) + f"李四,{CITIZEN_ID},J9,2020-13-40,王,2020-05-20\n".encode()
    job = _submit(world, data)
    assert job.status == "failed"
    assert job.errors[0]["row"] == 32
    assert "颁发日期" in job.errors[0]["field"]
    assert not License.objects.exists()
    assert not LicenseCounter.objects.exists()  # no serials reserved for a rejected file


def test_memory_does_not_grow_with_rows(world, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 20)

    def peak(rows: int, start: int) -> int:
        data = _csv(rows, start=start)
        tracemalloc.start()
        try:
            job = _submit(world, data)
            _size, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert job.status == "succeeded", job.errors
        return top

    small = peak(60, 0)
    large = peak(240, 10_000)
    # 4× the rows: the peak grows by the file itself (kept in the job), not by the licenses.
    assert large < small * 1.6, (small, large)
