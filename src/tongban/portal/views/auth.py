"""Sign-in pages (/accounts/...): password, SMS code, second factor, authenticator binding,
password reset, registration and sign-out. Thin: forms check shape, identity services decide.

Between the first factor and the second, the browser's (still anonymous) session holds only
"who passed the first factor, how, when, and where to go next" — the account is not signed
in until the second factor passes, so a staff member cannot reach the workbench without it."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tongban.audit.context import client_ip
from tongban.core.errors import DomainError
from tongban.core.identifiers import mask_phone
from tongban.identity.models import AccountKind, CodePurpose, User
from tongban.identity.selectors import (
    normalise_phone,
    totp_device_confirmed,
    totp_device_pending,
    user_get_active,
)
from tongban.identity.services import (
    SignInStep,
    citizen_register,
    one_time_code_request,
    password_reset_with_code,
    sign_in_complete,
    sign_in_with_password,
    sign_in_with_recovery_code,
    sign_in_with_sms,
    sign_in_with_totp,
    sign_out,
    totp_confirm,
    totp_enrol,
)
from tongban.identity.services.mfa import provisioning_uri
from tongban.portal.forms.auth import (
    PasswordResetForm,
    PasswordSignInForm,
    PhoneForm,
    RecoveryCodeForm,
    RegisterForm,
    SmsCodeForm,
    TotpForm,
    add_domain_error,
)

PENDING = "tongban.identity.pending"
BACKEND = "tongban.identity.backends.IdentifierBackend"


# --- Helpers -------------------------------------------------------------------------------------


def _client(request: HttpRequest) -> dict[str, Any]:
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


def _next_url(request: HttpRequest, candidate: str | None = None) -> str:
    target = (
        candidate if candidate is not None else request.POST.get("next") or request.GET.get("next")
    )
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _next_value(request: HttpRequest) -> str:
    """The `next` to carry in forms: only a safe one, else nothing."""
    raw = request.POST.get("next") or request.GET.get("next") or ""
    return raw if raw and _next_url(request, raw) == raw else ""


def _start_session(request: HttpRequest, user: User, method: str, next_url: str) -> HttpResponse:
    login(request, user, backend=BACKEND)
    is_staff = user.kind == AccountKind.STAFF or user.is_staff or user.is_superuser
    if is_staff and getattr(settings, "TONGBAN_STAFF_SESSION_AT_BROWSER_CLOSE", True):
        request.session.set_expiry(0)
    if request.session.session_key is None:
        request.session.save()
    sign_in_complete(
        user=user,
        session_key=request.session.session_key or "",
        method=method,
        expires_at=timezone.now() + timedelta(seconds=request.session.get_expiry_age()),
        **_client(request),
    )
    return HttpResponseRedirect(next_url)


def _set_pending(request: HttpRequest, step: SignInStep, next_url: str) -> HttpResponse:
    request.session[PENDING] = {
        "user": step.user.pk,
        "method": step.method,
        "at": time.time(),
        "next": next_url,
    }
    target = "portal:mfa-setup" if step.needs_enrolment else "portal:login-verify"
    return redirect(target)


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    data = request.session.get(PENDING)
    if not data:
        return None
    limit = int(getattr(settings, "TONGBAN_SIGNIN_PENDING_SECONDS", 300))
    if time.time() - float(data.get("at", 0)) > limit:
        request.session.pop(PENDING, None)
        return None
    user = user_get_active(data.get("user"))
    if user is None:
        request.session.pop(PENDING, None)
        return None
    return user, data


def _pending_or_restart(request: HttpRequest) -> tuple[User, dict[str, Any]] | HttpResponse:
    pending = _pending(request)
    if pending is None:
        messages.warning(request, _("登录已超时或尚未输入密码，请重新登录。"))
        return redirect("login")
    return pending


def _after_step(request: HttpRequest, step: SignInStep, next_url: str) -> HttpResponse:
    if step.complete:
        return _start_session(request, step.user, step.method, next_url)
    return _set_pending(request, step, next_url)


def _code_sent_message(phone: str, purpose: str) -> str:
    masked = mask_phone(normalise_phone(phone))
    if purpose == CodePurpose.VERIFY_PHONE:
        return _("验证码已发送至 %(phone)s，5分钟内有效。") % {"phone": masked}
    return _(
        "如果 %(phone)s 已在本平台注册并验证，验证码已发送，5分钟内有效。"
        "没有收到？请确认号码后1分钟再试。"
    ) % {"phone": masked}


def _send_code(request: HttpRequest, form: PhoneForm, purpose: str) -> bool:
    try:
        one_time_code_request(
            purpose=purpose, phone=form.cleaned_data["phone"], ip=client_ip(request)
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return False
    return True


# --- Password ------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = PasswordSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        next_url = _next_url(request)
        try:
            step = sign_in_with_password(
                identifier=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                **_client(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(PENDING, None)
            return _after_step(request, step, next_url)
    return render(request, "registration/login.html", {"form": form, "next": _next_value(request)})


# --- SMS code ------------------------------------------------------------------------------------


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_sms_view(request: HttpRequest) -> HttpResponse:
    send_form = PhoneForm(prefix="send")
    code_form = SmsCodeForm(prefix="code")
    sent = ""
    action = request.POST.get("action")
    if request.method == "POST" and action == "send":
        send_form = PhoneForm(request.POST, prefix="send")
        if send_form.is_valid() and _send_code(request, send_form, CodePurpose.LOGIN):
            sent = _code_sent_message(send_form.cleaned_data["phone"], CodePurpose.LOGIN)
            code_form = SmsCodeForm(
                initial={"phone": send_form.cleaned_data["phone"]}, prefix="code"
            )
    elif request.method == "POST" and action == "verify":
        code_form = SmsCodeForm(request.POST, prefix="code")
        if code_form.is_valid():
            next_url = _next_url(request)
            try:
                step = sign_in_with_sms(
                    phone=code_form.cleaned_data["phone"],
                    code=code_form.cleaned_data["code"],
                    **_client(request),
                )
            except DomainError as exc:
                code_form.add_error(None, exc.message)
            else:
                request.session.pop(PENDING, None)
                return _after_step(request, step, next_url)
    return render(
        request,
        "registration/login_sms.html",
        {
            "send_form": send_form,
            "code_form": code_form,
            "sent": sent,
            "next": _next_value(request),
        },
    )


# --- Second factor -------------------------------------------------------------------------------


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    pending = _pending_or_restart(request)
    if isinstance(pending, HttpResponse):
        return pending
    user, data = pending
    if totp_device_confirmed(user) is None:
        return redirect("portal:mfa-setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step = sign_in_with_totp(user=user, code=form.cleaned_data["code"], **_client(request))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(PENDING, None)
            return _start_session(request, user, step.method, data["next"])
    return render(request, "registration/login_verify.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_recovery_view(request: HttpRequest) -> HttpResponse:
    pending = _pending_or_restart(request)
    if isinstance(pending, HttpResponse):
        return pending
    user, data = pending
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step = sign_in_with_recovery_code(
                user=user, code=form.cleaned_data["code"], **_client(request)
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(PENDING, None)
            messages.warning(
                request,
                _("您使用了一个恢复码登录。如手机丢失，请尽快在用户中心重新绑定动态口令。"),
            )
            return _start_session(request, user, step.method, data["next"])
    return render(request, "registration/login_recovery.html", {"form": form})


def _qr_svg(uri: str) -> str:
    # Inline SVG: no image request, works offline; scale 4 gives ~150 px, enough for phones.
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup_view(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator: for a half-signed-in account that must have one (staff at first
    sign-in), or for a signed-in user who chooses to."""
    pending = _pending(request)
    if pending is not None:
        user, data = pending
        next_url = data["next"]
    elif request.user.is_authenticated:
        user = request.user  # type: ignore[assignment]
        next_url = _next_url(request)
    else:
        messages.warning(request, _("登录已超时或尚未输入密码，请重新登录。"))
        return redirect("login")
    if totp_device_confirmed(user) is not None:
        if pending is not None:
            return redirect("portal:login-verify")
        messages.info(request, _("您已绑定动态口令。"))
        return redirect(next_url)
    device = totp_device_pending(user)
    if device is None:
        enrolment = totp_enrol(user=user)
        device, secret = enrolment.device, enrolment.secret
    else:
        secret = device.secret
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if pending is not None:
                request.session.pop(PENDING, None)
                _start_session(request, user, "totp", next_url)
            # never_cache marks the page no-store: the codes are shown this once.
            return render(
                request,
                "registration/mfa_recovery_codes.html",
                {"codes": codes, "next": next_url},
            )
    uri = provisioning_uri(user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "registration/mfa_setup.html",
        {"form": form, "qr_svg": _qr_svg(uri), "secret": grouped, "account": user.username},
    )


