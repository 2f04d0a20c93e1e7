"""Bulk dataset exchange (批量交换) as CSV or JSON Lines.

The export streams the resource's records in id order (keyset paging, a few thousand rows in
memory at a time) into a file under TONGBAN_VAR_DIR/sharing/exports/. Every CHECKPOINT rows the
file is flushed and the job remembers (last record id, byte offset, rows): a run that is
interrupted (worker killed, machine restarted) resumes by cutting the file back to the last
checkpoint and continuing after that record, so no row is written twice or lost.

When the export is complete the file is delivered to the consumer's inbox
(sharing/inbox/<department id>/) with a manifest (rows, SM3, fields), and checked on arrival:
the SM3 digest and the row count of the delivered file must equal the manifest's, or the job
fails and says why.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import Conflict, NotFound, ValidationFailed
from tongban.core.models import Department
from tongban.sharing.models import (
    BulkFormat,
    BulkJob,
    BulkSchedule,
    BulkStatus,
    CallResult,
    DataRecord,
    DataResource,
    Grant,
    OpenType,
    Operation,
)
from tongban.sharing.permissions import covers_department
from tongban.sharing.services import iter_rows, log_system_read

CHECKPOINT = 10_000
HASH_BLOCK = 1024 * 1024


class Interrupted(Exception):
    """Raised by the `stop_after` test hook to simulate a worker that dies mid-export."""


def _root() -> Path:
    return Path(settings.VAR_DIR) / "sharing"


def export_path(job: BulkJob) -> Path:
    return _root() / "exports" / f"{job.public_id}.{job.format}"


def inbox_path(job: BulkJob) -> Path:
    return (
        _root()
        / "inbox"
        / str(job.consumer_id)
        / f"{job.resource.code}-{job.public_id}.{job.format}"
    )


def sm3_file(path: Path) -> str:
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    with path.open("rb") as f:
        while block := f.read(HASH_BLOCK):
            digest.update(block)
    return digest.finalize().hex()


def count_rows(path: Path, fmt: str) -> int:
    """Data rows of a delivered file, parsed (a CSV value may hold a newline)."""
    with path.open("r", encoding="utf-8", newline="") as f:
        if fmt == BulkFormat.CSV:
            reader = csv.reader(f)
            next(reader, None)  # header
            return sum(1 for _row in reader)
        return sum(1 for line in f if line.strip())


def _grant_for(resource: DataResource, consumer: Department) -> Grant | None:
    today = timezone.localdate()
    return (
        Grant.objects.filter(
            resource=resource,
            app__department=consumer,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .first()
    )


@transaction.atomic
def bulk_job_create(
    *,
    actor: Any,
    resource: DataResource,
    consumer: Department,
    format: str,
    schedule: str = BulkSchedule.ONCE,
) -> BulkJob:
    """A dataset exchange to `consumer`: it needs an active grant of the consumer (fields as
    granted), unless the resource is open data (all fields)."""
    if not (covers_department(actor, resource.provider) or covers_department(actor, consumer)):
        raise NotFound()
    if format not in BulkFormat.values:
        raise ValidationFailed(_("格式只能是 CSV 或 JSON Lines。"))
    if schedule not in BulkSchedule.values:
        raise ValidationFailed(_("请选择一次性、每日或每周。"))
    grant = _grant_for(resource, consumer)
    if grant is not None:
        fields = list(grant.fields)
    elif resource.open_type == OpenType.OPEN:
        fields = list(resource.fields.values_list("name", flat=True))
    else:
        raise ValidationFailed(_("接收部门没有该资源的有效共享授权，请先提交共享申请并获得同意。"))
    job = BulkJob.objects.create(
        resource=resource,
        grant=grant,
        consumer=consumer,
        format=format,
        schedule=schedule,
        fields=fields,
        created_by=actor,
    )
    job.file_name = export_path(job).name
    job.save(update_fields=["file_name"])
    audit_record(
        actor=actor,
        action="sharing.bulk.create",
        obj=job,
        summary={
            "resource": resource.code,
            "consumer": consumer.pk,
            "format": format,
            "fields": fields,
            "schedule": schedule,
        },
    )
    return job


def bulk_job_start(job: BulkJob) -> None:
    """Queue the export (django.tasks; the database backend's worker runs it)."""
    from tongban.sharing.tasks import run_bulk_job

    run_bulk_job.enqueue(str(job.public_id))


def _encode(job: BulkJob, rows: list[dict[str, Any]]) -> bytes:
    if job.format == BulkFormat.CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for row in rows:
            writer.writerow(["" if row[f] is None else row[f] for f in job.fields])
        return buf.getvalue().encode()
    return "".join(
        json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        for row in rows
    ).encode()


def _header(job: BulkJob) -> bytes:
    if job.format != BulkFormat.CSV:
        return b""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(job.fields)
    return buf.getvalue().encode()


def _save(job: BulkJob, **changes: Any) -> None:
    for key, value in changes.items():
        setattr(job, key, value)
    BulkJob.objects.filter(pk=job.pk).update(**changes, updated_at=timezone.now())


def bulk_job_run(
    *,
    job_id: Any,
    stop_after: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkJob:
    """Export (or resume), deliver, and check on arrival. `stop_after` (rows) is a test hook
    that interrupts the export after a checkpoint, as a killed worker would."""
    job = (
        BulkJob.objects.select_related("resource__provider", "consumer")
        .filter(public_id=job_id)
        .first()
    )
    if job is None:
        raise NotFound()
    if job.status in (BulkStatus.VERIFIED, BulkStatus.DELIVERED):
        raise Conflict(_("该任务已经完成。"))
    path = export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = job.last_record_id == 0 or not path.exists()
    if fresh:
        _save(
            job,
            status=BulkStatus.RUNNING,
            started_at=timezone.now(),
            total_rows=DataRecord.objects.filter(resource=job.resource).count(),
            rows_done=0,
            last_record_id=0,
            checkpoint_offset=0,
            error="",
        )
        with path.open("wb") as f:
            f.write(_header(job))
        _save(job, checkpoint_offset=path.stat().st_size)
    else:
        _save(job, status=BulkStatus.RUNNING, error="")
    with path.open("r+b") as f:
        f.truncate(job.checkpoint_offset)  # drop anything written after the last checkpoint
        f.seek(job.checkpoint_offset)
        pending: list[dict[str, Any]] = []
        last_id = job.last_record_id
        rows_done = job.rows_done
        for record_id, row in iter_rows(job.resource, fields=job.fields, after_id=last_id):
            pending.append(row)
            last_id = record_id
            if len(pending) >= CHECKPOINT:
                f.write(_encode(job, pending))
                f.flush()
                rows_done += len(pending)
                pending.clear()
                _save(job, rows_done=rows_done, last_record_id=last_id, checkpoint_offset=f.tell())
                if progress is not None:
                    progress(rows_done, job.total_rows)
                if stop_after is not None and rows_done >= stop_after:
                    raise Interrupted(f"stopped after {rows_done} rows")
        if pending:
            f.write(_encode(job, pending))
            f.flush()
            rows_done += len(pending)
            _save(job, rows_done=rows_done, last_record_id=last_id, checkpoint_offset=f.tell())
    checksum = sm3_file(path)
    _save(job, checksum=checksum, total_rows=max(job.total_rows, rows_done))
    _deliver(job, path)
    return bulk_verify_arrival(job=job)


def _deliver(job: BulkJob, path: Path) -> None:
    target = inbox_path(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    manifest = {
        "resource": job.resource.code,
        "format": job.format,
        "fields": job.fields,
        "rows": job.rows_done,
        "sm3": job.checksum,
        "bytes": path.stat().st_size,
        "exported_at": timezone.now().isoformat(),
    }
    target.with_suffix(target.suffix + ".manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    _save(job, status=BulkStatus.DELIVERED, finished_at=timezone.now())


def bulk_verify_arrival(*, job: BulkJob) -> BulkJob:
    """Check the delivered file against its manifest: SM3 digest and row count."""
    target = inbox_path(job)
    manifest_path = target.with_suffix(target.suffix + ".manifest.json")
    problems: list[str] = []
    if not target.exists() or not manifest_path.exists():
        problems.append(_("接收目录中没有找到文件或清单。"))
    else:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        digest = sm3_file(target)
        if digest != manifest["sm3"]:
            problems.append(_("SM3 校验值不一致：文件在传输中被改动或不完整。"))
        try:
            rows = count_rows(target, job.format)
        except (UnicodeDecodeError, csv.Error):
            rows = -1
        if rows < 0:
            problems.append(_("文件无法按所述格式解析（编码错误或内容被截断）。"))
        elif rows != manifest["rows"]:
            problems.append(
                _("行数不一致：清单 %(m)d 行，收到 %(r)d 行。") % {"m": manifest["rows"], "r": rows}
            )
    with transaction.atomic():
        if problems:
            _save(job, status=BulkStatus.FAILED, error="；".join(problems)[:500])
        else:
            next_run = None
            if job.schedule == BulkSchedule.DAILY:
                next_run = timezone.now() + timedelta(days=1)
            elif job.schedule == BulkSchedule.WEEKLY:
                next_run = timezone.now() + timedelta(days=7)
            _save(job, status=BulkStatus.VERIFIED, verified_at=timezone.now(), next_run_at=next_run)
        log_system_read(
            actor=None,
            consumer=job.consumer,
            consumer_label=job.consumer.name,
            resource=job.resource,
            operation=Operation.BULK,
            purpose=job.grant.purpose if job.grant_id else _("开放数据"),
            reason=f"bulk:{job.public_id}",
            fields=job.fields,
            result=CallResult.OK if not problems else CallResult.REFUSED,
            records=job.rows_done,
            nbytes=target.stat().st_size if target.exists() else 0,
        )
        audit_record(
            actor=None,
            action="sharing.bulk.verify",
            obj=job,
            summary={"rows": job.rows_done, "sm3": job.checksum, "ok": not problems},
        )
    return job


@transaction.atomic
def bulk_job_rerun(*, actor: Any, job: BulkJob) -> BulkJob:
    """A failed job starts over; a scheduled one makes its next run."""
    if not (
        covers_department(actor, job.resource.provider) or covers_department(actor, job.consumer)
    ):
        raise NotFound()
    if job.status == BulkStatus.RUNNING:
        raise Conflict(_("任务正在运行；如进程已中断，请使用“继续”。"))
    _save(
        job,
        status=BulkStatus.QUEUED,
        rows_done=0,
        last_record_id=0,
        checkpoint_offset=0,
        checksum="",
        error="",
        verified_at=None,
    )
    audit_record(actor=actor, action="sharing.bulk.rerun", obj=job, summary={})
    return job


def due_scheduled_jobs() -> list[BulkJob]:
    return list(
        BulkJob.objects.filter(
            status=BulkStatus.VERIFIED, next_run_at__isnull=False, next_run_at__lte=timezone.now()
        )
    )


@transaction.atomic
def bulk_job_rerun_system(*, job: BulkJob) -> BulkJob:
    """The scheduler's rerun of a verified periodic job (no staff actor)."""
    _save(
        job,
        status=BulkStatus.QUEUED,
        rows_done=0,
        last_record_id=0,
        checkpoint_offset=0,
        checksum="",
        error="",
        verified_at=None,
        next_run_at=None,
    )
    audit_record(actor=None, action="sharing.bulk.schedule", obj=job, summary={})
    return job
