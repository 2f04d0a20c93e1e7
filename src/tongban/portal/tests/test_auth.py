"""Sign-in pages: password, SMS code, second factor for staff, authenticator binding, recovery
codes, password reset, registration, sign-out and session revocation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.models import StaffRole
from tongban.identity import sms
from tongban.identity.models import AssuranceLevel, SignInEvent, TotpDevice, User, UserSession
from tongban.identity.services import user_session_revoke
from tongban.testing.identity import (
    PASSWORD,
    bind_totp,
    id_number,
    last_code,
    make_person,
    make_staff_user,
    phone,
    totp_code,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WORKBENCH = "/workbench/"
SESSION_MIDDLEWARE = "tongban.identity.middleware.UserSessionMiddleware"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def citizen(db):
    return make_person(1, name="张晓燕", username="zhangxy")


@pytest.fixture
def officer(regions):
    return make_staff_user(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="officer")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def session_middleware(settings):
    """UserSessionMiddleware where base settings will put it (after AuthenticationMiddleware)."""
    if SESSION_MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        position = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
        middleware.insert(position + 1, SESSION_MIDDLEWARE)
        settings.MIDDLEWARE = middleware


def _signed_in_user(client):
    return client.get(reverse("portal:home")).wsgi_request.user


# --- Password ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["zhangxy", phone(1), id_number(1)])
def test_citizen_signs_in_by_username_phone_or_id_number(client, citizen, typed):
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD, "next": "/services/"})

    assert response.status_code == 302
    assert response.url == "/services/"
    assert _signed_in_user(client) == citizen
    session = UserSession.objects.get(user=citizen)
    assert session.ended_at is None
    assert session.method == "password"
    assert AuditEntry.objects.filter(action="identity.sign_in.success").count() == 1
    assert SignInEvent.objects.filter(user=citizen, outcome="success").count() == 1


def test_an_outside_next_url_is_ignored(client, citizen):
    response = client.post(
        LOGIN, {"username": "zhangxy", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response.url == reverse("portal:home")


def test_wrong_password_and_unknown_user_look_the_same(client, citizen):
    wrong = client.post(LOGIN, {"username": "zhangxy", "password": "not-the-password"})
    unknown = client.post(LOGIN, {"username": "nobody", "password": "not-the-password"})

    for response in (wrong, unknown):
        content = response.content.decode()
        assert response.status_code == 200
        assert "用户名或密码不正确。" in content
        assert 'role="alert"' in content
    assert not _signed_in_user(client).is_authenticated


def test_lockout_shows_the_lock_message_then_lifts(client, citizen, frozen):
    for _i in range(5):
        client.post(LOGIN, {"username": "zhangxy", "password": "not-the-password"})

    locked = client.post(LOGIN, {"username": "zhangxy", "password": PASSWORD})
    assert "暂停密码登录15分钟" in locked.content.decode()
    assert not _signed_in_user(client).is_authenticated

    frozen.shift(timedelta(minutes=15, seconds=1))
    assert client.post(LOGIN, {"username": "zhangxy", "password": PASSWORD}).status_code == 302


def test_login_page_links_the_other_ways_in(client):
    content = client.get(LOGIN).content.decode()

    for name in ("portal:login-sms", "portal:password-reset", "portal:register"):
        assert f'href="{reverse(name)}' in content


# --- Staff need a second factor ------------------------------------------------------------------


def test_staff_without_an_authenticator_must_bind_one_before_the_workbench(client, officer):
    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD, "next": WORKBENCH})
    assert response.url == reverse("portal:mfa-setup")
    assert not _signed_in_user(client).is_authenticated
    assert client.get(WORKBENCH).status_code == 302  # still sent to sign in

    page = client.get(reverse("portal:mfa-setup"))
    content = page.content.decode()
    assert "<svg" in content
    assert 'role="img"' in content
    device = TotpDevice.objects.get(user=officer, confirmed_at__isnull=True)
    grouped = " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))
    assert grouped in content

    good = totp_code(device.secret)
    wrong = client.post(reverse("portal:mfa-setup"), {"code": f"{(int(good) + 1) % 10**6:06d}"})
    assert "动态口令不正确" in wrong.content.decode()

    done = client.post(reverse("portal:mfa-setup"), {"code": totp_code(device.secret)})
    content = done.content.decode()
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    assert content.count("<li><code>") == 10
    assert f'href="{WORKBENCH}"' in content
    assert _signed_in_user(client) == officer
    assert client.get(WORKBENCH).status_code == 200
    # Staff sessions end with the browser.
    assert client.session.get_expire_at_browser_close()


def test_staff_with_an_authenticator_give_its_code(client, officer, frozen):
    device = bind_totp(officer)
    frozen.shift(timedelta(seconds=30))

    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD, "next": WORKBENCH})
    assert response.url == reverse("portal:login-verify")
    assert client.get(WORKBENCH).status_code == 302

    wrong = client.post(reverse("portal:login-verify"), {"code": "12345"})
    assert wrong.status_code == 200
    done = client.post(reverse("portal:login-verify"), {"code": totp_code(device.secret)})

    assert done.url == WORKBENCH
    assert client.get(WORKBENCH).status_code == 200
    assert UserSession.objects.get(user=officer).method == "totp"


def test_the_second_step_times_out(client, officer, frozen):
    bind_totp(officer)
    client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    frozen.shift(timedelta(minutes=6))

    response = client.get(reverse("portal:login-verify"))

    assert response.url == reverse("login")


def test_the_second_step_needs_the_first(client):
    assert client.get(reverse("portal:login-verify")).url == reverse("login")
    assert client.get(reverse("portal:mfa-setup")).url == reverse("login")


def test_a_recovery_code_signs_in_once(client, officer):
    from tongban.identity.services import totp_confirm, totp_enrol

    enrolment = totp_enrol(user=officer)
    codes = totp_confirm(user=officer, device=enrolment.device, code=totp_code(enrolment.secret))

    client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    done = client.post(reverse("portal:login-recovery"), {"code": codes[3]})
    assert done.status_code == 302
    assert _signed_in_user(client) == officer

    client.post(reverse("logout"))
    client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    again = client.post(reverse("portal:login-recovery"), {"code": codes[3]})
    assert "恢复码不正确或已使用" in again.content.decode()


# --- SMS sign-in, reset, registration ------------------------------------------------------------


def test_sms_sign_in_page(client, citizen, django_capture_on_commit_callbacks):
    url = reverse("portal:login-sms")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"action": "send", "send-phone": phone(1)})
    assert "已在本平台注册并验证，验证码已发送" in sent.content.decode()
    assert f'value="{phone(1)}"' in sent.content.decode()

    done = client.post(
        url, {"action": "verify", "code-phone": phone(1), "code-code": last_code(phone(1))}
    )

    assert done.status_code == 302
    assert _signed_in_user(client) == citizen
    assert UserSession.objects.get(user=citizen).method == "sms"


def test_sms_sign_in_for_an_unknown_phone_looks_the_same(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("portal:login-sms"), {"action": "send", "send-phone": phone(77)})

    assert "已在本平台注册并验证，验证码已发送" in sent.content.decode()
    assert sms.outbox == []


def test_password_reset_page(client, citizen, django_capture_on_commit_callbacks):
    url = reverse("portal:password-reset")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send", "send-phone": phone(1)})
    data = {
        "action": "reset",
        "reset-phone": phone(1),
        "reset-code": last_code(phone(1)),
        "reset-new_password1": "Brand-New-Pass-2026",
        "reset-new_password2": "Brand-New-Pass-2027",
    }
    mismatch = client.post(url, data)
    assert "两次输入的密码不一致" in mismatch.content.decode()

    done = client.post(url, {**data, "reset-new_password2": "Brand-New-Pass-2026"})

    assert done.url == LOGIN
    citizen.refresh_from_db()
    assert citizen.check_password("Brand-New-Pass-2026")


def test_register_page_creates_an_l1_account_and_signs_in(
    client, django_capture_on_commit_callbacks
):
    url = reverse("portal:register")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send", "send-phone": "13700001234"})
    weak = client.post(
        url,
        {
            "action": "register",
            "register-phone": "13700001234",
            "register-code": last_code("13700001234"),
            "register-new_password1": "12345678",
            "register-new_password2": "12345678",
        },
    )
    assert 'aria-invalid="true"' in weak.content.decode()
    assert not User.objects.exists()

    done = client.post(
        url,
        {
            "action": "register",
            "register-phone": "13700001234",
            "register-code": last_code("13700001234"),
            "register-new_password1": PASSWORD,
            "register-new_password2": PASSWORD,
        },
    )

    assert done.status_code == 302
    user = User.objects.get()
    assert user.assurance_level == AssuranceLevel.L1
    assert _signed_in_user(client) == user


# --- Sign-out and sessions -----------------------------------------------------------------------


def test_logout_ends_the_user_session_and_tells_the_oidc_provider(client, citizen, monkeypatch):
    from tongban.identity.oidc import services as oidc_services

    calls = []
    monkeypatch.setattr(
        oidc_services,
        "on_user_logout",
        lambda *, user, session_key: calls.append((user, session_key)),
        raising=False,
    )
    client.post(LOGIN, {"username": "zhangxy", "password": PASSWORD})
    key = client.session.session_key

    assert client.get(reverse("logout")).status_code == 405  # POST only
    response = client.post(reverse("logout"))

    assert response.url == reverse("portal:home")
    assert not _signed_in_user(client).is_authenticated
    session = UserSession.objects.get(user=citizen)
    assert session.ended_at is not None
    assert session.end_reason == "logout"
    assert calls == [(citizen, key)]


def test_a_revoked_session_is_signed_out_on_its_next_request(client, citizen, session_middleware):
    client.post(LOGIN, {"username": "zhangxy", "password": PASSWORD})
    assert _signed_in_user(client) == citizen
    session = UserSession.objects.get(user=citizen)

    user_session_revoke(actor=citizen, session_id=str(session.public_id))

    assert not _signed_in_user(client).is_authenticated
    assert AuditEntry.objects.filter(action="identity.session.revoke").count() == 1


def test_a_password_reset_signs_out_other_browsers(
    client, citizen, session_middleware, django_capture_on_commit_callbacks
):
    from django.test import Client

    client.post(LOGIN, {"username": "zhangxy", "password": PASSWORD})
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        other.post(reverse("portal:password-reset"), {"action": "send", "send-phone": phone(1)})
    other.post(
        reverse("portal:password-reset"),
        {
            "action": "reset",
            "reset-phone": phone(1),
            "reset-code": last_code(phone(1)),
            "reset-new_password1": "Brand-New-Pass-2026",
            "reset-new_password2": "Brand-New-Pass-2026",
        },
    )

    assert not _signed_in_user(client).is_authenticated


def test_sessions_of_force_login_are_left_alone(client, citizen, session_middleware):
    client.force_login(citizen)

    assert _signed_in_user(client) == citizen
