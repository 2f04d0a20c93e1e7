"""Filling the embedded base registries (CSV import, demo data). Rows are upserted by ID number
or credit code; one audit entry per import, with counts only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tongban.audit.services import audit_record
from tongban.core.crypto import blind_index
from tongban.identity.models import RegistryLegalPerson, RegistryPerson

BATCH = 500


@dataclass(frozen=True)
class RegistryImportReport:
    created: int
    updated: int
    unchanged: int


def _person_index(id_number: str) -> str:
    purpose = RegistryPerson._meta.get_field("id_number").index_purpose  # type: ignore[union-attr]
    return blind_index(id_number, purpose=purpose)


@transaction.atomic
def registry_persons_import(
    *, actor: Any, rows: Sequence[dict[str, str]], source: str = ""
) -> RegistryImportReport:
    """Upsert population-registry rows ({"name", "id_number", "status"}, already validated by
    registry_csv.parse_persons). All or nothing: one transaction."""
    created = updated = unchanged = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        by_index = {_person_index(r["id_number"]): r for r in chunk}
        existing = {
            p.id_number_index: p
            for p in RegistryPerson.objects.filter(id_number_index__in=list(by_index))
        }
        new: list[RegistryPerson] = []
        for index, row in by_index.items():
            person = existing.get(index)
            if person is None:
                new.append(
                    RegistryPerson(
                        name=row["name"],
                        id_number=row["id_number"],
                        id_number_index=index,
                        status=row["status"],
                        source=source[:100],
                    )
                )
            elif (person.name, person.status) != (row["name"], row["status"]):
                person.name, person.status = row["name"], row["status"]
                person.source = source[:100] or person.source
                person.save(update_fields=["name", "status", "source", "updated_at"])
                updated += 1
            else:
                unchanged += 1
        RegistryPerson.objects.bulk_create(new)
        created += len(new)
    report = RegistryImportReport(created=created, updated=updated, unchanged=unchanged)
    if created or updated:
        audit_record(
            actor=actor,
            action="identity.registry.persons_import",
            object_type="identity.RegistryPerson",
            summary={
                "rows": len(rows),
                "created": created,
                "updated": updated,
                "source": source,
            },
        )
    return report


@transaction.atomic
def registry_legal_persons_import(
    *, actor: Any, rows: Sequence[dict[str, str]], source: str = ""
) -> RegistryImportReport:
    """Upsert legal-person-registry rows (validated by registry_csv.parse_legal_persons)."""
    created = updated = unchanged = 0
    fields = ("name", "representative_name", "representative_id_number", "status")
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        by_code = {r["credit_code"]: r for r in chunk}
        existing = {
            e.credit_code: e
            for e in RegistryLegalPerson.objects.filter(credit_code__in=list(by_code))
        }
        new: list[RegistryLegalPerson] = []
        for code, row in by_code.items():
            entry = existing.get(code)
            if entry is None:
                new.append(
                    RegistryLegalPerson(
                        credit_code=code, source=source[:100], **{f: row[f] for f in fields}
                    )
                )
            elif any(getattr(entry, f) != row[f] for f in fields):
                for f in fields:
                    setattr(entry, f, row[f])
                entry.source = source[:100] or entry.source
                entry.save()
                updated += 1
            else:
                unchanged += 1
        RegistryLegalPerson.objects.bulk_create(new)
        created += len(new)
    report = RegistryImportReport(created=created, updated=updated, unchanged=unchanged)
    if created or updated:
        audit_record(
            actor=actor,
            action="identity.registry.legal_persons_import",
            object_type="identity.RegistryLegalPerson",
            summary={
                "rows": len(rows),
                "created": created,
                "updated": updated,
                "source": source,
            },
        )
    return report
