"""Accounts and assurance levels: registration (L1), real-name verification against the
population registry (L2), in-person or face checks (L3), verified accounts created by an
operator (CLI, demo), passwords."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record
from tongban.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import mask_citizen_id, mask_name, mask_phone, validate_citizen_id
from tongban.core.models import StaffMembership, StaffRole
from tongban.identity.errors import RateLimited
from tongban.identity.models import (
    AccountKind,
    AssuranceLevel,
    CodePurpose,
    PersonStatus,
    RegistryPerson,
    SignInGuard,
    User,
)
from tongban.identity.registries import (
    RegistryOutcome,
    normalise_name,
    person_registry,
    registry_is_embedded,
)
from tongban.identity.selectors import user_find_by_id_number, users_with_verified_phone
from tongban.identity.services.codes import one_time_code_consume, one_time_code_match
from tongban.identity.services.common import conf, validate_phone
from tongban.identity.services.signin import (
    account_lock_key,
    bad_code_message,
    user_sessions_end_all,
)
from tongban.identity.verifiers import configured_verifiers

# Roles whose holders may record an in-person check at a service window.
IN_PERSON_ROLES = (StaffRole.WINDOW_CLERK,)


def _problem(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldProblem(field, message)])


def _check_password_rules(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ValidationFailed(
            " ".join(messages), fields=[FieldProblem(field, m) for m in messages]
        ) from None


def _clean_name(value: str, field: str = "real_name") -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise _problem(field, _("请填写姓名，与居民身份证上的一致。"))
    if len(name) > 50:
        raise _problem(field, _("姓名不能超过50个字。"))
    return name


def generate_username(prefix: str = "u") -> str:
    alphabet = string.ascii_lowercase + string.digits
    while True:
        candidate = prefix + "".join(secrets.choice(alphabet) for _i in range(10))
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _recent_failures(user: User, action: str) -> int:
    return AuditEntry.objects.filter(
        actor=user, action=action, occurred_at__gt=timezone.now() - timedelta(days=1)
    ).count()


def _id_number_taken(id_number: str, kind: str, exclude: User | None = None) -> bool:
    try:
        holder = user_find_by_id_number(id_number=id_number, kind=kind)
    except Conflict:
        return True
    if holder is None or (exclude is not None and holder.pk == exclude.pk):
        return False
    return holder.real_name_verified_at is not None


# --- L1: registration with a verified phone --------------------------------------------------------


def citizen_register(
    *, phone: str, code: str, password: str, username: str = "", ip: str | None = None
) -> User:
    """A new citizen account from a phone number proved by an SMS code (purpose verify_phone):
    assurance L1. The password rules are checked before the code, so a weak password does not
    use up an attempt."""
    number = validate_phone(phone)
    username = username.strip()
    probe = User(username=username or "new", phone=number)
    _check_password_rules(password, probe)
    if username and User.objects.filter(username=username).exists():
        raise _problem("username", _("该用户名已被使用，请换一个。"))
    error: DomainError | None = None
    user: User | None = None
    with transaction.atomic():
        row = one_time_code_match(purpose=CodePurpose.VERIFY_PHONE, phone=number, code=code)
        if row is None:
            error = _problem("code", bad_code_message())
        elif any(u.kind == AccountKind.CITIZEN for u in users_with_verified_phone(number)):
            # Said only to whoever holds the phone: the code was right.
            one_time_code_consume(row)
            error = Conflict(
                _("该手机号已注册。请直接登录；忘记密码可通过短信验证码重置。"),
                code="phone_registered",
            )
        elif not one_time_code_consume(row):
            error = _problem("code", bad_code_message())
        else:
            now = timezone.now()
            user = User(
                username=username or generate_username(),
                kind=AccountKind.CITIZEN,
                phone=number,
                phone_verified_at=now,
                assurance_level=AssuranceLevel.L1,
            )
            user.set_password(password)
            user.save()
            audit_record(
                actor=user,
                action="identity.user.register",
                obj=user,
                summary={"phone": mask_phone(number), "assurance_level": 1},
                ip_address=ip,
            )
    if error is not None:
        raise error
    assert user is not None  # noqa: S101
    return user


# --- L2: real name against the population registry -------------------------------------------------


def real_name_failed_message() -> str:
    return _(
        "实名核验未通过：请确认姓名和公民身份号码与居民身份证上的完全一致（包括生僻字）。"
        "如确认无误仍不能通过，请携带居民身份证到政务服务大厅窗口办理。"
    )


def citizen_verify_real_name(*, user: User, real_name: str, id_number: str) -> User:
    """Check name and ID number against the population registry (人口库); on a match the
    account becomes L2. Needs L1 first. Any non-match gives the same message (the registry is
    verified, never read); the outcome goes to the audit log. At most
    TONGBAN_VERIFY_MAX_FAILURES_PER_DAY failures a day."""
    if user.assurance_level < AssuranceLevel.L1:
        raise Conflict(_("请先验证手机号码，再进行实名认证。"), code="phone_unverified")
    number = validate_citizen_id(id_number)
    name = _clean_name(real_name)
    if user.real_name_verified_at is not None:
        if number == (user.id_number or "").upper() and normalise_name(name) == normalise_name(
            user.real_name
        ):
            return user
        raise Conflict(
            _("该账号已完成实名认证，身份信息不能更改。如有错误，请到政务服务大厅窗口办理。"),
            code="already_verified",
        )
    action_failed = "identity.real_name.verify_fail"
    if _recent_failures(user, action_failed) >= int(conf("TONGBAN_VERIFY_MAX_FAILURES_PER_DAY")):
        raise RateLimited(_("今天实名核验失败次数过多，请明天再试或到窗口办理。"))
    error: DomainError | None = None
    with transaction.atomic():
        answer = person_registry().verify(name=name, id_number=number)
        summary = {
            "real_name": mask_name(name),
            "id_number": mask_citizen_id(number),
            "outcome": answer.outcome.value,
        }
        if not answer.matched:
            audit_record(actor=user, action=action_failed, obj=user, summary=summary)
            error = ValidationFailed(
                real_name_failed_message(),
                fields=[FieldProblem("real_name", ""), FieldProblem("id_number", "")],
                code="real_name_mismatch",
            )
        elif _id_number_taken(number, user.kind, exclude=user):
            error = Conflict(
                _(
                    "该公民身份号码已在另一个账号完成实名认证。请使用该账号登录（可通过短信"
                    "验证码找回密码），或到政务服务大厅窗口办理。"
                ),
                code="id_number_taken",
            )
        else:
            user.real_name = name
            user.id_number = number
            user.real_name_verified_at = timezone.now()
            user.assurance_level = max(user.assurance_level, AssuranceLevel.L2)
            user.save()
            audit_record(actor=user, action="identity.real_name.verify", obj=user, summary=summary)
    if error is not None:
        raise error
    return user


# --- L3: in-person or face check -------------------------------------------------------------------


def _is_window_clerk(clerk: User) -> bool:
    if not clerk.is_active or clerk.kind != AccountKind.STAFF:
        return False
    return StaffMembership.objects.filter(
        user=clerk, role__in=IN_PERSON_ROLES, is_active=True
    ).exists()


def assurance_record_in_person(
    *, clerk: User, user: User, method: str, evidence: Mapping[str, str]
) -> User:
    """A window clerk records an in-person check (or a face check) of an L2 account through a
    configured InPersonVerifier; on success the account becomes L3. A refused check is
    audited too."""
    if not _is_window_clerk(clerk):
        raise PermissionDenied(_("只有窗口受理人员可以进行现场身份核验。"))
    if clerk.pk == user.pk:
        raise PermissionDenied(_("不能为本人进行现场核验，请由其他窗口人员办理。"))
    if user.real_name_verified_at is None or user.assurance_level < AssuranceLevel.L2:
        raise Conflict(
            _("该账号尚未完成实名认证（L2），请先完成实名认证。"), code="real_name_missing"
        )
    verifier = configured_verifiers().get(method)
    if verifier is None:
        raise _problem("method", _("该核验方式未启用，请选择已启用的核验方式。"))
    error: DomainError | None = None
    with transaction.atomic():
        answer = verifier.verify(user=user, clerk=clerk, evidence=evidence)
        summary: dict[str, Any] = {
            "method": method,
            "passed": answer.passed,
            "reference": answer.reference,
            "user": user.get_username(),
        }
        if not answer.passed:
            audit_record(
                actor=clerk, action="identity.in_person.verify_fail", obj=user, summary=summary
            )
            error = ValidationFailed(
                answer.message or _("现场核验未通过。"), code="in_person_failed"
            )
        else:
            user.in_person_verified_at = timezone.now()
            user.in_person_method = method
            user.in_person_verifier = clerk
            user.in_person_reference = answer.reference
            user.assurance_level = AssuranceLevel.L3
            user.save()
            audit_record(actor=clerk, action="identity.in_person.verify", obj=user, summary=summary)
    if error is not None:
        raise error
    return user


# --- Verified accounts created by an operator (CLI, demo) ------------------------------------------


def _operator_confirm_registry(*, real_name: str, id_number: str) -> bool:
    """L2 for an operator-created account. The operator asserts the person exists: with the
    embedded registry a missing row is written (source "operator"); a row that disagrees, or
    any non-match of an external registry, refuses. Returns whether a row was written."""
    registry = person_registry()
    answer = registry.verify(name=real_name, id_number=id_number)
    if answer.matched:
        return False
    if answer.outcome == RegistryOutcome.NOT_FOUND and registry_is_embedded(registry):
        RegistryPerson.objects.create(
            name=real_name, id_number=id_number, status=PersonStatus.NORMAL, source="operator"
        )
        return True
    messages = {
        RegistryOutcome.MISMATCH: _("人口库中该公民身份号码登记的姓名与所填姓名不一致。"),
        RegistryOutcome.DECEASED: _("人口库显示该人员已死亡注销，不能创建实名账号。"),
        RegistryOutcome.CANCELLED: _("人口库显示该户籍已注销，不能创建实名账号。"),
        RegistryOutcome.NOT_FOUND: _("人口库中没有该公民身份号码。"),
    }
    raise ValidationFailed(
        messages.get(answer.outcome, real_name_failed_message()), code="registry_refused"
    )


def _operator_raise(*, user: User, level: int, real_name: str, id_number: str) -> dict[str, Any]:
    now = timezone.now()
    written = False
    if level >= AssuranceLevel.L1 and user.phone and user.phone_verified_at is None:
        user.phone_verified_at = now
    if level >= AssuranceLevel.L2:
        written = _operator_confirm_registry(real_name=real_name, id_number=id_number)
        user.real_name = real_name
        user.id_number = id_number
        user.real_name_verified_at = user.real_name_verified_at or now
    user.assurance_level = max(user.assurance_level, level)
    return {"registry_row_written": written}


def _operator_level(level: int) -> int:
    if level == AssuranceLevel.L3:
        raise _problem(
            "level",
            _(
                "L3（实人认证）只能由窗口人员现场核验或人脸核验后取得，不能直接创建；"
                "请创建 L2 账号后到窗口核验。"
            ),
        )
    if level not in (AssuranceLevel.L1, AssuranceLevel.L2):
        raise _problem("level", _("认证等级只能是 1 或 2。"))
    return level


@transaction.atomic
def create_verified_citizen(
    *,
    actor: Any,
    real_name: str,
    id_number: str,
    phone: str,
    password: str,
    level: int = AssuranceLevel.L2,
    username: str = "",
    kind: str = AccountKind.CITIZEN,
    address: str = "",
    region: Any = None,
) -> User:
    """A ready account for scripts, tests and the demo (`manage identity create-citizen`):
    phone verified by the operator's word (L1) and, for level 2, real name confirmed against
    the population registry — with the embedded registry, a person it lacks is added to it
    (the operator vouches for them; see `_operator_confirm_registry`). L3 cannot be created.
    Refuses an invalid ID number with the foundation's message, a taken username, phone or ID
    number."""
    number = validate_citizen_id(id_number)
    name = _clean_name(real_name, field="name")
    mobile = validate_phone(phone)
    level = _operator_level(int(level))
    username = username.strip() or generate_username("c")
    if User.objects.filter(username=username).exists():
        raise _problem("username", _("用户名 %(u)s 已被使用。") % {"u": username})
    if any(u.kind == kind for u in users_with_verified_phone(mobile)):
        raise Conflict(_("该手机号已被同类账号使用。"), code="phone_registered")
    if _id_number_taken(number, kind):
        raise Conflict(_("该公民身份号码已有实名账号。"), code="id_number_taken")
    user = User(
        username=username,
        kind=kind,
        real_name=name,
        id_number=number,
        phone=mobile,
        address=address,
        region=region,
    )
    _check_password_rules(password, user)
    user.set_password(password)
    detail = _operator_raise(user=user, level=level, real_name=name, id_number=number)
    user.save()
    audit_record(
        actor=actor,
        action="identity.user.create_verified",
        obj=user,
        summary={
            "username": username,
            "kind": kind,
            "real_name": mask_name(name),
            "id_number": mask_citizen_id(number),
            "phone": mask_phone(mobile),
            "assurance_level": user.assurance_level,
            **detail,
        },
    )
    return user


@transaction.atomic
def account_verify_by_operator(*, actor: Any, user: User, level: int) -> User:
    """Raise an existing account (with name, ID number and phone already on it) to L1 or L2
    on the operator's word, as `create_verified_citizen` does for a new one (demo data)."""
    level = _operator_level(int(level))
    if user.assurance_level >= level:
        return user
    number = validate_citizen_id(user.id_number) if level >= AssuranceLevel.L2 else ""
    detail = _operator_raise(
        user=user, level=level, real_name=_clean_name(user.real_name), id_number=number
    )
    user.save()
    audit_record(
        actor=actor,
        action="identity.user.verify_by_operator",
        obj=user,
        summary={"assurance_level": user.assurance_level, **detail},
    )
    return user