# --- Password reset and registration -----------------------------------------------------------------


def _send_code_step(
    request: HttpRequest, purpose: str, form_class: type[forms.Form], *, prefix: str
) -> tuple[PhoneForm, forms.Form, str]:
    """First step of the two-step pages (password reset, registration): send a code to the
    phone, then show the second form with the phone filled in. Returns both forms and the
    "code sent" notice ("" when nothing was sent)."""
    send_form = PhoneForm(prefix="send")
    second = form_class(prefix=prefix)
    sent = ""
    if request.method == "POST" and request.POST.get("action") == "send":
        send_form = PhoneForm(request.POST, prefix="send")
        if send_form.is_valid() and _send_code(request, send_form, purpose):
            phone = send_form.cleaned_data["phone"]
            sent = _code_sent_message(phone, purpose)
            second = form_class(initial={"phone": phone}, prefix=prefix)
    return send_form, second, sent


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    send_form, reset_form, sent = _send_code_step(
        request, CodePurpose.RESET, PasswordResetForm, prefix="reset"
    )
    action = request.POST.get("action")
    if request.method == "POST" and action == "reset":
        reset_form = PasswordResetForm(request.POST, prefix="reset")
        if reset_form.is_valid():
            try:
                user = password_reset_with_code(
                    phone=reset_form.cleaned_data["phone"],
                    code=reset_form.cleaned_data["code"],
                    new_password=reset_form.cleaned_data["new_password1"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                add_domain_error(reset_form, exc, rename={"new_password": "new_password1"})
            else:
                # Every session ended: so do the sign-ins at other platforms.
                notify_relying_parties(user)
                messages.success(request, _("密码已重置，请用新密码登录。其他设备上的登录已退出。"))
                return redirect("login")
    return render(
        request,
        "registration/password_reset.html",
        {"send_form": send_form, "reset_form": reset_form, "sent": sent},
    )


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    send_form, register_form, sent = _send_code_step(
        request, CodePurpose.VERIFY_PHONE, RegisterForm, prefix="register"
    )
    action = request.POST.get("action")
    if request.method == "POST" and action == "register":
        register_form = RegisterForm(request.POST, prefix="register")
        if register_form.is_valid():
            try:
                user = citizen_register(
                    phone=register_form.cleaned_data["phone"],
                    code=register_form.cleaned_data["code"],
                    password=register_form.cleaned_data["new_password1"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                add_domain_error(register_form, exc, rename={"password": "new_password1"})
            else:
                messages.success(
                    request,
                    _("注册成功，当前为 L1（手机号已验证）。完成实名认证后可在线办理更多事项。"),
                )
                return _start_session(request, user, "sms", _next_url(request))
    return render(
        request,
        "registration/register.html",
        {
            "send_form": send_form,
            "register_form": register_form,
            "sent": sent,
            "next": _next_value(request),
        },
    )


# --- Sign-out ------------------------------------------------------------------------------------


def notify_relying_parties(
    user: User, *, session_key: str | None = None, session_digest: str | None = None
) -> None:
    """Tell the OIDC provider (identity.oidc) that sessions ended, so it sends back-channel
    logout to the platforms the user signed in to: one browser session (its key, or the
    UserSession digest when revoked from the user centre), or with neither, all of them
    (password reset). Imported lazily: the provider is optional."""
    try:
        from tongban.identity.oidc import services as oidc_services
    except ImportError:
        return
    hook = getattr(oidc_services, "on_user_logout", None)
    if hook is None:
        return
    if session_digest:
        hook(user=user, session_key=None, session_digest=session_digest)
    else:
        hook(user=user, session_key=session_key)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    session_key = request.session.session_key
    auth_logout(request)
    if isinstance(user, User):
        sign_out(user=user, session_key=session_key)
        notify_relying_parties(user, session_key=session_key)
    messages.info(request, _("您已安全退出。"))
    if request.POST.get("next"):
        return redirect(_next_url(request))
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))
