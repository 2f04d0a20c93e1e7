"""Writes of the OpenID provider: clients, consents, sign-in sessions at clients, logout.

Each service is one transaction ending with its audit entry; HTTP to relying parties happens in
tasks (tasks.deliver_backchannel_logout), never inside a request or a transaction.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jwcrypto import jwt
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from tongban.audit.services import audit_record
from tongban.core import http
from tongban.core.errors import FieldProblem, NotFound, ValidationFailed
from tongban.identity.oidc import keys, selectors
from tongban.identity.oidc.models import (
    BackchannelDelivery,
    Client,
    Consent,
    DeliveryStatus,
    GrantSession,
    RpSession,
    Subject,
    TokenFamily,
)
from tongban.identity.oidc.scopes import OPENID, SCOPE_INFO

logger = logging.getLogger(__name__)

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_LIFETIME = 120  # seconds; the spec suggests at most two minutes
SESSION_SID_KEY = "oidc_sid"
# Sign-in methods of the current browser session (a list of RFC 8176 values such as "pwd",
# "otp", "sms"), written by the sign-in views; copied into the ID token's amr claim.
SESSION_AMR_KEY = "tongban_amr"


def subject_for(user: Any) -> str:
    """The `sub` of an account, created on first use. Random rather than derived from the
    database id, so relying parties cannot count accounts or guess each other's users.
    Bookkeeping, not a change a person made: no audit entry."""
    cached = getattr(user, "_oidc_sub", None)
    if cached:
        return cached
    # A sub never changes once made: every token and userinfo response needs it, so it is kept
    # in the cache (per process locally, shared with Redis) instead of read each time.
    # (date_joined in the key: a database id reused after a rollback never finds another's sub)
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    cache_key = f"oidc:sub:{user.pk}:{joined}"
    sub = cache.get(cache_key) or (
        Subject.objects.filter(user=user).values_list("sub", flat=True).first()
    )
    if sub is None:
        try:
            with transaction.atomic():
                sub = Subject.objects.create(user=user, sub=secrets.token_hex(16)).sub
        except IntegrityError:
            sub = Subject.objects.values_list("sub", flat=True).get(user=user)
    cache.set(cache_key, sub, timeout=None)
    user._oidc_sub = sub
    return sub


# --- Clients ---------------------------------------------------------------------------------


def _validation_failed(exc: ValidationError) -> ValidationFailed:
    problems = [
        FieldProblem(field, str(message))
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return ValidationFailed(_("接入平台信息有误，请按提示修改。"), fields=problems)


def _client_summary(client: Client) -> dict[str, Any]:
    return {
        "name": client.name,
        "client_id": client.client_id,
        "client_type": client.client_type,
        "algorithm": client.algorithm,
        "scopes": list(client.allowed_scopes),
        "redirect_uris": client.redirect_uris.split(),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "is_active": client.is_active,
    }


@transaction.atomic
def client_create(
    *,
    actor: Any,
    name: str,
    redirect_uris: Iterable[str],
    public: bool = False,
    scopes: Iterable[str] | None = None,
    algorithm: str = keys.RS256,
    backchannel_logout_uri: str = "",
    post_logout_redirect_uris: Iterable[str] = (),
    organisation: str = "",
) -> tuple[Client, str | None]:
    """Register a relying party. Returns the client and, for a confidential one, the secret in
    clear: it is shown once and only its digest is kept."""
    raw_secret = None if public else generate_client_secret()
    client = Client(
        name=name.strip(),
        organisation=organisation.strip(),
        client_type=Client.CLIENT_PUBLIC if public else Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(u.strip() for u in redirect_uris if u.strip()),
        post_logout_redirect_uris=" ".join(
            u.strip() for u in post_logout_redirect_uris if u.strip()
        ),
        allowed_scopes=list(dict.fromkeys(scopes)) if scopes else ["openid", "profile"],
        algorithm=algorithm,
        backchannel_logout_uri=backchannel_logout_uri.strip(),
        client_secret=raw_secret or "",
    )
    try:
        client.full_clean(exclude=["client_secret"])
    except ValidationError as exc:
        raise _validation_failed(exc) from exc
    client.save()
    audit_record(
        actor=actor, action="oidc.client.create", obj=client, summary=_client_summary(client)
    )
    return client, raw_secret


@transaction.atomic
def client_secret_reset(*, actor: Any, client: Client) -> str:
    """A new secret for a confidential client; the old one stops working at once."""
    if client.client_type != Client.CLIENT_CONFIDENTIAL:
        raise ValidationFailed(_("公开客户端没有密钥，无需重置。"))
    raw = generate_client_secret()
    client.client_secret = raw
    client.save(update_fields=["client_secret", "updated"])
    audit_record(
        actor=actor, action="oidc.client.reset_secret", obj=client, summary={"name": client.name}
    )
    return raw


@transaction.atomic
def client_set_active(*, actor: Any, client: Client, active: bool) -> Client:
    """Switch a client on or off. Off: no sign-ins, and its tokens stop working at once."""
    if client.is_active == active:
        return client
    client.is_active = active
    client.save(update_fields=["is_active", "updated"])
    audit_record(
        actor=actor,
        action="oidc.client.activate" if active else "oidc.client.deactivate",
        obj=client,
        summary={"name": client.name},
    )
    return client


# --- Consents --------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, user: Any, client: Client, scopes: Iterable[str], legal_person_id: int | None = None
) -> Consent:
    """Remember that `user` allowed `client` these scopes (added to what it allowed before)."""
    wanted = [s for s in dict.fromkeys(scopes) if s in SCOPE_INFO]
    if OPENID not in wanted:
        raise ValidationFailed(_("授权范围必须包含 openid。"))
    consent, created = Consent.objects.select_for_update().get_or_create(
        user=user, client=client, defaults={"scopes": wanted, "legal_person_id": legal_person_id}
    )
    if not created:
        consent.scopes = list(dict.fromkeys([*consent.scopes, *wanted]))
        consent.legal_person_id = legal_person_id
        consent.save(update_fields=["scopes", "legal_person", "updated_at"])
    audit_record(
        actor=user,
        action="oidc.consent.grant",
        obj=consent,
        summary={
            "client": client.name,
            "client_id": client.client_id,
            "scopes": consent.scopes,
            "legal_person_id": legal_person_id,
        },
    )
    return consent


@transaction.atomic
def consent_revoke(*, user: Any, application_id: int) -> None:
    """The person withdraws a platform's access: the consent goes, the platform's tokens for
    them are revoked, its sign-in sessions end and it is told so by back-channel logout."""
    consent = (
        Consent.objects.select_related("client").filter(user=user, client_id=application_id).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if consent is None:
        raise NotFound()
    client = consent.client
    sessions = list(selectors.open_rp_sessions(user=user).filter(client=client))
    had_tokens = _revoke_tokens(user=user, client=client)
    deliveries = _end_sessions(sessions)
    if not sessions and had_tokens:
        deliveries += _deliveries_without_session(user=user, clients=[client])
    consent.delete()
    audit_record(
        actor=user,
        action="oidc.consent.revoke",
        object_type="oidc.Consent",
        object_id=str(consent.public_id),
        summary={
            "client": client.name,
            "client_id": client.client_id,
            "sessions_ended": len(sessions),
            "logout_notifications": len(deliveries),
        },
    )
    _enqueue(deliveries)


# --- Sign-in sessions at clients ---------------------------------------------------------------


@transaction.atomic
def rp_session_record(
    *,
    user: Any,
    client: Client,
    grant: Any,
    sid: str,
    session_key: str | None,
    amr: Iterable[str],
    issuer: str,
) -> RpSession:
    """An authorization code was issued: the sign-in at `client` through browser session `sid`
    starts (or continues), and the code remembers it for the token exchange."""
    digest = selectors.session_digest(session_key) if session_key else ""
    amr = [str(m) for m in amr if m]
    rp_session = (
        RpSession.objects.select_for_update()
        .filter(user=user, client=client, sid=sid, ended_at__isnull=True)
        .first()
    )
    started = rp_session is None
    if rp_session is None:
        rp_session = RpSession.objects.create(
            user=user, client=client, sid=sid, session_digest=digest, amr=amr, issuer=issuer
        )
    else:
        rp_session.session_digest = digest or rp_session.session_digest
        rp_session.amr = amr
        rp_session.issuer = issuer
        rp_session.save(update_fields=["session_digest", "amr", "issuer", "updated_at"])
    if digest:
        # The session key changed since an earlier sign-in (Django cycles it on login):
        # keep every sign-in of this browser session findable by the current key.
        RpSession.objects.filter(user=user, sid=sid, ended_at__isnull=True).exclude(
            session_digest=digest
        ).update(session_digest=digest)
    GrantSession.objects.create(grant=grant, rp_session=rp_session)
    if started:
        audit_record(
            actor=user,
            action="oidc.session.start",
            obj=rp_session,
            summary={"client": client.name, "client_id": client.client_id, "amr": amr},
        )
    return rp_session


def token_family_link(*, token_family: Any, rp_session: RpSession) -> None:
    """Tie a new refresh-token family to its sign-in (bookkeeping inside DOT's token
    transaction; the sign-in itself was audited when it started)."""
    TokenFamily.objects.get_or_create(
        token_family=token_family, defaults={"rp_session": rp_session}
    )


# --- Logout ------------------------------------------------------------------------------------


@transaction.atomic
def on_user_logout(
    *,
    user: Any,
    session_key: str | None,
    session_digest: str | None = None,
    sid: str | None = None,
) -> list[BackchannelDelivery]:
    """The person signed out of Tongban (call it after django.contrib.auth.logout, with the
    session key the browser had; or with `session_digest`, the SM3 digest identity.UserSession
    keeps, when a session is revoked from elsewhere; or with `sid`, when only an ID token names
    the session). The sign-ins at clients made through that browser session end: their refresh-token families are revoked and every client with a
    back-channel logout URI gets a logout token (sub and sid). With neither key nor digest,
    every sign-in of the account ends and all its tokens are revoked (signing out everywhere,
    disabling an account). Idempotent: a second call finds nothing left to end."""
    if user is None or getattr(user, "pk", None) is None:
        return []
    one_session = bool(session_key or session_digest or sid)
    sessions = list(
        selectors.open_rp_sessions(
            user=user, session_key=session_key, digest=session_digest, sid=sid
        )
    )
    deliveries = _end_sessions(sessions)
    other_clients: list[Client] = []
    if not one_session:
        session_clients = {s.client_id for s in sessions}
        other_clients = [c for c in _clients_with_tokens(user) if c.pk not in session_clients]
        _revoke_tokens(user=user, client=None)
        deliveries += _deliveries_without_session(user=user, clients=other_clients)
    if not sessions and not other_clients:
        return []
    audit_record(
        actor=user,
        action="oidc.session.end",
        object_type=f"{user._meta.label}",
        object_id=str(user.pk),
        summary={
            "scope": "browser_session" if one_session else "all_sessions",
            "clients": sorted({s.client.name for s in sessions} | {c.name for c in other_clients}),
            "sessions_ended": len(sessions),
            "logout_notifications": len(deliveries),
        },
    )
    _enqueue(deliveries)
    return deliveries


def _clients_with_tokens(user: Any) -> list[Client]:
    access_token_model = get_access_token_model()
    refresh_token_model = get_refresh_token_model()
    ids = set(
        access_token_model.objects.filter(user=user, application__isnull=False).values_list(
            "application_id", flat=True
        )
    ) | set(
        refresh_token_model.objects.filter(user=user, revoked__isnull=True).values_list(
            "application_id", flat=True
        )
    )
    return list(Client.objects.filter(pk__in=ids))


def _revoke_tokens(*, user: Any, client: Client | None) -> bool:
    """Revoke every token and pending code of `user` (at `client`, or everywhere)."""
    scope: dict[str, Any] = {"user": user}
    if client is not None:
        scope["application"] = client
    now = timezone.now()
    refreshed = (
        get_refresh_token_model()
        .objects.filter(revoked__isnull=True, **scope)
        .update(revoked=now, updated=now)
    )
    accessed, _detail = get_access_token_model().objects.filter(**scope).delete()
    get_id_token_model().objects.filter(**scope).delete()
    get_grant_model().objects.filter(**scope).delete()
    return bool(refreshed or accessed)


def _end_sessions(sessions: list[RpSession]) -> list[BackchannelDelivery]:
    """End sign-ins: revoke their token families and codes, create their logout notices."""
    if not sessions:
        return []
    now = timezone.now()
    refresh_token_model = get_refresh_token_model()
    families = TokenFamily.objects.filter(rp_session__in=sessions).values_list(
        "token_family", flat=True
    )
    for family in families:
        refresh_token_model.revoke_family(family)
    get_grant_model().objects.filter(tongban_session__rp_session__in=sessions).delete()
    RpSession.objects.filter(pk__in=[s.pk for s in sessions]).update(ended_at=now, updated_at=now)
    deliveries = []
    seen: set[tuple[int, str]] = set()
    for rp_session in sessions:
        client = rp_session.client
        if not client.backchannel_logout_uri or not client.is_active:
            continue
        if (client.pk, rp_session.sid) in seen:
            continue
        seen.add((client.pk, rp_session.sid))
        deliveries.append(
            BackchannelDelivery.objects.create(
                client=client,
                user=rp_session.user,
                subject=subject_for(rp_session.user),
                sid=rp_session.sid,
                issuer=rp_session.issuer,
                next_attempt_at=now,
            )
        )
    return deliveries


def _deliveries_without_session(*, user: Any, clients: list[Client]) -> list[BackchannelDelivery]:
    """Clients holding tokens but no recorded sign-in get a logout token with sub only."""
    issuer = getattr(settings, "TONGBAN_OIDC_ISSUER", "") or (
        RpSession.objects.filter(user=user).values_list("issuer", flat=True).first()
    )
    if not issuer:
        logger.warning("oidc.logout.no_issuer", extra={"clients": [c.pk for c in clients]})
        return []
    now = timezone.now()
    return [
        BackchannelDelivery.objects.create(
            client=client,
            user=user,
            subject=subject_for(user),
            issuer=issuer,
            next_attempt_at=now,
        )
        for client in clients
        if client.backchannel_logout_uri and client.is_active
    ]


def _enqueue(deliveries: list[BackchannelDelivery]) -> None:
    from tongban.identity.oidc.tasks import deliver_backchannel_logout

    for delivery in deliveries:
        transaction.on_commit(
            lambda pk=delivery.pk: deliver_backchannel_logout.enqueue(delivery_id=pk)
        )


def logout_token(delivery: BackchannelDelivery) -> str:
    """The signed logout token (OpenID Connect Back-Channel Logout 1.0, section 2.4)."""
    client = delivery.client
    key = keys.signing_key(client.algorithm)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": delivery.issuer,
        "sub": delivery.subject,
        "aud": client.client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_LIFETIME,
        "jti": str(delivery.jti),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if delivery.sid:
        claims["sid"] = delivery.sid
    header = {"alg": client.algorithm, "typ": "logout+jwt", "kid": keys.key_id(key)}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def _backoff(attempts: int) -> timedelta:
    # 30 s, 2 min, 8 min, 32 min, about 2 h, then every 6 h.
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 6 * 3600))


def backchannel_deliver(*, delivery_id: int) -> BackchannelDelivery | None:
    """One delivery attempt of one logout token. Claims the row first (so a task and the
    `oidc deliver-logouts` command never send the same notice at the same moment), then POSTs
    outside any transaction, then records the outcome; on failure the next attempt is
    scheduled with backoff and, where the task backend can defer, enqueued."""
    timeout = float(getattr(settings, "TONGBAN_OIDC_LOGOUT_TIMEOUT_SECONDS", 5))
    with transaction.atomic():
        delivery = (
            BackchannelDelivery.objects.select_for_update()
            .select_related("client")
            .filter(pk=delivery_id)
            .first()
        )
        now = timezone.now()
        if (
            delivery is None
            or delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
            or (delivery.next_attempt_at and delivery.next_attempt_at > now)
        ):
            return delivery
        delivery.attempts += 1
        # A lease: if this process dies mid-attempt, the notice is due again afterwards.
        delivery.next_attempt_at = now + timedelta(seconds=timeout + 60)
        delivery.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    status_code: int | None = None
    error = ""
    try:
        token = logout_token(delivery)
        response = http.post_form(
            delivery.client.backchannel_logout_uri,
            {"logout_token": token},
            timeout=timeout,
            max_bytes=4096,
        )
        status_code = response.status
        if not response.ok:
            error = f"HTTP {response.status}: {response.text()[:200]}"
    except http.HttpError as exc:
        error = str(exc)[:500] or "connection failed"
    return _delivery_outcome(delivery_id=delivery.pk, status_code=status_code, error=error)


@transaction.atomic
def _delivery_outcome(
    *, delivery_id: int, status_code: int | None, error: str
) -> BackchannelDelivery:
    delivery = (
        BackchannelDelivery.objects.select_for_update().select_related("client").get(pk=delivery_id)
    )
    now = timezone.now()
    max_attempts = int(getattr(settings, "TONGBAN_OIDC_LOGOUT_MAX_ATTEMPTS", 8))
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "status",
            "last_status_code",
            "last_error",
            "delivered_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=None,
        action=f"oidc.backchannel.{delivery.status}",
        obj=delivery,
        summary={
            "client": delivery.client.name,
            "jti": str(delivery.jti),
            "attempts": delivery.attempts,
            "status_code": status_code,
            "error": error[:200],
        },
    )
    if delivery.status == DeliveryStatus.RETRYING:
        _schedule_retry(delivery)
    return delivery


def _schedule_retry(delivery: BackchannelDelivery) -> None:
    from tongban.identity.oidc.tasks import deliver_backchannel_logout

    # A backend that runs tasks at once (tests, development without a worker) would retry
    # immediately; there, `manage oidc deliver-logouts` picks the notice up when it is due.
    if not deliver_backchannel_logout.get_backend().supports_defer:
        return
    run_after = delivery.next_attempt_at
    transaction.on_commit(
        lambda: deliver_backchannel_logout.using(run_after=run_after).enqueue(
            delivery_id=delivery.pk
        )
    )


@transaction.atomic
def backchannel_retry_now(*, actor: Any, delivery: BackchannelDelivery) -> BackchannelDelivery:
    """An operator asks for another attempt now (after fixing the client's endpoint, say)."""
    if delivery.status == DeliveryStatus.DELIVERED:
        return delivery
    delivery.status = DeliveryStatus.RETRYING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor,
        action="oidc.backchannel.retry",
        obj=delivery,
        summary={"client": delivery.client.name, "jti": str(delivery.jti)},
    )
    _enqueue([delivery])
    return delivery


def deliver_due_logouts(*, now: Any = None, limit: int = 500) -> int:
    """Attempt every logout notice that is due; returns how many were attempted."""
    ids = list(selectors.deliveries_due(now=now).values_list("pk", flat=True)[:limit])
    for delivery_id in ids:
        backchannel_deliver(delivery_id=delivery_id)
    return len(ids)
