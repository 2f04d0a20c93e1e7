"""Reads of the OpenID provider, each scoped to the person or client asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tongban.core.crypto import sm3_hex
from tongban.identity import models as identity_models
from tongban.identity import selectors as identity_selectors
from tongban.identity.oidc.models import (
    BackchannelDelivery,
    Client,
    Consent,
    DeliveryStatus,
    GrantSession,
    RpSession,
    TokenFamily,
)
from tongban.identity.oidc.scopes import SCOPE_INFO


def session_digest(session_key: str) -> str:
    """SM3 of a Django session key: the same digest identity.UserSession.key_digest keeps, so
    a session revoked in the user centre can end its sign-ins at clients too."""
    return sm3_hex(session_key.encode())


# RFC 8176 values for identity.SignInMethod (the method that completed the sign-in: "totp" and
# "recovery" are second factors after a password or an SMS code).
_AMR_FOR_METHOD = {
    "password": ["pwd"],
    "sms": ["sms"],
    "totp": ["mfa", "otp"],
    "recovery": ["mfa"],
}


def amr_for_session(session_key: str | None) -> list[str]:
    """How the browser session with this key signed in, from identity's UserSession."""
    user_session = getattr(identity_models, "UserSession", None)
    if not session_key or user_session is None:
        return []
    method = (
        user_session.objects.filter(key_digest=session_digest(session_key))
        .values_list("method", flat=True)
        .first()
    )
    return list(_AMR_FOR_METHOD.get(method or "", []))


def client_requires_pkce(*, client_id: str) -> bool:
    """S256 PKCE is mandatory for public clients (they cannot keep a secret), and for
    confidential ones when TONGBAN_OIDC_PKCE_FOR_CONFIDENTIAL is on. Unknown clients fail
    later anyway; requiring PKCE of them costs nothing."""
    client_type = (
        Client.objects.filter(client_id=client_id).values_list("client_type", flat=True).first()
    )
    if client_type is None or client_type == Client.CLIENT_PUBLIC:
        return True
    return bool(getattr(settings, "TONGBAN_OIDC_PKCE_FOR_CONFIDENTIAL", False))


def client_list() -> QuerySet[Client]:
    """Every registered client, for platform administrators (CLI and admin)."""
    return Client.objects.order_by("name", "pk")


# --- Consents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentSummary:
    """One connected platform of a person, as the user centre lists it."""

    application_id: int
    client_id: str
    client_name: str
    organisation: str
    scopes: tuple[str, ...]
    scope_labels: tuple[str, ...]
    reveals: tuple[str, ...]
    enterprise_name: str
    granted_at: datetime
    updated_at: datetime


def consents_for(user: Any) -> list[ConsentSummary]:
    """The platforms this person has allowed to sign them in, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = Consent.objects.filter(user=user).select_related("client", "legal_person")
    out = []
    for consent in rows:
        scopes = tuple(s for s in consent.scopes if s in SCOPE_INFO)
        out.append(
            ConsentSummary(
                application_id=consent.client.pk,
                client_id=consent.client.client_id,
                client_name=consent.client.name,
                organisation=consent.client.organisation,
                scopes=scopes,
                scope_labels=tuple(str(SCOPE_INFO[s].label) for s in scopes),
                reveals=tuple(str(SCOPE_INFO[s].reveals) for s in scopes),
                enterprise_name=consent.legal_person.name if consent.legal_person else "",
                granted_at=consent.created_at,
                updated_at=consent.updated_at,
            )
        )
    return out


def consent_covering(*, user: Any, client: Client, scopes: list[str]) -> Consent | None:
    """The remembered consent of `user` for `client` if it already covers `scopes`."""
    consent = Consent.objects.filter(user=user, client=client).first()
    if consent is None or not set(scopes) <= set(consent.scopes):
        return None
    return consent


# --- Enterprise context (经办人) --------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseContext:
    """An enterprise this person may act for, and how far."""

    legal_person_id: int
    name: str
    credit_code: str
    role: str  # "agent" (经办人 by grant) or "representative" (法定代表人)
    scopes: tuple[str, ...]
    valid_until: datetime | None

    def as_claim(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "credit_code": self.credit_code,
            "role": self.role,
            "scopes": list(self.scopes),
            "valid_until": int(self.valid_until.timestamp()) if self.valid_until else None,
        }


def enterprise_contexts_for(user: Any) -> list[EnterpriseContext]:
    """Enterprises `user` may act for now, from identity.selectors.enterprises_for (legal
    persons it represents, with every scope, and active agent grants)."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles_for = getattr(identity_selectors, "enterprises_for", None)
    if roles_for is None:
        return []
    contexts = [
        EnterpriseContext(
            legal_person_id=role.legal_person.pk,
            name=role.legal_person.name,
            credit_code=role.legal_person.credit_code,
            role=role.role,
            scopes=tuple(role.scopes),
            valid_until=role.valid_until,
        )
        for role in roles_for(user)
    ]
    return sorted(contexts, key=lambda c: c.name)


def enterprise_context(*, user: Any, legal_person_id: int | None) -> EnterpriseContext | None:
    if legal_person_id is None:
        return None
    for context in enterprise_contexts_for(user):
        if context.legal_person_id == legal_person_id:
            return context
    return None


# --- Sign-in sessions at clients ---------------------------------------------------------------


def rp_session_for_code(*, code: str, client: Client) -> RpSession | None:
    link = (
        GrantSession.objects.select_related("rp_session")
        .filter(grant__code=code, grant__application=client)
        .first()
    )
    return link.rp_session if link else None


def token_family_link(*, token_family: Any) -> TokenFamily | None:
    if token_family is None:
        return None
    return (
        TokenFamily.objects.select_related("rp_session").filter(token_family=token_family).first()
    )


def open_rp_sessions(
    *,
    user: Any,
    session_key: str | None = None,
    digest: str | None = None,
    sid: str | None = None,
) -> QuerySet[RpSession]:
    """Sign-ins at clients that have not ended: those of one browser session (by its key, the
    key's digest or its sid), or all of them."""
    sessions = RpSession.objects.filter(user=user, ended_at__isnull=True).select_related("client")
    if session_key:
        digest = session_digest(session_key)
    if digest:
        sessions = sessions.filter(session_digest=digest)
    if sid:
        sessions = sessions.filter(sid=sid)
    return sessions


# --- Back-channel logout -----------------------------------------------------------------------


def deliveries_due(*, now: datetime | None = None) -> QuerySet[BackchannelDelivery]:
    """Logout notifications waiting for their (next) attempt."""
    now = now or timezone.now()
    return BackchannelDelivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING], next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")


def deliveries_for_client(*, client: Client) -> QuerySet[BackchannelDelivery]:
    return BackchannelDelivery.objects.filter(client=client).order_by("-created_at")
