"""Key rotation for personal data at rest (`manage crypto rotate | reindex | status`).

Every EncryptedCharField of every installed model is found through the app registry, so a new
encrypted column is rotated without touching this module.

- rotate: re-encrypts every value whose key id is not the active (first) key of
  TONGBAN_DATA_KEYS, and recomputes its blind index. Rows are read raw (no decryption in the
  ORM, so a row under an unknown key does not stop the run), in primary-key order, one batch per
  transaction with the batch's rows locked, so a concurrent edit is neither lost nor overwritten.
  A value that cannot be decrypted is skipped and counted as failed; its key must not be dropped.
- reindex: recomputes every blind index from the decrypted value with the current
  TONGBAN_BLIND_INDEX_KEY (after that key changed; exact look-ups miss until it completes).
- status: counts of values per key id per column (SQL aggregation, no decryption).

Each rotate or reindex run writes one audit entry with its counts; runs are idempotent and can
be repeated or resumed after an interruption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, Count, ExpressionWrapper, F, Value, When
from django.db.models.functions import StrIndex, Substr

from tongban.audit.services import audit_record
from tongban.core.crypto import (
    CIPHERTEXT_PREFIX,
    DecryptionError,
    blind_index,
    decrypt_text,
    keyring,
)
from tongban.core.fields import EncryptedCharField

DEFAULT_BATCH_SIZE = 500
EMPTY = "(empty)"
NOT_ENCRYPTED = "(not encrypted)"
_MAX_FAILED_IDS = 20


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    field: EncryptedCharField

    @property
    def label(self) -> str:
        return self.field.crypto_context

    @property
    def blind_field(self) -> str | None:
        return self.field.blind_index_field


@dataclass
class ColumnResult:
    label: str
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)

    def as_summary(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "failed_ids": self.failed_ids,
        }


@dataclass
class CryptoRunReport:
    operation: str
    active_key_id: str
    columns: list[ColumnResult]

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.columns)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.columns)


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of every concrete, managed model, in a stable order."""
    found: list[EncryptedColumn] = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, EncryptedCharField):
                found.append(EncryptedColumn(model=model, field=model_field))
    return sorted(found, key=lambda c: c.label)


def _raw(column: EncryptedColumn) -> ExpressionWrapper:
    """The stored ciphertext as plain text: a TextField output skips the field's decryption."""
    return ExpressionWrapper(F(column.field.name), output_field=models.TextField())


def _record_failure(result: ColumnResult, pk: Any) -> None:
    result.failed += 1
    if len(result.failed_ids) < _MAX_FAILED_IDS:
        result.failed_ids.append(str(pk))


def _rotate_column(
    column: EncryptedColumn, *, active_id: str, batch_size: int, result: ColumnResult
) -> None:
    manager = column.model._base_manager
    active_prefix = f"{CIPHERTEXT_PREFIX}:{active_id}:"
    fields_to_update = [column.field.name] + ([column.blind_field] if column.blind_field else [])
    last_pk: Any = None
    while True:
        with transaction.atomic():
            stale = (
                manager.annotate(_tb_raw=_raw(column))
                .exclude(_tb_raw__isnull=True)
                .exclude(_tb_raw="")
                .exclude(_tb_raw__startswith=active_prefix)
            )
            if last_pk is not None:
                stale = stale.filter(pk__gt=last_pk)
            rows = list(
                stale.select_for_update().order_by("pk").values_list("pk", "_tb_raw")[:batch_size]
            )
            if not rows:
                return
            updates = []
            for pk, stored in rows:
                try:
                    plain = decrypt_text(stored, context=column.label)
                except DecryptionError:
                    _record_failure(result, pk)
                    continue
                instance = column.model(pk=pk)
                setattr(instance, column.field.attname, plain)
                if column.blind_field:
                    setattr(
                        instance,
                        column.blind_field,
                        blind_index(plain, purpose=column.field.index_purpose),
                    )
                updates.append(instance)
            if updates:
                manager.bulk_update(updates, fields_to_update)
            result.changed += len(updates)
            last_pk = rows[-1][0]


