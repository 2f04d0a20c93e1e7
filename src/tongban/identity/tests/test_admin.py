"""Identity admin: personal data shown masked, found through the blind index, changes audited,
API tokens read-only."""

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.audit.verify import audit_verify
from tongban.identity.models import LegalPerson
from tongban.identity.services import api_token_create
from tongban.testing.factories import UserFactory

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
ADDRESS = "四川省成都市锦江区红星路三段1号"


@pytest.fixture
def admin_client(client, db):
    admin_user = UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    return client


@pytest.fixture
def resident(db):
    return UserFactory(
        username="resident", real_name="张三丰", id_number=ID_NUMBER, phone=PHONE, address=ADDRESS
    )


def test_user_list_shows_personal_data_masked(admin_client, resident):
    page = admin_client.get(reverse("admin:identity_user_changelist")).content.decode()

    assert "110105********002X" in page
    assert "138****5678" in page
    assert "张**" in page
    for clear in (ID_NUMBER, PHONE, "张三丰"):
        assert clear not in page


@pytest.mark.parametrize("term", [ID_NUMBER, "11010519491231002x", PHONE, "+86 138 1234 5678"])
def test_search_by_full_number_uses_the_blind_index(admin_client, resident, term):
    UserFactory(username="someone-else", id_number="110105194912310032", phone="13987654321")

    page = admin_client.get(reverse("admin:identity_user_changelist"), {"q": term}).content.decode()

    assert "resident" in page
    assert "someone-else" not in page


def test_user_change_page_shows_masked_read_only_personal_data(admin_client, resident):
    page = admin_client.get(
        reverse("admin:identity_user_change", args=[resident.pk])
    ).content.decode()

    assert "110105********002X" in page
    assert "四川省成都市锦江区****" in page
    for clear in (ID_NUMBER, PHONE, "红星路"):
        assert clear not in page
    assert 'name="id_number"' not in page


def test_admin_changes_are_audited_with_the_request_ip(admin_client):
    response = admin_client.post(
        reverse("admin:identity_legalperson_add"),
        {"name": "成都示例科技有限公司", "credit_code": "91510100MA61234567", "region": ""},
        REMOTE_ADDR="203.0.113.20",
    )
    assert response.status_code == 302
    company = LegalPerson.objects.get()

    response = admin_client.post(
        reverse("admin:identity_legalperson_delete", args=[company.pk]),
        {"post": "yes"},
        REMOTE_ADDR="203.0.113.21",
    )
    assert response.status_code == 302

    added, deleted = AuditEntry.objects.order_by("sequence")
    assert (added.action, added.actor_label, added.ip_address) == (
        "identity.legalperson.admin_add",
        "root",
        "203.0.113.20",
    )
    assert (added.object_type, added.object_id) == ("identity.LegalPerson", str(company.public_id))
    assert added.summary["via"] == "admin"
    assert (deleted.action, deleted.ip_address) == (
        "identity.legalperson.admin_delete",
        "203.0.113.21",
    )
    assert not LegalPerson.objects.exists()
    assert audit_verify().ok


def test_password_change_in_the_admin_is_audited_without_the_password(admin_client, resident):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[resident.pk]),
        {
            "password1": "a-new-Secret-2026",
            "password2": "a-new-Secret-2026",
            "set_usable_password": "true",
        },
    )
    assert response.status_code == 302

    entry = AuditEntry.objects.get(action="identity.user.admin_change")
    assert entry.object_type == "identity.User"
    assert "a-new-Secret-2026" not in str(entry.summary)


def test_api_tokens_are_read_only_and_never_show_the_raw_token(admin_client, resident):
    token, raw = api_token_create(user=resident, name="对接脚本")

    changelist = admin_client.get(reverse("admin:identity_apitoken_changelist")).content.decode()
    change = admin_client.get(
        reverse("admin:identity_apitoken_change", args=[token.pk])
    ).content.decode()

    assert token.prefix in changelist
    assert token.digest in change
    assert raw not in changelist
    assert raw not in change
    assert 'name="_save"' not in change
    assert admin_client.get(reverse("admin:identity_apitoken_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:identity_apitoken_delete", args=[token.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:identity_apitoken_change", args=[token.pk]), {"name": "changed"}
        ).status_code
        == 403
    )
    token.refresh_from_db()
    assert token.name == "对接脚本"


def test_identity_records_are_listed_masked_and_read_only(admin_client, resident):
    from tongban.identity.errors import SignInRefused
    from tongban.identity.services import registry_persons_import, sign_in_with_password
    from tongban.testing.identity import make_person

    registry_persons_import(
        actor=None, rows=[{"name": "张三丰", "id_number": ID_NUMBER, "status": "normal"}]
    )
    make_person(7, username="someone")
    with pytest.raises(SignInRefused):
        sign_in_with_password(identifier="someone", password="not-the-password-123")

    registry = admin_client.get(reverse("admin:identity_registryperson_changelist"))
    page = registry.content.decode()
    assert "110105********002X" in page
    assert ID_NUMBER not in page
    assert "张三丰" not in page
    events = admin_client.get(reverse("admin:identity_signinevent_changelist"))
    assert events.status_code == 200
    assert "someone" in events.content.decode()
    assert admin_client.get(reverse("admin:identity_signinevent_add")).status_code == 403
