"""The user centre (用户中心, /my/): the signed-in person's own account and nothing else.

- /my/               profile (masked), assurance level with how to raise it (real-name form),
                     second factor (TOTP) and recovery codes
- /my/enterprises/   enterprises I can act for; for a representative: agent grants, grant and
                     revoke; legal-representative verification (法人认证)
- /my/security/      active sessions (revoke), login history, password change
- /my/platforms/     connected platforms (OIDC consents) with revoke

Thin: forms check shape, identity (and identity.oidc) services decide, selectors read — always
for `request.user`. An id that is not the caller's gives 404, the same as one that does not
exist. Personal data is shown masked only (name, ID number, phone, IP address)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, NotFound
from tongban.core.identifiers import mask_citizen_id, mask_name, mask_phone
from tongban.identity.models import (
    AccountKind,
    AgentGrant,
    AgentScope,
    AssuranceLevel,
    LegalPerson,
    SignInEvent,
    User,
    UserSession,
)
from tongban.identity.oidc import selectors as oidc_selectors
from tongban.identity.oidc import services as oidc_services
from tongban.identity.selectors import (
    agent_find_for_grant,
    agent_grants_for_legal_person,
    enterprises_for,
    identifier_kind,
    normalise_phone,
    recovery_codes_remaining,
    sign_in_events_for,
    totp_device_confirmed,
    user_sessions_active_for,
)
from tongban.identity.services import (
    agent_grant_create,
    agent_grant_revoke,
    citizen_verify_real_name,
    legal_person_verify,
    password_change,
    recovery_codes_regenerate,
    totp_disable,
    user_session_revoke,
)
from tongban.identity.services.signin import session_key_digest
from tongban.portal.forms.account import (
    AgentGrantForm,
    LegalPersonVerifyForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    RealNameForm,
)
from tongban.portal.forms.auth import add_domain_error
from tongban.portal.views.auth import notify_relying_parties

HISTORY_PAGE_SIZE = 20
# Older sign-ins are kept for the audit trail but not paged through here.
HISTORY_MAX_PAGES = 25
RECOVERY_CODES_LOW = 3


# --- Presentation helpers ---------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _current_digest(request: HttpRequest) -> str:
    key = request.session.session_key
    return session_key_digest(key) if key else ""


def mask_ip(value: str | None) -> str:
    """203.0.113.* / 2001:db8:85a3:*: enough to recognise one's own network, not to locate a
    household."""
    if not value:
        return _("未知")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return _("未知")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return ".".join(str(address).split(".")[:3]) + ".*"
    groups = address.exploded.split(":")[:3]
    return ":".join(g.lstrip("0") or "0" for g in groups) + ":*"


# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    (re.compile(r"MicroMessenger"), gettext_lazy("微信内置浏览器")),
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\bOPR/|Opera"), "Opera"),
    (re.compile(r"QQBrowser"), gettext_lazy("QQ浏览器")),
    (re.compile(r"UCBrowser|UCWEB"), gettext_lazy("UC浏览器")),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
]
_SYSTEMS = [
    (re.compile(r"HarmonyOS|OpenHarmony"), gettext_lazy("鸿蒙")),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"iPhone|iPad|iPod"), "iOS"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"Mac OS X|Macintosh"), "macOS"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Linux"), "Linux"),
]


def device_summary(user_agent: str) -> str:
    """ "Chrome · Windows" from a User-Agent header; the full header says too much and too
    little to a person checking whether a sign-in was theirs."""
    text = user_agent or ""
    browser = next((str(label) for pattern, label in _BROWSERS if pattern.search(text)), "")
    system = next((str(label) for pattern, label in _SYSTEMS if pattern.search(text)), "")
    if browser and system:
        return f"{browser} · {system}"
    if browser or system:
        return browser or system
    return _("未知设备") if not text else _("其他程序")


def _scope_labels(scopes: list[str] | tuple[str, ...]) -> list[str]:
    labels = dict(AgentScope.choices)
    return [str(labels.get(scope, scope)) for scope in scopes]


def _masked_username(username: str) -> str:
    # Some accounts use their phone or ID number as the username (scripts, imports).
    kind = identifier_kind(username)
    if kind == "phone":
        return mask_phone(normalise_phone(username))
    if kind == "id_number":
        return mask_citizen_id(username)
    return username


@dataclass(frozen=True)
class LevelStep:
    level: int
    label: str
    meaning: str
    reached: bool
    current: bool


_LEVEL_TEXT = {
    AssuranceLevel.NONE: (
        gettext_lazy("未认证"),
        gettext_lazy("手机号码尚未验证，只能浏览公开的办事指南。"),
    ),
    AssuranceLevel.L1: (
        gettext_lazy("L1 已注册"),
        gettext_lazy(
            "手机号码已验证。可以查询办事指南、预约和咨询；在线申请多数事项还需要实名认证。"
        ),
    ),
    AssuranceLevel.L2: (
        gettext_lazy("L2 实名认证"),
        gettext_lazy(
            "姓名和公民身份号码已与人口信息库核验一致。可以在线申请大多数事项、查看本人的电子证照。"
        ),
    ),
    AssuranceLevel.L3: (
        gettext_lazy("L3 实人认证"),
        gettext_lazy(
            "在实名认证的基础上，已在政务服务窗口当面核验或经人脸核验确认是本人。"
            "可以办理对身份要求最高的事项，如涉及资金、不动产的业务。"
        ),
    ),
}


def _level_steps(level: int) -> list[LevelStep]:
    return [
        LevelStep(
            level=int(value),
            label=str(label),
            meaning=str(meaning),
            # Everyone starts at "none": it is not an achievement to mark.
            reached=level >= value > AssuranceLevel.NONE,
            current=level == value,
        )
        for value, (label, meaning) in _LEVEL_TEXT.items()
    ]


def _is_staff(user: User) -> bool:
    return user.kind == AccountKind.STAFF or user.is_staff or user.is_superuser


# --- /my/ : profile, assurance level, second factor ---------------------------------------------


@sensitive_post_parameters("id_number")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    can_verify = user.assurance_level >= AssuranceLevel.L1 and user.real_name_verified_at is None
    form = RealNameForm(request.POST or None) if can_verify else None
    if request.method == "POST":
        if form is None:
            messages.info(request, _("您的账号无需再进行实名认证。"))
            return redirect("portal:account")
        if form.is_valid():
            try:
                citizen_verify_real_name(
                    user=user,
                    real_name=form.cleaned_data["real_name"],
                    id_number=form.cleaned_data["id_number"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("实名认证成功，您的账号已提升为 L2（实名认证），可以在线办理更多事项。"),
                )
                return redirect("portal:account")
    level = int(user.assurance_level)
    label, meaning = _LEVEL_TEXT.get(AssuranceLevel(level), _LEVEL_TEXT[AssuranceLevel.NONE])
    device = totp_device_confirmed(user)
    remaining = recovery_codes_remaining(user) if device is not None else 0
    context = {
        "account_section": "overview",
        "profile": {
            "username": _masked_username(user.get_username()),
            "kind": user.get_kind_display(),
            "name": mask_name(user.real_name) if user.real_name else "",
            "id_number": mask_citizen_id(user.id_number) if user.id_number else "",
            "phone": mask_phone(user.phone) if user.phone else "",
            "phone_verified_at": user.phone_verified_at,
            "real_name_verified_at": user.real_name_verified_at,
            "in_person_verified_at": user.in_person_verified_at,
        },
        "level": {"value": level, "label": str(label), "meaning": str(meaning)},
        "levels": _level_steps(level),
        "form": form,
        "mfa": {
            "device": device,
            "recovery_remaining": remaining,
            "recovery_low": device is not None and remaining <= RECOVERY_CODES_LOW,
            "can_disable": not _is_staff(user),
        },
    }
    return render(request, "portal/account/overview.html", context)


@never_cache
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, shown this once (the old ones stop working)."""
    try:
        codes = recovery_codes_regenerate(user=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:account")
    return render(
        request,
        "portal/account/recovery_codes.html",
        {"account_section": "overview", "account_current": "true", "codes": codes},
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if totp_device_confirmed(user) is None:
        messages.info(request, _("您尚未绑定动态口令。"))
        return redirect("portal:account")
    form = PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_disable(user=user, password=form.cleaned_data["password"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("已解除动态口令绑定，原有恢复码同时作废。登录时将不再要求动态口令。")
            )
            return redirect("portal:account")
    return render(
        request,
        "portal/account/mfa_disable.html",
        {
            "account_section": "overview",
            "account_current": "true",
            "form": form,
            "is_staff": _is_staff(user),
        },
    )


# --- /my/enterprises/ : enterprises, agent grants, 法人认证 --------------------------------------


@dataclass(frozen=True)
class GrantRow:
    public_id: UUID
    agent_name: str
    agent_phone: str
    scopes: list[str]
    valid_until: datetime
    created_at: datetime
    status: str
    active: bool


def _grant_row(grant: AgentGrant) -> GrantRow:
    agent = grant.agent
    if grant.revoked_at is not None:
        status = _("已撤销")
    elif not grant.is_active:
        status = _("已过期")
    else:
        status = _("有效")
    return GrantRow(
        public_id=grant.public_id,
        agent_name=mask_name(agent.real_name) or _masked_username(agent.get_username()),
        agent_phone=mask_phone(agent.phone) if agent.phone else "",
        scopes=_scope_labels(grant.scopes),
        valid_until=grant.valid_until,
        created_at=grant.created_at,
        status=status,
        active=grant.is_active,
    )


def _grant_prefix(legal_person: LegalPerson) -> str:
    return f"grant-{legal_person.public_id.hex}"


def _end_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _agent_not_found_message() -> str:
    # The same whatever the reason (no such phone, another name, not real-name verified), so
    # the form cannot be used to find out who has an account.
    return _(
        "未找到可授权的经办人：请确认对方已在本平台注册、完成实名认证（L2），"
        "且手机号码和姓名与其账号一致。"
    )


def _grant_create(
    request: HttpRequest, user: User, legal_person: LegalPerson, form: AgentGrantForm
) -> bool:
    if not form.is_valid():
        return False
    agent = agent_find_for_grant(
        phone=form.cleaned_data["agent_phone"], real_name=form.cleaned_data["agent_name"]
    )
    if agent is None:
        form.add_error(None, _agent_not_found_message())
        return False
    try:
        agent_grant_create(
            actor=user,
            legal_person=legal_person,
            agent=agent,
            scopes=form.cleaned_data["scopes"],
            valid_until=_end_of_day(form.cleaned_data["valid_until"]),
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return False
    messages.success(
        request,
        _("已授权 %(agent)s 代 %(enterprise)s 办理：%(scopes)s。")
        % {
            "agent": mask_name(agent.real_name),
            "enterprise": legal_person.name,
            "scopes": "、".join(_scope_labels(form.cleaned_data["scopes"])),
        },
    )
    return True


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enterprises(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    roles = enterprises_for(user)
    represented = [r.legal_person for r in roles if r.role == "representative"]
    action = request.POST.get("action") if request.method == "POST" else None
    can_verify_legal_person = user.real_name_verified_at is not None
    verify_form = (
        LegalPersonVerifyForm(request.POST if action == "verify" else None, prefix="lp")
        if can_verify_legal_person
        else None
    )
    grant_forms = {lp.pk: AgentGrantForm(prefix=_grant_prefix(lp)) for lp in represented}

    if action == "verify":
        if verify_form is None:
            messages.error(request, _("请先完成个人实名认证（L2），再进行法定代表人认证。"))
            return redirect("portal:account")
        if verify_form.is_valid():
            try:
                legal_person = legal_person_verify(
                    user=user,
                    credit_code=verify_form.cleaned_data["credit_code"],
                    name=verify_form.cleaned_data["name"],
                )
            except DomainError as exc:
                add_domain_error(verify_form, exc)
            else:
                messages.success(
                    request,
                    _("法人认证成功：您已作为 %(name)s 的法定代表人，可以为经办人授权。")
                    % {"name": legal_person.name},
                )
                return redirect("portal:account-enterprises")
    elif action == "grant":
        wanted = request.POST.get("enterprise", "")
        legal_person = next((lp for lp in represented if str(lp.public_id) == wanted), None)
        if legal_person is None:
            raise Http404
        form = AgentGrantForm(request.POST, prefix=_grant_prefix(legal_person))
        grant_forms[legal_person.pk] = form
        if _grant_create(request, user, legal_person, form):
            return redirect("portal:account-enterprises")
    elif action is not None:
        raise Http404

    managed = [
        {
            "legal_person": lp,
            "grants": [
                _grant_row(g) for g in agent_grants_for_legal_person(actor=user, legal_person=lp)
            ],
            "form": grant_forms[lp.pk],
        }
        for lp in represented
    ]
    rows = [
        {
            "name": r.legal_person.name,
            "credit_code": r.legal_person.credit_code,
            "role": r.role,
            "role_label": _("法定代表人") if r.role == "representative" else _("经办人"),
            "scopes": _scope_labels(r.scopes),
            "valid_until": r.valid_until,
        }
        for r in roles
    ]
    return render(
        request,
        "portal/account/enterprises.html",
        {
            "account_section": "enterprises",
            "enterprises": rows,
            "managed": managed,
            "verify_form": verify_form,
        },
    )


def _grant_of_representative(user: User, grant_id: UUID) -> AgentGrant:
    """A grant of an enterprise `user` represents, else 404 (also for the agent themselves)."""
    for role in enterprises_for(user):
        if role.role != "representative":
            continue
        for grant in agent_grants_for_legal_person(actor=user, legal_person=role.legal_person):
            if grant.public_id == grant_id:
                return grant
    raise Http404


@never_cache
@login_required
@require_POST
def grant_revoke(request: HttpRequest, grant_id: UUID) -> HttpResponse:
    user = _user(request)
    grant = _grant_of_representative(user, grant_id)
    try:
        agent_grant_revoke(actor=user, grant=grant)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已撤销 %(agent)s 的授权，对方不能再代 %(enterprise)s 办理业务。")
            % {"agent": mask_name(grant.agent.real_name), "enterprise": grant.legal_person.name},
        )
    return redirect("portal:account-enterprises")


# --- /my/security/ : sessions, login history, password ------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    public_id: UUID
    device: str
    method: str
    ip: str
    started_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


def _session_rows(sessions: list[UserSession], current: str) -> list[SessionRow]:
    rows = [
        SessionRow(
            public_id=s.public_id,
            device=device_summary(s.user_agent),
            method=s.get_method_display(),
            ip=mask_ip(s.ip_address),
            started_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            current=bool(current) and s.key_digest == current,
        )
        for s in sessions
    ]
    # This device first: it is the one people look for.
    return sorted(rows, key=lambda r: not r.current)


_REASONS = {
    "bad_password": gettext_lazy("密码错误"),
    "bad_code": gettext_lazy("验证码或动态口令错误"),
    "locked": gettext_lazy("登录已暂停"),
    "ip": gettext_lazy("所在网络尝试过多"),
    "ambiguous": gettext_lazy("号码对应多个账号"),
    "second_factor_next": gettext_lazy("第一步通过，等待动态口令"),
}


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    method: str
    outcome: str
    success: bool
    detail: str
    ip: str
    device: str


def _event_row(event: SignInEvent) -> EventRow:
    return EventRow(
        occurred_at=event.occurred_at,
        method=event.get_method_display(),
        outcome=event.get_outcome_display(),
        success=event.outcome == "success",
        detail=str(_REASONS.get(event.reason, "")),
        ip=mask_ip(event.ip_address),
        device=device_summary(event.user_agent),
    )


def _page_number(request: HttpRequest) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), HISTORY_MAX_PAGES)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = _current_digest(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        before = user_sessions_active_for(user)
        try:
            password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                current_session_key=request.session.session_key,
            )
        except DomainError as exc:
            add_domain_error(form, exc, rename={"new_password": "new_password1"})
        else:
            # Keep this session signed in under the new password without cycling its key:
            # its UserSession row and its sign-ins at other platforms are found by the
            # key's digest (update_session_auth_hash would cycle it and orphan both).
            request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            for session in before:
                if session.key_digest != current:
                    notify_relying_parties(user, session_digest=session.key_digest)
            messages.success(request, _("密码已修改。其他设备上的登录已全部退出。"))
            return redirect("portal:account-security")

    page = _page_number(request)
    events = sign_in_events_for(user, limit=page * HISTORY_PAGE_SIZE + 1)
    shown = events[(page - 1) * HISTORY_PAGE_SIZE : page * HISTORY_PAGE_SIZE]
    has_next = len(events) > page * HISTORY_PAGE_SIZE and page < HISTORY_MAX_PAGES
    sessions = _session_rows(user_sessions_active_for(user), current)
    return render(
        request,
        "portal/account/security.html",
        {
            "account_section": "security",
            "sessions": sessions,
            "other_sessions": sum(1 for s in sessions if not s.current),
            "events": [_event_row(e) for e in shown],
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if has_next else None,
            "form": form,
        },
    )


def _revoke(user: User, session_id: UUID) -> UserSession:
    try:
        session = user_session_revoke(actor=user, session_id=str(session_id))
    except NotFound as exc:
        raise Http404 from exc
    # Sign-ins at other platforms made through that browser end too (back-channel logout).
    notify_relying_parties(user, session_digest=session.key_digest)
    return session


@never_cache
@login_required
@require_POST
def session_revoke(request: HttpRequest, session_id: UUID) -> HttpResponse:
    user = _user(request)
    current = _current_digest(request)
    if current and any(
        s.public_id == session_id and s.key_digest == current
        for s in user_sessions_active_for(user)
    ):
        messages.error(
            request, _("这是您正在使用的登录。要退出本设备，请点击页面顶部的“退出登录”。")
        )
        return redirect("portal:account-security")
    session = _revoke(user, session_id)
    messages.success(
        request,
        _("已退出 %(device)s 上的登录，该设备下次访问时需要重新登录。")
        % {"device": device_summary(session.user_agent)},
    )
    return redirect("portal:account-security")


@never_cache
@login_required
@require_POST
def sessions_revoke_others(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = _current_digest(request)
    others = [s for s in user_sessions_active_for(user) if s.key_digest != current]
    for session in others:
        _revoke(user, session.public_id)
    if others:
        messages.success(request, _("已退出其他 %(n)d 台设备上的登录。") % {"n": len(others)})
    else:
        messages.info(request, _("没有其他设备上的登录。"))
    return redirect("portal:account-security")


# --- /my/platforms/ : connected platforms (OIDC consents) ----------------------------------------


def _consent_of(user: User, application_id: int) -> Any:
    for consent in oidc_selectors.consents_for(user):
        if consent.application_id == application_id:
            return consent
    raise Http404


@never_cache
@login_required
@require_http_methods(["GET"])
def platforms(request: HttpRequest) -> HttpResponse:
    consents = oidc_selectors.consents_for(_user(request))
    rows = [
        {
            "consent": c,
            "scopes": list(zip(c.scope_labels, c.reveals, strict=False)),
            # Not every provider version records it; shown when it does.
            "last_used_at": getattr(c, "last_used_at", None),
        }
        for c in consents
    ]
    return render(
        request,
        "portal/account/platforms.html",
        {"account_section": "platforms", "platforms": rows},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def platform_revoke(request: HttpRequest, application_id: int) -> HttpResponse:
    user = _user(request)
    consent = _consent_of(user, application_id)
    if request.method == "POST":
        try:
            oidc_services.consent_revoke(user=user, application_id=application_id)
        except NotFound as exc:
            raise Http404 from exc
        messages.success(
            request,
            _("已取消对“%(name)s”的授权：该平台不能再读取您的信息，您在该平台的登录已退出。")
            % {"name": consent.client_name},
        )
        return redirect("portal:account-platforms")
    return render(
        request,
        "portal/account/platform_revoke.html",
        {"account_section": "platforms", "account_current": "true", "consent": consent},
    )
