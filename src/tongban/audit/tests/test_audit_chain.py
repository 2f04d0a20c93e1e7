"""The SM3 hash chain: recording, verification, tampering found, concurrency, request context.

Audit is the lowest level: these tests import nothing from core, identity or tongban.testing
(import-linter's levels cover tests too), and make users with get_user_model()."""

from __future__ import annotations

import io
import math
import tempfile
import threading
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.utils import ConnectionHandler
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from tongban.audit.context import AuditContextMiddleware, current_ip
from tongban.audit.hashing import GENESIS_HASH
from tongban.audit.models import AuditChainHead, AuditEntry
from tongban.audit.services import AuditOutsideTransaction, audit_record
from tongban.audit.verify import Problem, audit_verify

ON_POSTGRES = connection.vendor == "postgresql"


def _record(count: int, **extra) -> list[AuditEntry]:
    entries = []
    for i in range(count):
        with transaction.atomic():
            entries.append(
                audit_record(
                    actor=None,
                    action="test.widget.update",
                    object_type="test.Widget",
                    object_id=str(i + 1),
                    summary={"changed": ["status"], "status": f"s{i + 1}"},
                    **extra,
                )
            )
    return entries


def _allow_tampering() -> None:
    """The PostgreSQL append-only trigger is defence in depth: the table owner can switch it off,
    as a malicious DBA would. Disabled inside the test's transaction, so it comes back after."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")


def _verify_command() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


# --- recording -------------------------------------------------------------------------------


def test_entries_are_chained_and_verify_ok(db):
    first, second, third = _record(3)

    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.last_hash) == (3, third.entry_hash)
    result = audit_verify()
    assert (result.ok, result.checked, result.first_broken_sequence) == (True, 3, None)
    assert _verify_command() == (0, "OK (3 entries)\n")


def test_empty_log_verifies(db):
    assert _verify_command() == (0, "OK (0 entries)\n")


def test_audit_record_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=None, action="test.widget.update", object_type="x", object_id="1")

    assert AuditEntry.objects.count() == 0
    assert not AuditChainHead.objects.exists()


def test_rolled_back_change_leaves_no_entry_and_no_gap(db):
    _record(1)

    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=None, action="test.widget.update", object_type="x", object_id="9")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()
    assert AuditEntry.objects.count() == 1
    assert AuditChainHead.objects.get().sequence == 1

    _record(1)
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == [1, 2]
    assert audit_verify().ok


def test_summary_is_made_json_safe_and_still_verifies(db):
    user = get_user_model().objects.create_user(username="clerk1", password="x" * 12)
    with transaction.atomic():
        entry = audit_record(
            actor=user,
            action="test.widget.update",
            obj=user,
            summary={
                "amount": Decimal("12.50"),
                "when": datetime(2026, 11, 22, 8, 30, tzinfo=UTC),
                "day": date(2026, 11, 22),
                "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "tags": {"b", "a"},
                "ratio": 0.25,
                "big": 1e16,
                "nothing": math.nan,
                "negzero": -0.0,
                "who": user,
                7: "int key",
                "nul": "a\x00b",
            },
        )

    stored = AuditEntry.objects.get(pk=entry.pk).summary
    assert stored["amount"] == "12.50"
    assert stored["when"] == "2026-11-22T08:30:00+00:00"
    assert stored["day"] == "2026-11-22"
    assert stored["ref"] == "12345678-1234-5678-1234-567812345678"
    assert stored["tags"] == ["a", "b"]
    assert stored["ratio"] == 0.25
    assert stored["big"] == "1e+16"
    assert stored["nothing"] == "nan"
    assert stored["negzero"] == 0.0
    assert stored["who"] == f"identity.User:{user.pk}"  # never the user's name
    assert stored["7"] == "int key"
    assert stored["nul"] == "a\ufffdb"
    assert entry.actor_id == user.pk
    assert entry.actor_label == "clerk1"
    assert entry.object_type == "identity.User"
    assert audit_verify().ok


def test_long_reason_is_shortened_and_long_action_refused(db):
    with transaction.atomic():
        entry = audit_record(
            actor=None,
            action="test.widget.update",
            object_type="x",
            object_id="1",
            reason="长" * 600,
        )
    assert len(entry.reason) == 500
    assert entry.reason.endswith("…")
    with pytest.raises(ValueError, match="action"), transaction.atomic():
        audit_record(actor=None, action="a" * 101, object_type="x", object_id="1")
    assert AuditEntry.objects.count() == 1
    assert audit_verify().ok


def test_deleting_a_user_keeps_their_entries_and_the_chain(db):
    user = get_user_model().objects.create_user(username="leaver", password="x" * 12)
    with transaction.atomic():
        entry = audit_record(
            actor=user, action="test.widget.update", object_type="x", object_id="1"
        )

    user_pk = user.pk
    user.delete()

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.actor_id, entry.actor_label) == (user_pk, "leaver")
    assert audit_verify().ok


# --- tampering is found -------------------------------------------------------------------------


def test_edited_summary_is_found_and_named(db):
    _record(4)
    _allow_tampering()

    AuditEntry.objects.filter(sequence=3).update(summary={"changed": ["status"], "status": "ok"})

    code, output = _verify_command()
    assert code == 1
    assert output.startswith("BROKEN at #3: ")
    result = audit_verify()
    assert (result.ok, result.first_broken_sequence, result.problem, result.checked) == (
        False,
        3,
        Problem.CONTENT,
        2,
    )


def test_edit_through_raw_sql_is_found(db):
    _record(3)
    _allow_tampering()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = %s WHERE sequence = %s", ["补录", 2])

    result = audit_verify()
    assert (result.first_broken_sequence, result.problem) == (2, Problem.CONTENT)


def test_deleted_middle_entry_is_found(db):
    _record(5)
    _allow_tampering()

    AuditEntry.objects.filter(sequence=3).delete()

    code, output = _verify_command()
    assert code == 1
    assert output.startswith("BROKEN at #3: ")
    assert audit_verify().problem == Problem.MISSING


def test_deleted_newest_entries_are_found_through_the_head(db):
    _record(5)
    _allow_tampering()

    AuditEntry.objects.filter(sequence__gte=4).delete()

    result = audit_verify()
    assert (result.first_broken_sequence, result.problem, result.checked) == (
        4,
        Problem.MISSING,
        3,
    )


def test_relinked_entry_is_found(db):
    entries = _record(3)
    _allow_tampering()

    AuditEntry.objects.filter(sequence=3).update(previous_hash=entries[0].entry_hash)

    result = audit_verify()
    assert (result.first_broken_sequence, result.problem) == (3, Problem.LINK)


def test_altered_head_is_found(db):
    _record(2)
    AuditChainHead.objects.update(last_hash="f" * 64)

    result = audit_verify()
    assert (result.first_broken_sequence, result.problem) == (2, Problem.HEAD)


def test_entry_written_behind_the_services_back_is_found(db):
    (only,) = _record(1)
    # A forger copies a valid-looking entry after the head without moving the head.
    AuditEntry.objects.create(
        sequence=2,
        occurred_at=only.occurred_at,
        actor_label="system",
        action="test.widget.update",
        object_type="x",
        object_id="2",
        previous_hash=only.entry_hash,
        entry_hash="e" * 64,
    )

    result = audit_verify()
    assert (result.first_broken_sequence, result.problem) == (2, Problem.BEYOND_HEAD)


def test_verify_reads_in_batches(db, django_assert_num_queries):
    _record(5)

    # head + 3 batches of at most 2 + the look beyond the head
    with django_assert_num_queries(5):
        result = audit_verify(batch_size=2)
    assert (result.ok, result.checked) == (True, 5)


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_update_and_delete(db):
    _record(2)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(sequence=1).update(reason="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(sequence=2).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditChainHead.objects.all().delete()
    assert AuditEntry.objects.count() == 2
    assert audit_verify().ok


# --- concurrency ---------------------------------------------------------------------------------

WRITERS = 4
APPENDS_PER_WRITER = 10


def _append_concurrently(make_connection=None) -> list[str]:
    """WRITERS threads append at once (released together by a barrier); returns their errors."""
    errors: list[str] = []
    barrier = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        if make_connection is not None:
            connections["default"] = make_connection()
        try:
            barrier.wait()
            for i in range(APPENDS_PER_WRITER):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="test.widget.update",
                        object_type="test.Widget",
                        object_id=f"{number}-{i}",
                    )
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.skipif(not ON_POSTGRES, reason="runs on the PostgreSQL test database")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain_on_postgresql():
    errors = _append_concurrently()

    assert errors == []
    result = audit_verify()
    assert (result.ok, result.checked) == (True, WRITERS * APPENDS_PER_WRITER)


@pytest.mark.django_db
def test_concurrent_appends_keep_one_chain_on_sqlite_file():
    """The SQLite test database is in memory with a shared cache, whose table locks fail at once
    instead of waiting, unlike the WAL file the platform runs on. So this test builds a private
    SQLite file with the production connection options and points each writer thread at it."""
    with tempfile.TemporaryDirectory() as tmp:
        handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": str(Path(tmp) / "audit.sqlite3"),
                    # The same options as config/settings/base.py gives SQLite.
                    "OPTIONS": {
                        "init_command": (
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA busy_timeout=10000;"
                        ),
                        "transaction_mode": "IMMEDIATE",
                        "timeout": 20,
                    },
                }
            }
        )
        setup = handler["default"]
        with setup.schema_editor() as editor:
            editor.create_model(AuditChainHead)
            editor.create_model(AuditEntry)

        errors = _append_concurrently(lambda: handler.create_connection("default"))

        results: list = []

        def verify() -> None:
            connections["default"] = handler.create_connection("default")
            try:
                results.append(audit_verify())
            finally:
                connections["default"].close()

        checker = threading.Thread(target=verify)
        checker.start()
        checker.join(timeout=30)
        setup.close()

    assert errors == []
    assert (results[0].ok, results[0].checked) == (True, WRITERS * APPENDS_PER_WRITER)


# --- request context -------------------------------------------------------------------------------


def _changing_view(request):
    with transaction.atomic():
        audit_record(actor=None, action="test.widget.update", object_type="x", object_id="1")
    return HttpResponse("ok")


def test_ip_of_the_request_is_recorded(db):
    request = RequestFactory().post("/widgets/1", REMOTE_ADDR="203.0.113.9")

    AuditContextMiddleware(_changing_view)(request)

    assert AuditEntry.objects.get().ip_address == "203.0.113.9"
    assert current_ip() is None  # nothing leaks into the next request on this thread


def test_the_middleware_is_installed():
    from django.conf import settings

    assert "tongban.audit.context.AuditContextMiddleware" in settings.MIDDLEWARE


@override_settings(TONGBAN_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_client_comes_from_x_forwarded_for(db):
    request = RequestFactory().post(
        "/widgets/1",
        REMOTE_ADDR="10.0.0.2",
        # The client sent a forged first value; the proxy appended the real address.
        HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7",
    )

    AuditContextMiddleware(_changing_view)(request)

    assert AuditEntry.objects.get().ip_address == "198.51.100.7"


def test_without_trusted_proxies_x_forwarded_for_is_ignored(db):
    request = RequestFactory().post(
        "/widgets/1", REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR="1.1.1.1"
    )

    AuditContextMiddleware(_changing_view)(request)

    assert AuditEntry.objects.get().ip_address == "198.51.100.8"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2001:0DB8:0000::0001", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_ip_is_stored_canonically_or_not_at_all(db, given, stored):
    with transaction.atomic():
        entry = audit_record(
            actor=None,
            action="test.widget.update",
            object_type="x",
            object_id="1",
            ip_address=given,
        )

    assert AuditEntry.objects.get(pk=entry.pk).ip_address == stored
    assert audit_verify().ok
