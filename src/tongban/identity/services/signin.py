"""Sign-in: password, SMS code, second factor (TOTP or recovery code), sessions and sign-out.

Every attempt writes a SignInEvent (the login history) and an audit entry. A failed attempt's
records are committed before the error is raised, so these steps are not wrapped in one
transaction that the error would roll back: each opens its own and raises after it.

Lockout and throttling (settings TONGBAN_SIGNIN_*; counted in the database, so every process
and server sees the same counts):

- per account: 5 failed passwords or second-factor codes within 15 minutes lock password
  sign-in for 15 minutes. The failures count against the *account* when the identifier names
  one, and against the *identifier as typed* when it names none — so an unknown name locks
  after 5 tries exactly like a real one and the lock message cannot be used to find accounts.
  SMS sign-in is not locked by password failures (a locked-out owner can still get in with
  their phone; SMS codes have their own limits), which also stops an attacker from keeping an
  owner out by mistyping on purpose.
- per IP address: 20 failures within 10 minutes refuse every sign-in from that address until
  the oldest failure leaves the window.

Messages: a wrong password and an unknown identifier give the same text; a locked identifier
gives the lock text whether or not an account stands behind it; an inactive account is
refused like a wrong password. A correct password on a locked account still gets the lock
text (the password is not even checked while locked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.crypto import sm3_hex
from tongban.core.errors import DomainError, NotFound
from tongban.identity.errors import RateLimited, SignInRefused
from tongban.identity.models import (
    CodePurpose,
    SignInEvent,
    SignInGuard,
    SignInMethod,
    SignInOutcome,
    User,
    UserSession,
)
from tongban.identity.selectors import (
    identifier_kind,
    normalise_phone,
    totp_device_confirmed,
    user_candidates_for_sign_in,
    user_requires_second_factor,
)
from tongban.identity.services.codes import one_time_code_consume, one_time_code_match
from tongban.identity.services.common import (
    conf,
    mask_identifier,
    secret_digest,
    truncate_user_agent,
)
from tongban.identity.services.mfa import recovery_code_accept, totp_accept


def bad_credentials_message() -> str:
    return _("用户名或密码不正确。")


def locked_message() -> str:
    return _("登录失败次数过多，已暂停密码登录15分钟。请稍后再试，或使用短信验证码登录、重置密码。")


def throttled_message() -> str:
    return _("登录尝试过于频繁，请10分钟后再试。")


def bad_code_message() -> str:
    return _("验证码不正确或已失效，请重新获取。")


def bad_second_factor_message() -> str:
    return _("动态口令不正确，请输入身份验证器当前显示的6位数字。")


@dataclass(frozen=True)
class SignInStep:
    """A first factor succeeded. `complete`: the session may start now; otherwise the second
    factor is next (`needs_enrolment`: the account must first bind an authenticator)."""

    user: User
    method: str
    complete: bool
    needs_enrolment: bool = False


# --- Lockout bookkeeping ---------------------------------------------------------------------------


def account_lock_key(user: User) -> str:
    return secret_digest(f"user:{user.pk}", purpose="lock_key")


def _identifier_key(identifier: str) -> str:
    kind = identifier_kind(identifier)
    if kind == "phone":
        value = normalise_phone(identifier)
    elif kind == "id_number":
        value = "".join(identifier.split()).upper()
    else:
        value = identifier.strip().casefold()
    return secret_digest(f"{kind}:{value}", purpose="lock_key")


def _ip_throttled(ip: str | None, now: datetime) -> bool:
    if not ip:
        return False
    window = timedelta(seconds=int(conf("TONGBAN_SIGNIN_IP_WINDOW")))
    failures = SignInEvent.objects.filter(
        ip_address=ip, outcome=SignInOutcome.FAILURE, occurred_at__gt=now - window
    ).count()
    return failures >= int(conf("TONGBAN_SIGNIN_IP_MAX_FAILURES"))


def _locked(key: str, now: datetime) -> bool:
    return SignInGuard.objects.filter(key=key, blocked_until__gt=now).exists()


def _count_failure(key: str, now: datetime) -> None:
    """After a failure was recorded under `key`: lock when the window holds enough."""
    window_start = now - timedelta(seconds=int(conf("TONGBAN_SIGNIN_FAILURE_WINDOW")))
    guard = SignInGuard.objects.filter(key=key).first()
    since = max(window_start, guard.counted_since) if guard else window_start
    failures = SignInEvent.objects.filter(
        lock_key=key, outcome=SignInOutcome.FAILURE, occurred_at__gt=since
    ).count()
    if failures >= int(conf("TONGBAN_SIGNIN_MAX_FAILURES")):
        SignInGuard.objects.update_or_create(
            key=key,
            defaults={
                "counted_since": now,
                "blocked_until": now + timedelta(seconds=int(conf("TONGBAN_SIGNIN_LOCK_SECONDS"))),
            },
        )


def _clear_failures(key: str, now: datetime) -> None:
    SignInGuard.objects.update_or_create(
        key=key, defaults={"counted_since": now, "blocked_until": None}
    )


def _record(
    *,
    user: User | None,
    method: str,
    outcome: str,
    reason: str,
    hint: str,
    lock_key: str,
    ip: str | None,
    user_agent: str,
    now: datetime,
) -> SignInEvent:
    event = SignInEvent.objects.create(
        user=user,
        identifier_hint=hint[:40],
        method=method,
        outcome=outcome,
        reason=reason,
        lock_key=lock_key,
        ip_address=ip,
        user_agent=truncate_user_agent(user_agent),
        occurred_at=now,
    )
    action = (
        "identity.sign_in.success" if outcome == SignInOutcome.SUCCESS else "identity.sign_in.fail"
    )
    audit_record(
        actor=user if user is not None else AnonymousUser(),
        action=action,
        obj=event,
        summary={
            "method": method,
            "outcome": outcome,
            "reason": reason,
            "identifier": hint,
            "user": user.get_username() if user is not None else None,
        },
        ip_address=ip,
    )
    return event


def _dummy_password_check(password: str) -> None:
    # Costs what a real check costs, so timing does not tell whether the account exists.
    User().set_password(password)


def _step_after_first_factor(user: User, method: str) -> SignInStep:
    if not user_requires_second_factor(user):
        return SignInStep(user=user, method=method, complete=True)
    return SignInStep(
        user=user,
        method=method,
        complete=False,
        needs_enrolment=totp_device_confirmed(user) is None,
    )


# --- First factors ------------------------------------------------------------------------------


def sign_in_with_password(
    *, identifier: str, password: str, ip: str | None = None, user_agent: str = ""
) -> SignInStep:
    """Check a phone number, ID number or username with its password. Raises SignInRefused
    (wrong, locked) or RateLimited (this IP). An older password hash is upgraded on success."""
    hint = mask_identifier(identifier)
    error: DomainError | None = None
    step: SignInStep | None = None
    with transaction.atomic():
        now = timezone.now()
        candidates = user_candidates_for_sign_in(identifier)
        single = candidates[0] if len(candidates) == 1 else None
        key = account_lock_key(single) if single else _identifier_key(identifier)
        common = {
            "method": SignInMethod.PASSWORD,
            "hint": hint,
            "ip": ip,
            "user_agent": user_agent,
            "now": now,
        }
        if _ip_throttled(ip, now):
            _record(
                user=single, outcome=SignInOutcome.THROTTLED, reason="ip", lock_key="", **common
            )
            error = RateLimited(throttled_message(), code="sign_in_throttled")
        elif _locked(key, now):
            _record(
                user=single, outcome=SignInOutcome.LOCKED, reason="locked", lock_key=key, **common
            )
            error = SignInRefused(locked_message(), code="sign_in_locked")
        else:
            if not candidates:
                _dummy_password_check(password)
            matched = [u for u in candidates if u.check_password(password) and u.is_active]
            if len(matched) == 1:
                user = matched[0]
                _clear_failures(key, now)
                step = _step_after_first_factor(user, SignInMethod.PASSWORD)
                if not step.complete:
                    _record(
                        user=user,
                        outcome=SignInOutcome.SUCCESS,
                        reason="second_factor_next",
                        lock_key="",
                        **common,
                    )
            elif len(matched) > 1:
                _record(
                    user=None,
                    outcome=SignInOutcome.FAILURE,
                    reason="ambiguous",
                    lock_key="",
                    **common,
                )
                error = SignInRefused(
                    _("该号码对应多个账号，请改用用户名登录。"), code="sign_in_ambiguous"
                )
            else:
                reason = "unknown" if not candidates else "bad_password"
                _record(
                    user=single,
                    outcome=SignInOutcome.FAILURE,
                    reason=reason,
                    lock_key=key,
                    **common,
                )
                _count_failure(key, now)
                error = SignInRefused(bad_credentials_message())
    if error is not None:
        raise error
    assert step is not None  # noqa: S101 - one of error/step is always set above
    return step


def sign_in_with_sms(
    *, phone: str, code: str, ip: str | None = None, user_agent: str = ""
) -> SignInStep:
    """Sign in with a code sent by `one_time_code_request(purpose="login")`."""
    hint = mask_identifier(phone)
    error: DomainError | None = None
    step: SignInStep | None = None
    with transaction.atomic():
        now = timezone.now()
        common = {
            "method": SignInMethod.SMS,
            "hint": hint,
            "ip": ip,
            "user_agent": user_agent,
            "now": now,
        }
        if _ip_throttled(ip, now):
            _record(user=None, outcome=SignInOutcome.THROTTLED, reason="ip", lock_key="", **common)
            error = RateLimited(throttled_message(), code="sign_in_throttled")
        else:
            row = one_time_code_match(purpose=CodePurpose.LOGIN, phone=phone, code=code)
            user = row.user if row is not None else None
            if row is None or user is None or not user.is_active or not one_time_code_consume(row):
                _record(
                    user=user,
                    outcome=SignInOutcome.FAILURE,
                    reason="bad_code",
                    lock_key="",
                    **common,
                )
                error = SignInRefused(bad_code_message(), code="sign_in_bad_code")
            else:
                step = _step_after_first_factor(user, SignInMethod.SMS)
                if not step.complete:
                    _record(
                        user=user,
                        outcome=SignInOutcome.SUCCESS,
                        reason="second_factor_next",
                        lock_key="",
                        **common,
                    )
    if error is not None:
        raise error
    assert step is not None  # noqa: S101
    return step


# --- Second factor -----------------------------------------------------------------------------


def _second_factor(
    *, user: User, code: str, method: str, ip: str | None, user_agent: str
) -> SignInStep:
    error: DomainError | None = None
    with transaction.atomic():
        now = timezone.now()
        key = account_lock_key(user)
        common = {
            "user": user,
            "method": method,
            "hint": mask_identifier(user.get_username()),
            "ip": ip,
            "user_agent": user_agent,
            "now": now,
        }
        if _ip_throttled(ip, now):
            _record(outcome=SignInOutcome.THROTTLED, reason="ip", lock_key="", **common)
            error = RateLimited(throttled_message(), code="sign_in_throttled")
        elif _locked(key, now):
            _record(outcome=SignInOutcome.LOCKED, reason="locked", lock_key=key, **common)
            error = SignInRefused(locked_message(), code="sign_in_locked")
        else:
            if method == SignInMethod.TOTP:
                device = totp_device_confirmed(user)
                ok = device is not None and totp_accept(device, code)
            else:
                ok = recovery_code_accept(user, code)
            if ok and user.is_active:
                _clear_failures(key, now)
            else:
                _record(outcome=SignInOutcome.FAILURE, reason="bad_code", lock_key=key, **common)
                _count_failure(key, now)
                error = SignInRefused(
                    bad_second_factor_message()
                    if method == SignInMethod.TOTP
                    else _("恢复码不正确或已使用。"),
                    code="sign_in_bad_second_factor",
                )
    if error is not None:
        raise error
    return SignInStep(user=user, method=method, complete=True)


def sign_in_with_totp(
    *, user: User, code: str, ip: str | None = None, user_agent: str = ""
) -> SignInStep:
    """The second step for an account whose first factor passed (the view keeps which)."""
    return _second_factor(
        user=user, code=code, method=SignInMethod.TOTP, ip=ip, user_agent=user_agent
    )


def sign_in_with_recovery_code(
    *, user: User, code: str, ip: str | None = None, user_agent: str = ""
) -> SignInStep:
    """The fallback second step; each recovery code works once."""
    return _second_factor(
        user=user, code=code, method=SignInMethod.RECOVERY, ip=ip, user_agent=user_agent
    )


# --- Sessions -------------------------------------------------------------------------------------


def session_key_digest(session_key: str) -> str:
    return sm3_hex(session_key.encode())


@transaction.atomic
def sign_in_complete(
    *,
    user: User,
    session_key: str,
    method: str,
    expires_at: datetime,
    ip: str | None = None,
    user_agent: str = "",
) -> UserSession:
    """The session has started (after django.contrib.auth.login): the success event, the
    audit entry and the UserSession row, together."""
    now = timezone.now()
    session = UserSession.objects.create(
        user=user,
        key_digest=session_key_digest(session_key),
        method=method,
        ip_address=ip,
        user_agent=truncate_user_agent(user_agent),
        last_seen_at=now,
        expires_at=expires_at,
    )
    _record(
        user=user,
        method=method,
        outcome=SignInOutcome.SUCCESS,
        reason="",
        hint=mask_identifier(user.get_username()),
        lock_key="",
        ip=ip,
        user_agent=user_agent,
        now=now,
    )
    return session


@transaction.atomic
def sign_out(*, user: User, session_key: str | None, reason: str = "logout") -> UserSession | None:
    """End the UserSession of this browser session (the Django session itself is flushed by
    django.contrib.auth.logout in the view)."""
    if not session_key:
        return None
    session = (
        UserSession.objects.select_for_update()
        .filter(user=user, key_digest=session_key_digest(session_key), ended_at__isnull=True)
        .first()
    )
    if session is None:
        return None
    session.ended_at = timezone.now()
    session.end_reason = reason
    session.save(update_fields=["ended_at", "end_reason", "updated_at"])
    audit_record(actor=user, action="identity.session.end", obj=session, summary={"reason": reason})
    return session


@transaction.atomic
def user_session_revoke(*, actor: User, session_id: str) -> UserSession:
    """The account holder ends one of their sessions (user centre). NotFound for anyone
    else's session. Takes effect on that browser's next request (UserSessionMiddleware)."""
    session = (
        UserSession.objects.select_for_update().filter(user=actor, public_id=session_id).first()
    )
    if session is None:
        raise NotFound()
    if session.ended_at is None:
        session.ended_at = timezone.now()
        session.end_reason = "revoked"
        session.save(update_fields=["ended_at", "end_reason", "updated_at"])
        audit_record(
            actor=actor, action="identity.session.revoke", obj=session, summary={"by": "owner"}
        )
    return session


def user_sessions_end_all(*, user: User, reason: str, keep_key: str | None = None) -> int:
    """End every open session of `user` except the one with `keep_key` (password change keeps
    the current one). Called inside the caller's transaction and audit entry."""
    sessions = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if keep_key:
        sessions = sessions.exclude(key_digest=session_key_digest(keep_key))
    return sessions.update(ended_at=timezone.now(), end_reason=reason)


def user_session_check(*, session_key: str, touch_after: int = 300) -> bool:
    """For the middleware: False when this session was ended (logout elsewhere, revoked,
    password reset); touches `last_seen_at` at most every `touch_after` seconds. A session with
    no row (signed in before this feature, or by a test's force_login) is left alone. Not
    audited: it records activity, not a change anyone made."""
    row = (
        UserSession.objects.filter(key_digest=session_key_digest(session_key))
        .values("pk", "ended_at", "last_seen_at")
        .first()
    )
    if row is None:
        return True
    if row["ended_at"] is not None:
        return False
    now = timezone.now()
    if now - row["last_seen_at"] > timedelta(seconds=touch_after):
        UserSession.objects.filter(pk=row["pk"]).update(last_seen_at=now)
    return True