# --- Passwords -------------------------------------------------------------------------------------


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, current_session_key: str | None = None
) -> User:
    """Change a password knowing the old one. Other sessions end; this one stays (the view
    calls update_session_auth_hash)."""
    if not user.check_password(old_password):
        raise _problem("old_password", _("原密码不正确。"))
    _check_password_rules(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = user_sessions_end_all(
        user=user, reason="password_changed", keep_key=current_session_key
    )
    audit_record(
        actor=user, action="identity.password.change", obj=user, summary={"sessions_ended": ended}
    )
    return user


def password_reset_with_code(
    *, phone: str, code: str, new_password: str, ip: str | None = None
) -> User:
    """Set a new password with an SMS code (purpose reset). Every session of the account ends
    and a password lockout is lifted. A phone that names no account fails like a wrong code."""
    error: DomainError | None = None
    user: User | None = None
    with transaction.atomic():
        row = one_time_code_match(purpose=CodePurpose.RESET, phone=phone, code=code)
        if row is None or row.user is None or not row.user.is_active:
            error = _problem("code", bad_code_message())
        else:
            user = row.user
            try:
                _check_password_rules(new_password, user, field="new_password")
            except ValidationFailed as exc:
                error = exc
            else:
                if not one_time_code_consume(row):
                    error = _problem("code", bad_code_message())
                else:
                    user.set_password(new_password)
                    user.save(update_fields=["password"])
                    ended = user_sessions_end_all(user=user, reason="password_reset")
                    SignInGuard.objects.filter(key=account_lock_key(user)).update(
                        blocked_until=None, counted_since=timezone.now()
                    )
                    audit_record(
                        actor=user,
                        action="identity.password.reset",
                        obj=user,
                        summary={"sessions_ended": ended, "via": "sms"},
                        ip_address=ip,
                    )
    if error is not None:
        raise error
    assert user is not None  # noqa: S101
    return user
