"""django-oauth-toolkit extended for Tongban: ES256 beside RS256, real-name claims limited to the
granted scopes, sign-in sessions (sid, amr) carried from the authorization to every ID token,
salted-SM3 client secrets, and PKCE S256 only."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from jwcrypto import jws, jwt
from oauth2_provider.models import get_access_token_model, get_id_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server

from tongban.core.identifiers import mask_citizen_id
from tongban.identity.oidc import client_secrets, keys, selectors, services
from tongban.identity.oidc.scopes import CLAIM_SCOPE, acr_for_level

# Claims about the authentication event: in the ID token, never in userinfo.
ID_TOKEN_ONLY = ("acr", "amr", "sid", "auth_time")


class TongbanServer(Server):
    """oauthlib's OpenID server that knows only the S256 PKCE method: "plain" (and a challenge
    without a method, which RFC 7636 treats as plain) is refused at the authorization request."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        s256_only = {"S256": code_challenge_method_s256}
        for grant in (
            self.auth_grant,
            self.openid_connect_auth.proxy_target,
            self.openid_connect_hybrid.proxy_target,
        ):
            grant._code_challenge_methods = s256_only


def _phone_e164(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return f"+86 {digits}"
    return phone


def _phone_verified(user: Any) -> bool:
    verified_at = getattr(user, "phone_verified_at", None)
    if verified_at is not None:
        return True
    # Level 1 and above mean a phone number proved by an SMS code (identity.AssuranceLevel).
    return int(getattr(user, "assurance_level", 0) or 0) >= 1 and not hasattr(
        user, "phone_verified_at"
    )


class TongbanValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPE

    # --- client authentication ----------------------------------------------------------------

    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        if client_secrets.is_hashed(stored_secret):
            return client_secrets.check_secret(provided_secret, stored_secret)
        return super()._check_secret(provided_secret, stored_secret)

    # --- prompt=none: the authorization view requires a signed-in user and checks the
    # remembered consent itself (oauthlib asks before the view knows who is signed in).

    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    # --- sign-in sessions ---------------------------------------------------------------------

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        grant = self._create_authorization_code(request, code)
        consent = getattr(request, "tongban_consent", None)
        if consent is not None:
            # Remembered only now that a code is actually issued for these scopes.
            services.consent_record(
                user=request.user,
                client=request.client,
                scopes=request.scopes,
                legal_person_id=consent.get("legal_person_id"),
            )
        sid = getattr(request, "tongban_sid", None)
        if sid:
            services.rp_session_record(
                user=request.user,
                client=request.client,
                grant=grant,
                sid=sid,
                session_key=getattr(request, "tongban_session_key", None),
                amr=getattr(request, "tongban_amr", None) or [],
                issuer=self.get_oidc_issuer_endpoint(request),
            )

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if not valid or not request.user.is_active:
            return False
        request.rp_session = selectors.rp_session_for_code(code=code, client=client)
        return True

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        rp_session = getattr(request, "rp_session", None)
        if previous_refresh_token is None and rp_session is not None:
            services.token_family_link(
                token_family=refresh_token.token_family, rp_session=rp_session
            )
        return refresh_token

    def _create_access_token(
        self, expires: Any, request: Any, token: dict[str, Any], source_refresh_token: Any = None
    ) -> Any:
        # DOT re-parses and re-verifies the ID token it has just signed to find its row (two
        # queries and a signature check per token response); finalize_id_token kept the row.
        id_token_model = get_id_token_model()
        saved = getattr(request, "id_token", None)
        if not isinstance(saved, id_token_model) or "id_token" not in token:
            return super()._create_access_token(expires, request, token, source_refresh_token)
        access_token = get_access_token_model()(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            id_token=saved,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
        )
        self._set_token_value(access_token, token["access_token"])
        access_token.save()
        return access_token

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        if not request.user.is_active:
            return False  # a disabled account loses every platform at once
        link = selectors.token_family_link(token_family=request.refresh_token_instance.token_family)
        if link is not None:
            max_age = timedelta(seconds=getattr(settings, "TONGBAN_OIDC_REFRESH_MAX_SECONDS", 0))
            if link.rp_session.ended_at is not None:
                return False
            if max_age and link.created_at + max_age <= timezone.now():
                return False
            request.rp_session = link.rp_session
        return True

    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        user = request.user
        if user is not None and not user.is_active:
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The access token is invalid.",
            }
            return False
        return True

    # --- claims -------------------------------------------------------------------------------

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        level = int(getattr(user, "assurance_level", 0) or 0)
        claims: dict[str, Any] = {
            "sub": services.subject_for(user),
            "acr": acr_for_level(level),
            "name": lambda r: r.user.real_name or None,
            "phone_number": lambda r: _phone_e164(r.user.phone) if r.user.phone else None,
            "phone_number_verified": lambda r: bool(r.user.phone) and _phone_verified(r.user),
            "id_number_masked": lambda r: (
                mask_citizen_id(r.user.id_number) if r.user.id_number else None
            ),
            "assurance_level": level,
            "enterprise": self._enterprise_claim,
        }
        rp_session = getattr(request, "rp_session", None)
        if rp_session is not None:
            claims["sid"] = rp_session.sid
            if rp_session.amr:
                claims["amr"] = list(rp_session.amr)
        return claims

    @staticmethod
    def _enterprise_claim(request: Any) -> dict[str, Any] | None:
        consent = selectors.consent_covering(
            user=request.user, client=request.client, scopes=["tongban.enterprise"]
        )
        if consent is None:
            return None
        context = selectors.enterprise_context(
            user=request.user, legal_person_id=consent.legal_person_id
        )
        return context.as_claim() if context else None

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Any) -> dict[str, Any]:
        claims = super().get_oidc_claims(token, token_handler, request)
        return {k: v for k, v in claims.items() if v is not None}

    def get_userinfo_claims(self, request: Any) -> dict[str, Any]:
        claims = super().get_userinfo_claims(request)
        return {k: v for k, v in claims.items() if k not in ID_TOKEN_ONLY}

    # --- signing ------------------------------------------------------------------------------

    def finalize_id_token(
        self, id_token: dict[str, Any], token: Any, token_handler: Any, request: Any
    ) -> str:
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        key = request.client.jwk_key
        header = {"typ": "JWT", "alg": request.client.algorithm, "kid": keys.key_id(key)}
        signed = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        signed.make_signed_token(key)
        id_token_model = get_id_token_model()
        with transaction.atomic(using=router.db_for_write(id_token_model)):
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return signed.serialize()

    def _get_key_for_token(self, token: str) -> Any:
        """Every key, active or retired, of the algorithm of the client the token names: an ID
        token signed before a key rotation still identifies its user at RP-initiated logout."""
        unverified = jws.JWS()
        unverified.deserialize(token)
        claims = json.loads(unverified.objects["payload"].decode("utf-8"))
        if "aud" not in claims:
            return None
        client = self._get_client_by_audience(claims["aud"])
        if client is None or client.algorithm not in keys.ALGORITHMS:
            return None
        return keys.verification_keyset(client.algorithm)
