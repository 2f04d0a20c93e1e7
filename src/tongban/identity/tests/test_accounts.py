"""Accounts and assurance levels: register (L1) → real name (L2) → in person (L3); verified
accounts made by an operator (create-citizen); passwords."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.core.models import StaffRole
from tongban.identity.errors import RateLimited
from tongban.identity.models import AssuranceLevel, CodePurpose, RegistryPerson, User, UserSession
from tongban.identity.services import (
    assurance_record_in_person,
    citizen_register,
    citizen_verify_real_name,
    create_verified_citizen,
    one_time_code_request,
    password_change,
    registry_persons_import,
    sign_in_complete,
)
from tongban.testing.identity import (
    PASSWORD,
    id_number,
    last_code,
    make_person,
    make_staff_user,
    phone,
)

pytestmark = pytest.mark.django_db

NEW_PHONE = "13912345678"
ZHANG_ID = id_number(40, female=True)


@pytest.fixture
def in_registry():
    registry_persons_import(
        actor=None, rows=[{"name": "张晓燕", "id_number": ZHANG_ID, "status": "normal"}]
    )


@pytest.fixture
def clerk(regions):
    return make_staff_user(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="clerk")


def _register(django_capture_on_commit_callbacks, *, password=PASSWORD) -> User:
    with django_capture_on_commit_callbacks(execute=True):
        one_time_code_request(purpose=CodePurpose.VERIFY_PHONE, phone=NEW_PHONE)
    return citizen_register(phone=NEW_PHONE, code=last_code(NEW_PHONE), password=password)


def test_register_then_real_name_then_in_person(
    django_capture_on_commit_callbacks, in_registry, clerk
):
    user = _register(django_capture_on_commit_callbacks)
    assert user.assurance_level == AssuranceLevel.L1
    assert user.phone == NEW_PHONE
    assert user.phone_verified_at is not None
    assert user.check_password(PASSWORD)

    citizen_verify_real_name(user=user, real_name="张晓燕", id_number=ZHANG_ID.lower())
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.L2
    assert user.id_number == ZHANG_ID
    assert user.real_name_verified_at is not None

    assurance_record_in_person(
        clerk=clerk,
        user=user,
        method="window_id_card",
        evidence={"id_number": ZHANG_ID, "photo_matches": "yes", "reference": "JJ-0001"},
    )
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.L3
    assert user.in_person_verifier == clerk
    assert (user.in_person_method, user.in_person_reference) == ("window_id_card", "JJ-0001")

    actions = list(
        AuditEntry.objects.filter(action__startswith="identity.")
        .exclude(action__in=["identity.one_time_code.request", "identity.registry.persons_import"])
        .values_list("action", flat=True)
    )
    assert actions == [
        "identity.user.register",
        "identity.real_name.verify",
        "identity.in_person.verify",
    ]
    summaries = " ".join(str(s) for s in AuditEntry.objects.values_list("summary", flat=True))
    assert ZHANG_ID not in summaries
    assert NEW_PHONE not in summaries
    assert "张晓燕" not in summaries


def test_register_refuses_a_wrong_code_and_a_weak_password(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        one_time_code_request(purpose=CodePurpose.VERIFY_PHONE, phone=NEW_PHONE)
    code = last_code(NEW_PHONE)

    with pytest.raises(ValidationFailed) as weak:
        citizen_register(phone=NEW_PHONE, code=code, password="12345678")
    assert weak.value.fields[0].field == "password"
    with pytest.raises(ValidationFailed, match="验证码不正确"):
        citizen_register(
            phone=NEW_PHONE, code="000000" if code != "000000" else "111111", password=PASSWORD
        )
    assert not User.objects.exists()

    citizen_register(phone=NEW_PHONE, code=code, password=PASSWORD)  # the code still works
    assert User.objects.count() == 1


def test_a_registered_phone_is_said_only_to_its_holder(
    django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    _register(django_capture_on_commit_callbacks)
    time_machine.shift(timedelta(minutes=2))  # past the one-a-minute limit
    with django_capture_on_commit_callbacks(execute=True):
        one_time_code_request(purpose=CodePurpose.VERIFY_PHONE, phone=NEW_PHONE)

    with pytest.raises(Conflict, match="已注册"):
        citizen_register(phone=NEW_PHONE, code=last_code(NEW_PHONE), password=PASSWORD)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "number"),
    [("张小燕", ZHANG_ID), ("张晓燕", id_number(41, female=True))],
)
def test_real_name_failure_says_the_same_whatever_the_registry_answered(in_registry, name, number):
    user = make_person(1, level=1)

    with pytest.raises(ValidationFailed) as excinfo:
        citizen_verify_real_name(user=user, real_name=name, id_number=number)

    assert excinfo.value.message.startswith("实名核验未通过：请确认姓名和公民身份号码")
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.L1
    assert user.real_name_verified_at is None
    failed = AuditEntry.objects.get(action="identity.real_name.verify_fail")
    assert failed.summary["outcome"] in {"mismatch", "not_found"}


def test_real_name_refuses_a_malformed_number_with_the_foundation_message():
    user = make_person(1, level=1)
    bad = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")

    with pytest.raises(ValidationFailed, match="校验码错误"):
        citizen_verify_real_name(user=user, real_name="张晓燕", id_number=bad)


def test_real_name_attempts_are_limited_per_day(in_registry, settings):
    settings.TONGBAN_VERIFY_MAX_FAILURES_PER_DAY = 2
    user = make_person(1, level=1)
    for _i in range(2):
        with pytest.raises(ValidationFailed):
            citizen_verify_real_name(user=user, real_name="张小燕", id_number=ZHANG_ID)

    with pytest.raises(RateLimited):
        citizen_verify_real_name(user=user, real_name="张晓燕", id_number=ZHANG_ID)


def test_one_verified_account_per_person_and_kind(in_registry):
    first = make_person(1, level=1)
    second = make_person(2, level=1)
    citizen_verify_real_name(user=first, real_name="张晓燕", id_number=ZHANG_ID)

    with pytest.raises(Conflict, match="另一个账号"):
        citizen_verify_real_name(user=second, real_name="张晓燕", id_number=ZHANG_ID)


def test_real_name_needs_a_verified_phone_first(in_registry):
    user = User.objects.create_user(username="nophone", password=PASSWORD)

    with pytest.raises(Conflict, match="请先验证手机号码"):
        citizen_verify_real_name(user=user, real_name="张晓燕", id_number=ZHANG_ID)


def test_in_person_check_rules(clerk, regions):
    l1 = make_person(1, level=1)
    l2 = make_person(2)
    reviewer = make_staff_user(regions["jinjiang"], StaffRole.REVIEWER, username="reviewer")
    evidence = {"id_number": l2.id_number, "photo_matches": "yes"}

    with pytest.raises(PermissionDenied):
        assurance_record_in_person(
            clerk=reviewer, user=l2, method="window_id_card", evidence=evidence
        )
    with pytest.raises(Conflict, match="L2"):
        assurance_record_in_person(clerk=clerk, user=l1, method="window_id_card", evidence=evidence)
    with pytest.raises(ValidationFailed, match="未启用"):
        assurance_record_in_person(clerk=clerk, user=l2, method="face", evidence=evidence)
    with pytest.raises(ValidationFailed, match="号码不一致"):
        assurance_record_in_person(
            clerk=clerk,
            user=l2,
            method="window_id_card",
            evidence={"id_number": l1.id_number, "photo_matches": "yes"},
        )
    with pytest.raises(ValidationFailed, match="照片"):
        assurance_record_in_person(
            clerk=clerk, user=l2, method="window_id_card", evidence={"id_number": l2.id_number}
        )

    l2.refresh_from_db()
    assert l2.assurance_level == AssuranceLevel.L2
    assert AuditEntry.objects.filter(action="identity.in_person.verify_fail").count() == 2


def test_development_face_verifier_needs_its_explicit_setting(clerk, settings):
    user = make_person(2)
    settings.TONGBAN_IN_PERSON_VERIFIERS = [
        "tongban.identity.verifiers.WindowIdCardVerifier",
        "tongban.identity.verifiers.DevelopmentFaceVerifier",
    ]
    settings.TONGBAN_ALLOW_DEVELOPMENT_VERIFIER = False
    with pytest.raises(ImproperlyConfigured, match="TONGBAN_ALLOW_DEVELOPMENT_VERIFIER"):
        assurance_record_in_person(clerk=clerk, user=user, method="face", evidence={})

    settings.TONGBAN_ALLOW_DEVELOPMENT_VERIFIER = True
    assurance_record_in_person(clerk=clerk, user=user, method="face", evidence={})
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.L3
    assert user.in_person_reference.startswith("DEV-")


# --- create-citizen ---------------------------------------------------------------------------------


def test_create_citizen_cli_makes_an_l2_account_and_the_registry_row(capsys):
    call_command(
        "identity",
        "create-citizen",
        "--name=张晓燕",
        f"--id-number={ZHANG_ID}",
        f"--phone={phone(7)}",
        f"--password={PASSWORD}",
        "--level=2",
        "--username=zhang",
    )

    printed = json.loads(capsys.readouterr().out)
    assert printed == {"username": "zhang", "kind": "citizen", "assurance_level": 2}
    user = User.objects.get(username="zhang")
    assert user.id_number == ZHANG_ID
    assert user.phone == phone(7)
    assert user.phone_verified_at
    assert user.real_name_verified_at
    row = RegistryPerson.objects.get()
    assert (row.name, row.source) == ("张晓燕", "operator")
    assert AuditEntry.objects.filter(action="identity.user.create_verified").count() == 1


def test_create_citizen_refuses_an_invalid_id_number_with_the_foundation_message():
    bad = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "identity",
            "create-citizen",
            "--name=张晓燕",
            f"--id-number={bad}",
            f"--phone={phone(7)}",
            f"--password={PASSWORD}",
        )

    assert str(excinfo.value) == (
        "公民身份号码校验码错误：请逐位核对号码，常见原因是抄错了某一位。"
    )
    assert not User.objects.exists()
    assert not RegistryPerson.objects.exists()


def test_create_citizen_refuses_what_the_registry_contradicts(in_registry):
    with pytest.raises(ValidationFailed, match="姓名与所填姓名不一致"):
        create_verified_citizen(
            actor=None,
            real_name="张小燕",
            id_number=ZHANG_ID,
            phone=phone(7),
            password=PASSWORD,
        )
    assert not User.objects.exists()


def test_create_citizen_cannot_make_l3_and_level_1_skips_the_registry():
    with pytest.raises(CommandError, match="L3"):
        call_command(
            "identity",
            "create-citizen",
            "--name=张晓燕",
            f"--id-number={ZHANG_ID}",
            f"--phone={phone(7)}",
            f"--password={PASSWORD}",
            "--level=3",
        )
    user = make_person(3, level=1)
    assert user.assurance_level == 1
    assert user.real_name_verified_at is None
    assert not RegistryPerson.objects.exists()


def test_password_change_ends_other_sessions_only():

    user = make_person(1)
    later = timezone.now() + timedelta(hours=1)
    sign_in_complete(user=user, session_key="here", method="password", expires_at=later)
    sign_in_complete(user=user, session_key="elsewhere", method="password", expires_at=later)

    with pytest.raises(ValidationFailed):
        password_change(user=user, old_password="wrong-password", new_password="Another-Pass-2026")
    password_change(
        user=user,
        old_password=PASSWORD,
        new_password="Another-Pass-2026",
        current_session_key="here",
    )

    user.refresh_from_db()
    assert user.check_password("Another-Pass-2026")
    open_sessions = UserSession.objects.filter(user=user, ended_at__isnull=True)
    assert open_sessions.count() == 1
