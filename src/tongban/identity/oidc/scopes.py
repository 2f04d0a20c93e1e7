"""Scopes, what each reveals, and the claims each unlocks.

A client may request only the scopes registered for it (Client.allowed_scopes); the person
grants them on the consent screen; tokens carry the intersection, and claims are released only
for the scopes a token carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

OPENID = "openid"
PROFILE = "profile"
PHONE = "phone"
REALNAME = "tongban.realname"
ENTERPRISE = "tongban.enterprise"

# The acr value for an assurance level (identity.models.AssuranceLevel: 0 none, 1 registered
# with a verified phone, 2 real name verified against the population registry, 3 plus an
# in-person or face check). Relying parties ask for a minimum with acr_values and read the
# level reached from the `acr` claim.
ACR_PREFIX = "urn:tongban:loa:"
ACR_VALUES = [f"{ACR_PREFIX}{level}" for level in range(4)]


def acr_for_level(level: int) -> str:
    return f"{ACR_PREFIX}{int(level)}"


@dataclass(frozen=True)
class ScopeInfo:
    label: str | Promise
    reveals: str | Promise
    claims: tuple[str, ...]


SCOPE_INFO: dict[str, ScopeInfo] = {
    OPENID: ScopeInfo(
        _("确认您的身份"),
        _("一个只在本网站使用的随机用户标识，以及您本次登录的方式和实名认证等级。"),
        ("sub", "acr", "amr", "auth_time", "sid"),
    ),
    PROFILE: ScopeInfo(_("姓名"), _("您在本网站登记的真实姓名。"), ("name",)),
    PHONE: ScopeInfo(
        _("手机号码"),
        _("您的完整手机号码，以及该号码是否已经验证。"),
        ("phone_number", "phone_number_verified"),
    ),
    REALNAME: ScopeInfo(
        _("实名认证信息"),
        _("脱敏的公民身份号码（只显示前 6 位和后 4 位）和实名认证等级；不会提供完整号码。"),
        ("id_number_masked", "assurance_level"),
    ),
    ENTERPRISE: ScopeInfo(
        _("代办企业身份"),
        _("您选择代为办事的企业名称、统一社会信用代码，以及该企业授权您办理的事项和期限。"),
        ("enterprise",),
    ),
}

# For DOT's claim filter: a claim is released only when its scope is on the token.
CLAIM_SCOPE: dict[str, str] = {
    claim: scope for scope, info in SCOPE_INFO.items() for claim in info.claims
}
CLAIMS_SUPPORTED = sorted(CLAIM_SCOPE)


def scope_choices() -> list[tuple[str, Any]]:
    return [(scope, f"{scope} · {info.label}") for scope, info in SCOPE_INFO.items()]


class ClientScopes(BaseScopes):
    """A client may request only its registered scopes; openid alone when it names none."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        every = list(oauth2_settings.SCOPES)
        if application is None:
            return every
        allowed = application.allowed_scopes or []
        return [scope for scope in every if scope in allowed]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [OPENID] if OPENID in self.get_available_scopes(application, request) else []
