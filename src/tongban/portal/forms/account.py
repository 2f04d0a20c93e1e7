"""Forms of the user centre (/my/). They check shape only; the identity services decide (name
and ID number against the population registry, the credit code against the legal-person
registry, password rules, who may grant)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.identity.models import AgentScope
from tongban.portal.forms.auth import NewPasswordMixin


class RealNameForm(forms.Form):
    """L1 → L2: name and 公民身份号码 as on the resident identity card."""

    real_name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        help_text=_("与居民身份证上的姓名完全一致，包括生僻字和少数民族姓名中的“·”。"),
        error_messages={"required": _("请填写姓名，与居民身份证上的一致。")},
    )
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=24,
        help_text=_("18位，最后一位可能是字母 X。"),
        error_messages={"required": _("请填写18位公民身份号码。")},
    )


class LegalPersonVerifyForm(forms.Form):
    """法人认证: the signed-in person proves they are the legal representative."""

    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=24,
        help_text=_("营业执照上的18位代码。"),
        error_messages={"required": _("请填写统一社会信用代码。")},
    )
    name = forms.CharField(
        label=_("企业（单位）名称"),
        max_length=200,
        help_text=_("与营业执照上的名称完全一致。"),
        error_messages={"required": _("请填写企业名称，与营业执照上的一致。")},
    )


def _default_grant_end() -> str:
    # ISO text: what an <input type="date"> expects as its value.
    return (timezone.localdate() + timedelta(days=365)).isoformat()


class DateInput(forms.DateInput):
    input_type = "date"


class AgentGrantForm(forms.Form):
    """The representative names an agent by mobile number and name (both must match a
    real-name verified account, so a phone number alone reveals nobody)."""

    agent_phone = forms.CharField(
        label=_("经办人手机号码"),
        max_length=20,
        help_text=_("经办人在本平台注册并验证过的手机号码。"),
        error_messages={"required": _("请填写经办人的手机号码。")},
    )
    agent_name = forms.CharField(
        label=_("经办人姓名"),
        max_length=50,
        help_text=_("与经办人实名认证的姓名一致。"),
        error_messages={"required": _("请填写经办人的姓名。")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("授权范围"),
        choices=AgentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一项授权范围。"),
            "invalid_choice": _("授权范围无效，请从列表中选择。"),
        },
    )
    valid_until = forms.DateField(
        label=_("有效期至"),
        help_text=_("含当天，最长三年。格式：2027-06-30。"),
        widget=DateInput,
        error_messages={
            "required": _("请填写授权有效期。"),
            "invalid": _("日期格式不正确，请按 2027-06-30 的格式填写。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"scopes": [AgentScope.APPLY], "valid_until": _default_grant_end()}
        )
        super().__init__(*args, **kwargs)


class PasswordChangeForm(NewPasswordMixin):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput,
        error_messages={"required": _("请填写原密码。")},
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class PasswordConfirmForm(forms.Form):
    """The password again before unbinding the authenticator (the service checks it)."""

    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput,
        error_messages={"required": _("请填写登录密码。")},
    )
