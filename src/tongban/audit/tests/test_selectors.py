"""Who may read the log, and what they see. Audit cannot import core's roles, so these tests
install their own reader check through the hook core fills at start-up."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from tongban.audit.access import (
    actor_may_read_audit,
    audit_reader_check,
    register_audit_reader_check,
)
from tongban.audit.selectors import (
    audit_chain_head,
    audit_entries_for_object,
    audit_entry_get,
    audit_entry_list,
)
from tongban.audit.services import audit_record


@pytest.fixture
def readers():
    """Accounts whose username starts with "auditor" may read."""
    previous = audit_reader_check()
    register_audit_reader_check(lambda actor: actor.username.startswith("auditor"))
    yield
    register_audit_reader_check(previous)


@pytest.fixture
def people(db):
    make = get_user_model().objects.create_user
    return {
        "auditor": make(username="auditor1", password="x" * 12),
        "clerk": make(username="clerk1", password="x" * 12),
        "retired_auditor": make(username="auditor2", password="x" * 12, is_active=False),
    }


@pytest.fixture
def entries(people):
    made = []
    for action, object_type, object_id, actor in [
        ("cases.case.accept", "cases.Case", "C1", people["clerk"]),
        ("cases.case.approve", "cases.Case", "C1", people["clerk"]),
        ("cases.case.accept", "cases.Case", "C2", None),
        ("identity.user.admin_change", "identity.User", "U1", people["auditor"]),
    ]:
        with transaction.atomic():
            made.append(
                audit_record(
                    actor=actor,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    ip_address="198.51.100.1",
                )
            )
    return made


def test_nobody_reads_until_a_check_is_registered(people, entries):
    previous = audit_reader_check()
    register_audit_reader_check(None)
    try:
        assert not actor_may_read_audit(people["auditor"])
        assert list(audit_entry_list(actor=people["auditor"])) == []
    finally:
        register_audit_reader_check(previous)


@pytest.mark.usefixtures("readers")
def test_only_active_readers_see_entries(people, entries):
    assert audit_entry_list(actor=people["auditor"]).count() == 4
    for outsider in (people["clerk"], people["retired_auditor"], AnonymousUser(), None):
        assert list(audit_entry_list(actor=outsider)) == []
        assert (
            list(audit_entries_for_object(actor=outsider, object_type="cases.Case", object_id="C1"))
            == []
        )
        assert audit_entry_get(actor=outsider, sequence=1) is None


@pytest.mark.usefixtures("readers")
def test_history_of_one_object_oldest_first(people, entries):
    history = audit_entries_for_object(
        actor=people["auditor"], object_type="cases.Case", object_id="C1"
    )

    assert [e.action for e in history] == ["cases.case.accept", "cases.case.approve"]


@pytest.mark.usefixtures("readers")
def test_list_filters_and_keyset_pages(people, entries):
    auditor = people["auditor"]

    def sequences(**filters):
        return [e.sequence for e in audit_entry_list(actor=auditor, **filters)]

    assert sequences() == [4, 3, 2, 1]
    assert sequences(action="cases.case.accept") == [3, 1]
    assert sequences(action_prefix="cases.") == [3, 2, 1]
    assert sequences(object_id="C2") == [3]
    assert sequences(actor_id=people["clerk"].pk) == [2, 1]
    assert sequences(actor_label="system") == [3]
    assert sequences(ip_address="198.51.100.1") == [4, 3, 2, 1]
    assert sequences(before_sequence=3) == [2, 1]
    moment = entries[0].occurred_at
    assert sequences(since=moment + timedelta(days=1)) == []
    assert sequences(until=moment - timedelta(days=1)) == []
    assert audit_entry_get(actor=auditor, sequence=2) == entries[1]


def test_chain_head(entries):
    assert audit_chain_head() == (4, entries[-1].entry_hash)