def _reindex_column(column: EncryptedColumn, *, batch_size: int, result: ColumnResult) -> None:
    blind_field = column.blind_field
    if not blind_field:
        return
    manager = column.model._base_manager
    last_pk: Any = None
    while True:
        with transaction.atomic():
            batch = manager.annotate(_tb_raw=_raw(column))
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(
                batch.select_for_update()
                .order_by("pk")
                .values_list("pk", "_tb_raw", blind_field)[:batch_size]
            )
            if not rows:
                return
            updates = []
            for pk, stored, current_index in rows:
                if not stored:
                    expected = ""
                else:
                    try:
                        plain = decrypt_text(stored, context=column.label)
                    except DecryptionError:
                        _record_failure(result, pk)
                        continue
                    expected = blind_index(plain, purpose=column.field.index_purpose)
                if expected == (current_index or ""):
                    result.unchanged += 1
                    continue
                instance = column.model(pk=pk)
                setattr(instance, blind_field, expected)
                updates.append(instance)
            if updates:
                manager.bulk_update(updates, [blind_field])
            result.changed += len(updates)
            last_pk = rows[-1][0]


def _audit_run(report: CryptoRunReport, *, actor: Any, action: str, reason: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            object_type="core.DataKey",
            object_id=report.active_key_id,
            summary={
                "active_key_id": report.active_key_id,
                "changed": report.changed,
                "failed": report.failed,
                "columns": {c.label: c.as_summary() for c in report.columns},
            },
            reason=reason,
        )


def crypto_rotate(
    *,
    actor: Any = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    reason: str = "",
    on_column: Callable[[ColumnResult], None] | None = None,
) -> CryptoRunReport:
    """Re-encrypt every value not under the active data key (and refresh its blind index)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    active_id = keyring().active_id
    report = CryptoRunReport(operation="rotate", active_key_id=active_id, columns=[])
    for column in encrypted_columns():
        result = ColumnResult(label=column.label)
        _rotate_column(column, active_id=active_id, batch_size=batch_size, result=result)
        report.columns.append(result)
        if on_column is not None:
            on_column(result)
    _audit_run(report, actor=actor, action="core.crypto.rotate", reason=reason)
    return report


def crypto_reindex(
    *,
    actor: Any = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    reason: str = "",
    on_column: Callable[[ColumnResult], None] | None = None,
) -> CryptoRunReport:
    """Recompute every blind index with the current TONGBAN_BLIND_INDEX_KEY."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = CryptoRunReport(operation="reindex", active_key_id=keyring().active_id, columns=[])
    for column in encrypted_columns():
        if not column.blind_field:
            continue
        result = ColumnResult(label=column.label)
        _reindex_column(column, batch_size=batch_size, result=result)
        report.columns.append(result)
        if on_column is not None:
            on_column(result)
    _audit_run(report, actor=actor, action="core.crypto.reindex", reason=reason)
    return report


def crypto_status() -> dict[str, dict[str, int]]:
    """{column label: {key id | "(empty)" | "(not encrypted)": number of rows}}."""
    prefix = f"{CIPHERTEXT_PREFIX}:"
    start = len(prefix) + 1  # SQL strings are 1-based
    status: dict[str, dict[str, int]] = {}
    for column in encrypted_columns():
        raw = F("_tb_raw")
        key_id = Substr(raw, start, StrIndex(Substr(raw, start), Value(":")) - 1)
        counts = (
            column.model._base_manager.annotate(_tb_raw=_raw(column))
            .annotate(
                _tb_key=Case(
                    When(_tb_raw__isnull=True, then=Value(EMPTY)),
                    When(_tb_raw="", then=Value(EMPTY)),
                    When(_tb_raw__startswith=prefix, then=key_id),
                    default=Value(NOT_ENCRYPTED),
                    output_field=models.CharField(),
                )
            )
            .values("_tb_key")
            .annotate(n=Count("pk"))
            .order_by("_tb_key")
        )
        status[column.label] = {row["_tb_key"]: row["n"] for row in counts}
    return status
