"""Helpers for tests that sign people in: accounts built through the identity services, SMS
codes read back from the in-memory outbox (TONGBAN_SMS_BACKEND = "memory" in test settings),
TOTP codes computed like an authenticator app would."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from django.utils import timezone

from tongban.core.identifiers import citizen_id_with_check
from tongban.core.models import StaffRole
from tongban.core.services.organizations import staff_membership_grant
from tongban.identity import sms
from tongban.identity.models import AccountKind, TotpDevice, User
from tongban.identity.services import create_verified_citizen, totp_confirm, totp_enrol

PASSWORD = "Tongban-Test-2026"  # noqa: S105 - test accounts only


def id_number(n: int, *, female: bool = False) -> str:
    """A valid 公民身份号码 of a person born 1990-01-01 in 北京市朝阳区; `n` keeps them apart."""
    sequence = (n * 2) % 1000 + (0 if female else 1)
    return citizen_id_with_check(f"11010519900101{sequence % 1000:03d}")


def phone(n: int) -> str:
    return f"138{n:08d}"


def make_person(
    n: int,
    *,
    name: str = "",
    level: int = 2,
    kind: str = AccountKind.CITIZEN,
    username: str = "",
    password: str = PASSWORD,
) -> User:
    """A citizen (or enterprise-agent) account at L1 or L2, made by the operator service."""
    return create_verified_citizen(
        actor=None,
        real_name=name or f"测试{'一二三四五六七八九十'[n % 10]}号",
        id_number=id_number(n),
        phone=phone(n),
        password=password,
        level=level,
        username=username or f"person{n}",
        kind=kind,
    )


def make_staff_user(
    region: Any, role: str = StaffRole.WINDOW_CLERK, *, username: str, password: str = PASSWORD
) -> User:
    """A staff account holding `role` in `region`, with a password (for sign-in tests)."""
    user = User.objects.create_user(
        username=username, password=password, kind=AccountKind.STAFF, real_name="工作人员"
    )
    staff_membership_grant(actor=None, user=user, role=role, region=region)
    return user


def sent_messages(to: str) -> list[str]:
    return [m.text for m in sms.outbox if m.phone == to]


def last_code(to: str) -> str:
    """The code of the last SMS to `to` (after the sending transaction's on_commit ran)."""
    texts = sent_messages(to)
    if not texts:
        raise AssertionError(f"no SMS was sent to {to}")
    match = re.search(r"\b(\d{6})\b", texts[-1])
    if match is None:
        raise AssertionError(f"no code in {texts[-1]!r}")
    return match.group(1)


def totp_code(secret: str, *, offset_steps: int = 0, at: Any = None) -> str:
    moment = at or timezone.now()
    return pyotp.TOTP(secret).at(moment, counter_offset=offset_steps)


def bind_totp(user: User) -> TotpDevice:
    """Bind an authenticator for `user` through the services; returns the confirmed device.
    The confirming code's time step is then used up, as in real life."""
    enrolment = totp_enrol(user=user)
    totp_confirm(user=user, device=enrolment.device, code=totp_code(enrolment.secret))
    enrolment.device.refresh_from_db()
    return enrolment.device
