"""The read-only admin and the `audit tail` / `audit head` commands (verify is covered with
the chain tests)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from tongban.audit.access import audit_reader_check, register_audit_reader_check
from tongban.audit.masking import mask_ip, redact_text
from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record


@pytest.fixture
def entry(db):
    with transaction.atomic():
        return audit_record(
            actor=None,
            action="identity.user.update",
            object_type="identity.User",
            object_id="42",
            summary={"phone": "138****5678", "raw_phone_by_mistake": "13812345678"},
            reason="核对 11010519491231002X 的材料",
            ip_address="203.0.113.77",
        )


@pytest.fixture
def superuser_client(client, db):
    root = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    client.force_login(root)
    return client


def test_admin_lists_and_shows_entries(superuser_client, entry):
    listing = superuser_client.get(reverse("admin:audit_auditentry_changelist"))
    detail = superuser_client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))

    assert listing.status_code == 200
    assert "identity.user.update" in listing.content.decode()
    assert detail.status_code == 200
    assert entry.entry_hash in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()


def test_admin_cannot_add_change_or_delete(superuser_client, entry):
    before = (entry.summary, entry.entry_hash)

    assert superuser_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert (
        superuser_client.post(
            reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "改"}
        ).status_code
        == 403
    )
    assert (
        superuser_client.post(
            reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert (entry.summary, entry.entry_hash) == before


def test_an_auditor_without_django_permissions_may_view(client, entry):
    auditor = get_user_model().objects.create_user(
        username="auditor1", password="x" * 12, is_staff=True
    )
    previous = audit_reader_check()
    register_audit_reader_check(lambda actor: actor.username == "auditor1")
    client.force_login(auditor)
    try:
        assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    finally:
        register_audit_reader_check(previous)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


def test_tail_masks_personal_data(entry):
    out = io.StringIO()

    call_command("audit", "tail", "-n", "5", stdout=out)

    line = out.getvalue()
    assert line.startswith("#1 ")
    assert "identity.user.update identity.User:42" in line
    assert "ip=203.0.*.*" in line
    assert "138****5678" in line
    assert "13812345678" not in line
    assert "11010519491231002X" not in line
    assert "203.0.113.77" not in line


def test_tail_shows_the_newest_entries_oldest_first(db):
    for n in range(3):
        with transaction.atomic():
            audit_record(actor=None, action=f"test.widget.step{n}", object_type="x", object_id="1")
    out = io.StringIO()

    call_command("audit", "tail", "-n", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["#2", "#3"]


def test_head_prints_the_last_sequence_and_hash(entry):
    out = io.StringIO()

    call_command("audit", "head", stdout=out)

    assert out.getvalue() == f"#1 {entry.entry_hash}\n"
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("11010519491231002X", "110***********002X"),
        ("电话13812345678", "电话138****5678"),
        ("编号 123456", "编号 123456"),
        ("写信给 zhang.san@example.cn", "写信给 z***@***"),
    ],
)
def test_redact_text(text, masked):
    assert redact_text(text) == masked


def test_mask_ip():
    assert mask_ip("203.0.113.77") == "203.0.*.*"
    assert mask_ip("2001:db8::1") == "2001:0db8:*"
    assert mask_ip(None) == "-"
