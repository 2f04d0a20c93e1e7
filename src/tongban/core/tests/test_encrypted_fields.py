"""EncryptedCharField on the real User model, and key rotation (`manage crypto …`)."""

from __future__ import annotations

import base64
import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tongban.audit.models import AuditEntry
from tongban.audit.verify import audit_verify
from tongban.core.crypto import blind_index, ciphertext_key_id, encrypt_text
from tongban.core.services.crypto_rotation import crypto_status, encrypted_columns
from tongban.testing.factories import UserFactory

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105194912310032"
THIRD_ID = "510104199003071237"
PHONE = "13812345678"
ADDRESS = "四川省成都市锦江区红星路三段1号"
KEY_NEW = base64.b64encode(b"N" * 16).decode()


def _user_model():
    return get_user_model()


def _purpose(name: str) -> str:
    return _user_model()._meta.get_field(name).index_purpose


def _raw(user, column: str) -> str:
    table = _user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [user.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("crypto", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


# --- the field --------------------------------------------------------------------------------------


def test_values_are_ciphertext_in_the_database_and_clear_in_python(db):
    user = UserFactory(id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)

    for column, clear in (("id_number", ID_NUMBER), ("phone", PHONE), ("address", ADDRESS)):
        stored = _raw(user, column)
        assert stored.startswith("sm4gcm:k2:")
        assert clear not in stored
        assert "1949" not in stored
        assert "5678" not in stored
    fresh = _user_model().objects.get(pk=user.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (ID_NUMBER, PHONE, ADDRESS)
    assert _raw(user, "id_number_index") == blind_index(ID_NUMBER, purpose=_purpose("id_number"))
    assert _raw(user, "phone_index") == blind_index(PHONE, purpose=_purpose("phone"))


def test_exact_look_up_goes_through_the_blind_index(db):
    wanted = UserFactory(id_number=ID_NUMBER)
    UserFactory(id_number=OTHER_ID)
    UserFactory()

    found = _user_model().objects.filter(
        id_number_index=blind_index(ID_NUMBER, purpose=_purpose("id_number"))
    )

    assert list(found) == [wanted]


def test_empty_values_stay_empty_and_have_no_index(db):
    user = UserFactory()

    assert (_raw(user, "id_number"), _raw(user, "id_number_index")) == ("", "")
    assert _user_model().objects.filter(id_number="").count() == 1


def test_changing_a_value_updates_its_index(db):
    user = UserFactory(phone=PHONE)

    user.phone = "13987654321"
    user.save()

    assert _raw(user, "phone_index") == blind_index("13987654321", purpose=_purpose("phone"))
    user.phone = ""
    user.save()
    assert _raw(user, "phone_index") == ""


@pytest.mark.parametrize(
    "lookup",
    [{"id_number": ID_NUMBER}, {"id_number__startswith": "110"}, {"address__contains": "成都"}],
)
def test_comparing_encrypted_values_in_sql_is_refused_with_a_hint(db, lookup):
    with pytest.raises(FieldError, match="encrypted"):
        list(_user_model().objects.filter(**lookup))


def test_the_refusal_names_the_blind_index_to_use(db):
    with pytest.raises(FieldError, match="filter on id_number_index with blind_index"):
        _user_model().objects.filter(id_number=ID_NUMBER)


def test_form_field_is_a_one_line_input():
    form_field = _user_model()._meta.get_field("phone").formfield()

    assert form_field.widget.input_type == "text"


def test_failed_validation_and_saving_never_log_or_show_the_clear_number(db, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with CaptureQueriesContext(connection) as queries:  # turns the SQL debug log on
        UserFactory(username="resident", id_number=ID_NUMBER, phone=PHONE)
        _user_model().objects.filter(
            id_number_index=blind_index(ID_NUMBER, purpose=_purpose("id_number"))
        ).first()
        duplicate = _user_model()(username="resident", id_number=ID_NUMBER, phone=PHONE)
        with pytest.raises(ValidationError) as invalid:
            duplicate.full_clean()
        with pytest.raises(IntegrityError) as failed, transaction.atomic():
            duplicate.save()

    assert queries.captured_queries  # the log was really on
    assert "identity_user" in caplog.text
    shown = [
        caplog.text,
        str(invalid.value),
        str(failed.value),
        *(q["sql"] for q in queries.captured_queries),
    ]
    for text in shown:
        assert ID_NUMBER not in text
        assert PHONE not in text


# --- rotation -----------------------------------------------------------------------------------------


def test_encrypted_columns_are_discovered_from_the_app_registry():
    labels = [column.label for column in encrypted_columns()]

    assert {"identity.User.id_number", "identity.User.phone", "identity.User.address"} <= set(
        labels
    )


def test_rotate_re_encrypts_every_old_value_under_the_new_key(db, settings):
    original = settings.TONGBAN_DATA_KEYS  # "k2:…,k1:…"
    under_k2 = UserFactory(id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)
    settings.TONGBAN_DATA_KEYS = ",".join(reversed(original.split(",")))  # k1 first
    under_k1 = UserFactory(id_number=OTHER_ID, phone="13987654321")
    empty = UserFactory()
    settings.TONGBAN_DATA_KEYS = f"new:{KEY_NEW},{original}"

    code, output = _run("rotate", "--batch-size", "1")

    assert code == 0
    assert "identity.User.id_number: changed 2" in output
    assert "identity.User.address: changed 1" in output
    for user in (under_k2, under_k1):
        for column in ("id_number", "phone"):
            assert ciphertext_key_id(_raw(user, column)) == "new"
    assert _raw(empty, "id_number") == ""
    fresh = _user_model().objects.get(pk=under_k1.pk)
    assert (fresh.id_number, fresh.phone) == (OTHER_ID, "13987654321")
    assert (
        _user_model().objects.get(
            id_number_index=blind_index(ID_NUMBER, purpose=_purpose("id_number"))
        )
        == under_k2
    )

    entry = AuditEntry.objects.get(action="core.crypto.rotate")
    assert entry.object_id == "new"
    assert entry.summary["changed"] == 5
    assert entry.summary["columns"]["identity.User.phone"]["changed"] == 2
    assert ID_NUMBER not in str(entry.summary)
    assert PHONE not in str(entry.summary)
    assert audit_verify().ok

    # A second run finds nothing to do, and says so in its own audit entry.
    assert _run("rotate")[0] == 0
    assert AuditEntry.objects.filter(action="core.crypto.rotate").last().summary["changed"] == 0


def test_old_keys_can_be_dropped_after_rotation(db, settings):
    original = settings.TONGBAN_DATA_KEYS
    user = UserFactory(id_number=ID_NUMBER)
    settings.TONGBAN_DATA_KEYS = f"new:{KEY_NEW},{original}"
    _run("rotate")

    settings.TONGBAN_DATA_KEYS = f"new:{KEY_NEW}"

    assert _user_model().objects.get(pk=user.pk).id_number == ID_NUMBER


def test_rotate_skips_and_reports_values_it_cannot_decrypt(db, settings):
    good = UserFactory(id_number=ID_NUMBER)
    lost = UserFactory(username="lost-key")
    orphan = encrypt_text(OTHER_ID, context="identity.User.id_number").replace(
        "sm4gcm:k2:", "sm4gcm:gone:"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_user_model()._meta.db_table} SET id_number = %s WHERE id = %s",  # noqa: S608
            [orphan, lost.pk],
        )
    settings.TONGBAN_DATA_KEYS = f"new:{KEY_NEW},{settings.TONGBAN_DATA_KEYS}"

    code, output = _run("rotate")

    assert code == 1
    assert f"FAILED 1 (ids {lost.pk})" in output
    assert ciphertext_key_id(_raw(good, "id_number")) == "new"
    assert _raw(lost, "id_number") == orphan  # left alone, not destroyed
    entry = AuditEntry.objects.get(action="core.crypto.rotate")
    assert entry.summary["columns"]["identity.User.id_number"]["failed_ids"] == [str(lost.pk)]


def test_status_counts_values_per_key_per_column(db, settings):
    original = settings.TONGBAN_DATA_KEYS
    UserFactory(id_number=ID_NUMBER)
    UserFactory(id_number=OTHER_ID)
    settings.TONGBAN_DATA_KEYS = f"new:{KEY_NEW},{original}"
    UserFactory(id_number=THIRD_ID)
    UserFactory()

    status = crypto_status()

    assert status["identity.User.id_number"] == {"(empty)": 1, "k2": 2, "new": 1}
    code, output = _run("status")
    assert code == 0
    assert "当前密钥" in output
    assert "旧密钥，待轮换" in output


def test_reindex_after_the_blind_index_key_changed(db, settings):
    user = UserFactory(id_number=ID_NUMBER, phone=PHONE)
    settings.TONGBAN_BLIND_INDEX_KEY = base64.b64encode(
        b"a-brand-new-blind-index-key-0001"
    ).decode()
    new_index = blind_index(ID_NUMBER, purpose=_purpose("id_number"))
    assert not _user_model().objects.filter(id_number_index=new_index).exists()

    code, output = _run("reindex")

    assert code == 0
    assert "identity.User.id_number: changed 1" in output
    assert _user_model().objects.get(id_number_index=new_index) == user
    assert _raw(user, "phone_index") == blind_index(PHONE, purpose=_purpose("phone"))
    assert AuditEntry.objects.filter(action="core.crypto.reindex").count() == 1
    again = _run("reindex")[1]
    # Every blind-indexed column (User's two and the identity registries') is already current.
    assert "identity.User.id_number: changed 0" in again
    assert "identity.User.phone: changed 0" in again
    assert again.count("changed 0") == again.count(": changed ")


def test_genkey_prints_a_key_the_keyring_accepts(settings):
    code, output = _run("genkey", "--id", "k9")

    assert code == 0
    settings.TONGBAN_DATA_KEYS = output.strip()
    assert encrypt_text("x", context="t").startswith("sm4gcm:k9:")
