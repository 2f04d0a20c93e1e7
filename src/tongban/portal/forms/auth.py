"""Forms of the sign-in pages. They check shape only; the identity services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError


class PasswordSignInForm(forms.Form):
    # The field names `username` and `password` are part of the platform's contract (scripts
    # and relying-party tests fill them in).
    username = forms.CharField(
        label=_("用户名、手机号或身份证号"),
        max_length=150,
        error_messages={"required": _("请填写用户名、手机号或身份证号。")},
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput,
        error_messages={"required": _("请填写密码。")},
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写手机号码。")},
    )


class SmsCodeForm(PhoneForm):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        help_text=_("6位数字，5分钟内有效。"),
        error_messages={"required": _("请填写短信验证码。")},
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("动态口令"),
        max_length=6,
        help_text=_("打开身份验证器应用，输入本平台当前显示的6位数字。"),
        error_messages={"required": _("请填写动态口令。")},
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("恢复码"),
        max_length=20,
        help_text=_("绑定动态口令时保存的恢复码之一，形如 ACDEF-GHJKM，每个只能使用一次。"),
        error_messages={"required": _("请填写恢复码。")},
    )


class NewPasswordMixin(forms.Form):
    """The new password twice, checked to match (reset, registration, password change)."""

    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput,
        help_text=_("至少10位，不能全是数字，不要使用常见密码或与手机号、姓名相近的密码。"),
        error_messages={"required": _("请填写新密码。")},
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput,
        error_messages={"required": _("请再次输入新密码。")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return data


class PasswordResetForm(SmsCodeForm, NewPasswordMixin):
    pass


class RegisterForm(SmsCodeForm, NewPasswordMixin):
    pass


def add_domain_error(
    form: forms.Form, error: DomainError, *, rename: dict[str, str] | None = None
) -> None:
    """Show a service's error on the form: on the fields it names (`rename` maps a service's
    field name to the form's), else at the top."""
    placed = False
    for problem in error.fields:
        name = (rename or {}).get(problem.field, problem.field)
        if name in form.fields and problem.message:
            form.add_error(name, problem.message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
