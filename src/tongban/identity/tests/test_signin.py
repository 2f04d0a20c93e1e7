"""Sign-in services: identifiers, enumeration-safe messages, lockout, IP throttling, SMS codes,
TOTP and recovery codes, the login history and the audit log, password hashing."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.identity.errors import RateLimited, SignInRefused
from tongban.identity.models import (
    AccountKind,
    CodePurpose,
    OneTimeCode,
    SignInEvent,
    TotpDevice,
    User,
)
from tongban.identity.selectors import sign_in_events_for
from tongban.identity.services import (
    one_time_code_request,
    password_reset_with_code,
    sign_in_with_password,
    sign_in_with_recovery_code,
    sign_in_with_sms,
    sign_in_with_totp,
    totp_confirm,
    totp_enrol,
)
from tongban.identity.services.signin import bad_credentials_message, locked_message
from tongban.testing.identity import (
    PASSWORD,
    bind_totp,
    id_number,
    last_code,
    make_person,
    phone,
    sent_messages,
    totp_code,
)

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[3]
IP = "203.0.113.7"
WRONG = "wrong-password"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def citizen():
    return make_person(1, name="张晓燕", username="zhangxy")


def _fail(identifier: str, password: str = WRONG, ip: str | None = IP) -> str:
    with pytest.raises((SignInRefused, RateLimited)) as excinfo:
        sign_in_with_password(identifier=identifier, password=password, ip=ip)
    return excinfo.value.message


# --- Identifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "zhangxy",
        phone(1),
        "+86 " + phone(1),
        id_number(1),
        id_number(1).lower(),
    ],
)
def test_password_sign_in_by_username_phone_or_id_number(citizen, typed):
    step = sign_in_with_password(identifier=typed, password=PASSWORD, ip=IP)

    assert step.user == citizen
    assert step.complete
    assert step.method == "password"


def test_wrong_password_and_unknown_user_get_the_identical_message(citizen):
    messages = {
        _fail("zhangxy"),
        _fail("nobody"),
        _fail(phone(99)),
        _fail(id_number(99)),
    }

    assert messages == {bad_credentials_message()}
    assert bad_credentials_message() == "用户名或密码不正确。"


def test_an_inactive_account_is_refused_like_a_wrong_password(citizen):
    User.objects.filter(pk=citizen.pk).update(is_active=False)

    assert _fail("zhangxy", PASSWORD) == bad_credentials_message()


def test_one_phone_on_two_accounts_lets_the_password_decide(citizen):
    staff_twin = make_person(
        2, kind=AccountKind.ENTERPRISE, username="twin", password="Other-Pass-2026"
    )
    staff_twin.phone = citizen.phone
    staff_twin.save()

    assert sign_in_with_password(identifier=phone(1), password=PASSWORD).user == citizen
    assert sign_in_with_password(identifier=phone(1), password="Other-Pass-2026").user == staff_twin


# --- Lockout and throttling ----------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(citizen, frozen):
    for _i in range(5):
        assert _fail("zhangxy") == bad_credentials_message()

    # Locked: even the right password, by any identifier of the account, gets the lock text.
    assert _fail("zhangxy", PASSWORD) == locked_message()
    assert _fail(phone(1), PASSWORD) == locked_message()

    frozen.shift(timedelta(minutes=14, seconds=59))
    assert _fail("zhangxy", PASSWORD) == locked_message()

    frozen.shift(timedelta(seconds=2))
    assert sign_in_with_password(identifier="zhangxy", password=PASSWORD).user == citizen
    assert list(SignInEvent.objects.filter(user=citizen).values_list("outcome", flat=True)[:4]) == [
        "locked",
        "locked",
        "locked",
        "failure",
    ]


def test_an_unknown_identifier_locks_exactly_like_a_real_one(frozen):
    messages = [_fail("nobody") for _i in range(6)]

    assert messages[:5] == [bad_credentials_message()] * 5
    assert messages[5] == locked_message()


def test_failures_spread_beyond_the_window_do_not_lock(citizen, frozen):
    for _i in range(4):
        _fail("zhangxy")
    frozen.shift(timedelta(minutes=16))
    _fail("zhangxy")

    assert sign_in_with_password(identifier="zhangxy", password=PASSWORD).user == citizen


def test_a_success_clears_the_count(citizen, frozen):
    for _i in range(4):
        _fail("zhangxy")
    sign_in_with_password(identifier="zhangxy", password=PASSWORD)
    for _i in range(4):
        _fail("zhangxy")

    assert sign_in_with_password(identifier="zhangxy", password=PASSWORD).user == citizen


def test_twenty_failures_from_one_ip_throttle_it(citizen, frozen):
    for n in range(20):
        _fail(f"nobody{n}")  # different names: no account lockout involved

    with pytest.raises(RateLimited):
        sign_in_with_password(identifier="zhangxy", password=PASSWORD, ip=IP)
    # Another address is not affected.
    assert sign_in_with_password(identifier="zhangxy", password=PASSWORD, ip="198.51.100.1")

    frozen.shift(timedelta(minutes=10, seconds=1))
    assert sign_in_with_password(identifier="zhangxy", password=PASSWORD, ip=IP)
    assert SignInEvent.objects.filter(outcome="throttled", ip_address=IP).count() == 1


def test_backend_authenticates_through_the_same_rules(citizen, rf):
    request = rf.post("/admin/login/", REMOTE_ADDR=IP)

    assert authenticate(request, username=phone(1), password=PASSWORD) == citizen
    assert authenticate(request, username="zhangxy", password="wrong-password") is None
    assert SignInEvent.objects.filter(user=citizen, outcome="failure").count() == 1


def test_backend_never_authenticates_an_account_that_needs_a_second_factor(regions, rf):
    staff = make_person(3, kind=AccountKind.CITIZEN, username="officer")
    User.objects.filter(pk=staff.pk).update(kind=AccountKind.STAFF)

    assert authenticate(rf.post("/"), username="officer", password=PASSWORD) is None


# --- Login history and audit ---------------------------------------------------------------------


def test_every_attempt_is_recorded_and_audited_with_masked_identifiers(citizen):
    _fail(phone(1))
    _fail("nobody")
    sign_in_with_password(identifier=phone(1), password=PASSWORD, ip=IP)  # complete: no row yet

    history = sign_in_events_for(citizen)
    assert [(e.method, e.outcome, e.identifier_hint) for e in history] == [
        ("password", "failure", "138****0001")
    ]
    assert history[0].ip_address == IP
    unknown = SignInEvent.objects.get(user=None)
    assert unknown.identifier_hint == "no****"
    failures = AuditEntry.objects.filter(action="identity.sign_in.fail")
    assert failures.count() == 2
    assert phone(1) not in str(list(failures.values_list("summary", flat=True)))


# --- SMS codes -------------------------------------------------------------------------------------


def _request(django_capture_on_commit_callbacks, to: str, purpose=CodePurpose.LOGIN, ip=IP):
    with django_capture_on_commit_callbacks(execute=True):
        one_time_code_request(purpose=purpose, phone=to, ip=ip)


def test_sms_sign_in_code_works_once(citizen, django_capture_on_commit_callbacks):
    _request(django_capture_on_commit_callbacks, phone(1))
    code = last_code(phone(1))
    assert "登录验证码" in sent_messages(phone(1))[-1]

    assert sign_in_with_sms(phone=phone(1), code=code, ip=IP).user == citizen
    with pytest.raises(SignInRefused, match="验证码不正确或已失效"):
        sign_in_with_sms(phone=phone(1), code=code, ip=IP)


def test_sms_code_expires_after_five_minutes(citizen, django_capture_on_commit_callbacks, frozen):
    _request(django_capture_on_commit_callbacks, phone(1))
    frozen.shift(timedelta(minutes=5, seconds=1))

    with pytest.raises(SignInRefused):
        sign_in_with_sms(phone=phone(1), code=last_code(phone(1)))


def test_sms_code_dies_after_five_wrong_attempts(citizen, django_capture_on_commit_callbacks):
    _request(django_capture_on_commit_callbacks, phone(1))
    code = last_code(phone(1))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _i in range(5):
        with pytest.raises(SignInRefused):
            sign_in_with_sms(phone=phone(1), code=wrong)

    with pytest.raises(SignInRefused):
        sign_in_with_sms(phone=phone(1), code=code)
    assert OneTimeCode.objects.get().attempts == 5


def test_sms_codes_are_rate_limited_per_phone(citizen, django_capture_on_commit_callbacks, frozen):
    _request(django_capture_on_commit_callbacks, phone(1))
    with pytest.raises(RateLimited, match="60 秒"):
        _request(django_capture_on_commit_callbacks, phone(1))
    for _i in range(9):
        frozen.shift(timedelta(seconds=61))
        _request(django_capture_on_commit_callbacks, phone(1))
    frozen.shift(timedelta(seconds=61))

    with pytest.raises(RateLimited, match="明天"):
        _request(django_capture_on_commit_callbacks, phone(1))
    assert len(sent_messages(phone(1))) == 10


def test_sms_codes_are_rate_limited_per_ip(settings, django_capture_on_commit_callbacks):
    settings.TONGBAN_OTP_IP_PER_HOUR = 3
    for n in range(3):
        _request(django_capture_on_commit_callbacks, phone(50 + n))

    with pytest.raises(RateLimited):
        _request(django_capture_on_commit_callbacks, phone(60))


def test_an_unknown_phone_gets_no_message_but_the_same_limits(django_capture_on_commit_callbacks):
    _request(django_capture_on_commit_callbacks, phone(42))

    assert sent_messages(phone(42)) == []
    assert OneTimeCode.objects.filter(user=None).count() == 1
    with pytest.raises(RateLimited):
        _request(django_capture_on_commit_callbacks, phone(42))


def test_password_reset_by_sms_unlocks_and_ends_sessions(
    citizen, django_capture_on_commit_callbacks, frozen
):
    for _i in range(5):
        _fail("zhangxy")
    _request(django_capture_on_commit_callbacks, phone(1), purpose=CodePurpose.RESET)

    password_reset_with_code(
        phone=phone(1), code=last_code(phone(1)), new_password="Brand-New-Pass-2026"
    )

    assert (
        sign_in_with_password(identifier="zhangxy", password="Brand-New-Pass-2026").user == citizen
    )
    assert AuditEntry.objects.filter(action="identity.password.reset").count() == 1


# --- Second factor -------------------------------------------------------------------------------


@pytest.fixture
def officer(regions):
    user = make_person(5, username="officer")
    User.objects.filter(pk=user.pk).update(kind=AccountKind.STAFF)
    user.refresh_from_db()
    return user


def test_staff_need_to_bind_an_authenticator_then_give_its_code(officer, frozen):
    step = sign_in_with_password(identifier="officer", password=PASSWORD)
    assert (step.complete, step.needs_enrolment) == (False, True)

    device = bind_totp(officer)
    step = sign_in_with_password(identifier="officer", password=PASSWORD)
    assert (step.complete, step.needs_enrolment) == (False, False)

    frozen.shift(timedelta(seconds=30))
    done = sign_in_with_totp(user=officer, code=totp_code(device.secret), ip=IP)
    assert done.complete
    assert done.method == "totp"


def test_a_totp_code_cannot_be_used_twice(officer, frozen):
    device = bind_totp(officer)
    frozen.shift(timedelta(seconds=30))
    code = totp_code(device.secret)
    sign_in_with_totp(user=officer, code=code)

    with pytest.raises(SignInRefused, match="动态口令不正确"):
        sign_in_with_totp(user=officer, code=code)
    # Not even the previous step's code, now that a newer one was used.
    with pytest.raises(SignInRefused):
        sign_in_with_totp(user=officer, code=totp_code(device.secret, offset_steps=-1))


def test_totp_accepts_one_step_of_clock_drift_only(officer, frozen):
    device = bind_totp(officer)
    frozen.shift(timedelta(minutes=5))

    with pytest.raises(SignInRefused):
        sign_in_with_totp(user=officer, code=totp_code(device.secret, offset_steps=2))
    sign_in_with_totp(user=officer, code=totp_code(device.secret, offset_steps=1))


def test_totp_failures_count_toward_the_lockout(officer, frozen):
    device = bind_totp(officer)
    frozen.shift(timedelta(seconds=30))
    good = totp_code(device.secret)
    for _i in range(5):
        with pytest.raises(SignInRefused):
            sign_in_with_totp(user=officer, code=f"{(int(good) + 1) % 10**6:06d}")

    with pytest.raises(SignInRefused, match="暂停"):
        sign_in_with_totp(user=officer, code=good)


def test_a_recovery_code_works_once(officer):
    enrolment = totp_enrol(user=officer)
    codes = totp_confirm(user=officer, device=enrolment.device, code=totp_code(enrolment.secret))
    assert len(codes) == 10
    assert len(set(codes)) == 10

    assert sign_in_with_recovery_code(user=officer, code=codes[0].lower()).complete
    with pytest.raises(SignInRefused, match="恢复码不正确或已使用"):
        sign_in_with_recovery_code(user=officer, code=codes[0])
    assert sign_in_with_recovery_code(user=officer, code=codes[1]).method == "recovery"


def test_totp_secret_is_encrypted_at_rest(officer):
    from django.db import connection

    device = bind_totp(officer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM identity_totpdevice WHERE id = %s", [device.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("sm4gcm:")
    assert device.secret not in stored
    assert TotpDevice.objects.get().secret == device.secret


# --- Password hashing ------------------------------------------------------------------------------


def test_base_settings_put_argon2id_first_with_the_chosen_cost():
    # Test settings swap in a fast hasher, so read the base settings in a fresh interpreter
    # (as core's settings tests do), with no TONGBAN_ overrides from this process.
    script = (
        "import json; from tongban.config.settings import base as b; print(json.dumps("
        "[b.PASSWORD_HASHERS, b.TONGBAN_ARGON2_MEMORY_KIB, b.TONGBAN_ARGON2_TIME_COST, "
        "b.TONGBAN_ARGON2_PARALLELISM, b.AUTHENTICATION_BACKENDS]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONGBAN_", "DJANGO_"))}
    env.update(
        {
            "PYTHONPATH": str(SRC),
            "DJANGO_SECRET_KEY": "x" * 50,
            "TONGBAN_DATA_KEYS": "k1:MTIzNDU2Nzg5MGFiY2RlZg==",
            "TONGBAN_BLIND_INDEX_KEY": "dGVzdC1ibGluZC1pbmRleC1rZXktMzJieXRlcyEhISE=",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    hashers, memory, time_cost, lanes, backends = json.loads(result.stdout)

    assert hashers[0] == "tongban.identity.hashers.TongbanArgon2idHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers
    assert (memory, time_cost, lanes) == (19 * 1024, 2, 1)
    assert backends == ["tongban.identity.backends.IdentifierBackend"]


def test_a_pbkdf2_hash_becomes_argon2id_at_sign_in(citizen, settings):
    settings.PASSWORD_HASHERS = [
        "tongban.identity.hashers.TongbanArgon2idHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    old = PBKDF2PasswordHasher().encode(PASSWORD, "somesalt", iterations=1000)
    User.objects.filter(pk=citizen.pk).update(password=old)

    sign_in_with_password(identifier="zhangxy", password=PASSWORD)

    citizen.refresh_from_db()
    assert citizen.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert citizen.check_password(PASSWORD)
