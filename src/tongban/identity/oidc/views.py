"""OpenID provider endpoints: DOT's views, extended where Tongban needs more.

- authorize: consent screen in Chinese per client, remembered consent, enterprise choice, and
  the browser session (sid, amr) handed to the validator so ID tokens and logout can use it;
- discovery and JWKS: ES256 beside RS256, S256 only, back-channel logout, acr values;
- introspection: a client learns only about its own tokens, and `sub`, never a username;
- RP-initiated logout: ends the browser session's sign-ins through services.on_user_logout.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.compat import login_not_required
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import (
    AuthorizationView,
    ConnectDiscoveryInfoView,
    JwksInfoView,
    RPInitiatedLogoutView,
)
from oauth2_provider.views import TokenView as DotTokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauth2_provider.views.oidc import _load_id_token
from oauthlib.common import Request as OauthlibRequest

from tongban.identity.oidc import keys, selectors, services
from tongban.identity.oidc.models import Client
from tongban.identity.oidc.scopes import (
    ACR_VALUES,
    CLAIMS_SUPPORTED,
    ENTERPRISE,
    SCOPE_INFO,
)


def _browser_session(request: HttpRequest) -> tuple[str, str | None, list[str]]:
    """(sid, session key, amr) of the signed-in browser session; the sid lives in the session
    so that it survives the session key being cycled."""
    session = request.session
    sid = session.get(services.SESSION_SID_KEY)
    if not sid:
        sid = secrets.token_urlsafe(16)
        session[services.SESSION_SID_KEY] = sid
    if session.session_key is None:
        session.save()
    amr = session.get(services.SESSION_AMR_KEY) or selectors.amr_for_session(session.session_key)
    return sid, session.session_key, [str(m) for m in amr]


class AuthorizeView(AuthorizationView):
    template_name = "oidc/authorize.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        prompt = set(request.GET.get("prompt", "").split())
        if prompt & {"login", "create"} or "resource" in request.GET:
            return super().get(request, *args, **kwargs)
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return super().get(request, *args, **kwargs)  # DOT renders or redirects the error
        client = Client.objects.get(client_id=credentials["client_id"])
        if "consent" not in prompt and not client.skip_authorization:
            consent = selectors.consent_covering(user=request.user, client=client, scopes=scopes)
            if consent is not None and self._enterprise_still_valid(consent, scopes):
                return self._approve(request, client, scopes, credentials)
        if "none" in prompt:
            return self._error_redirect(client, credentials, "consent_required")
        return super().get(request, *args, **kwargs)

    def _enterprise_still_valid(self, consent: Any, scopes: list[str]) -> bool:
        if ENTERPRISE not in scopes:
            return True
        contexts = selectors.enterprise_contexts_for(self.request.user)
        if not contexts:
            return True  # nothing to choose from: the consent screen would change nothing
        return any(c.legal_person_id == consent.legal_person_id for c in contexts)

    def _approve(
        self, request: HttpRequest, client: Client, scopes: list[str], credentials: dict[str, Any]
    ) -> HttpResponse:
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, client)
        return self.redirect(uri, client)

    def _error_redirect(self, client: Client, credentials: dict[str, Any], error: str) -> Any:
        params = {"error": error}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        redirect_uri = credentials["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        return self.redirect(redirect_uri + separator + urlencode(params), client)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scopes = context.get("scopes") or []
        context["scope_rows"] = [
            {"scope": s, "label": SCOPE_INFO[s].label, "reveals": SCOPE_INFO[s].reveals}
            for s in scopes
            if s in SCOPE_INFO
        ]
        if ENTERPRISE in scopes and self.request.user.is_authenticated:
            context["enterprises"] = selectors.enterprise_contexts_for(self.request.user)
            context["asks_enterprise"] = True
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        self._consent: dict[str, Any] | None = None
        if form.cleaned_data.get("allow"):
            scopes = (form.cleaned_data.get("scope") or "").split()
            legal_person_id = None
            if ENTERPRISE in scopes:
                wanted = self.request.POST.get("legal_person", "")
                contexts = selectors.enterprise_contexts_for(self.request.user)
                chosen = [c for c in contexts if str(c.legal_person_id) == wanted]
                if not chosen and len(contexts) == 1:
                    chosen = contexts
                legal_person_id = chosen[0].legal_person_id if chosen else None
            self._consent = {"legal_person_id": legal_person_id}
        return super().form_valid(form)

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> Any:
        if allow:
            sid, session_key, amr = _browser_session(request)
            credentials = {
                **credentials,
                "tongban_sid": sid,
                "tongban_session_key": session_key,
                "tongban_amr": amr,
                # Only an explicit "同意" on the consent screen is remembered.
                "tongban_consent": getattr(self, "_consent", None),
            }
        return super().create_authorization_response(request, scopes, credentials, allow)


class TokenView(DotTokenView):
    """DOT's token endpoint without its app_authorized signal, which costs a query per response
    to find the token just saved (nothing here listens to it); no device flow either."""

    @method_decorator(
        sensitive_post_parameters("client_secret", "code", "code_verifier", "refresh_token")
    )
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for key, value in headers.items():
            response[key] = value
        return response


class DiscoveryView(ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        base = super().get(request, *args, **kwargs)
        data = json.loads(base.content)
        data.update(
            {
                "scopes_supported": list(oauth2_settings.SCOPES),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "id_token_signing_alg_values_supported": [
                    alg for alg in keys.ALGORITHMS if keys.is_configured(alg)
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": sorted({*CLAIMS_SUPPORTED, "iss", "aud", "exp", "iat"}),
                "acr_values_supported": ACR_VALUES,
                "prompt_values_supported": ["none", "login", "consent"],
                "revocation_endpoint": self._get_endpoint_url(request, "revoke-token"),
                "revocation_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "introspection_endpoint": self._get_endpoint_url(request, "introspect"),
                "introspection_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "claims_parameter_supported": False,
                "request_parameter_supported": False,
                "request_uri_parameter_supported": False,
                "ui_locales_supported": ["zh-CN", "en"],
            }
        )
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        response["Access-Control-Allow-Origin"] = "*"
        return response


class JwksView(JwksInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = JsonResponse(keys.public_jwks())
        age = oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = (
            f"public, max-age={age}, stale-while-revalidate={age}, stale-if-error={age}"
        )
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class IntrospectView(OAuthLibMixin, View):
    """RFC 7662 for confidential clients about their own tokens. A token of another client is
    reported inactive, as an unknown one is: no client learns who signed in elsewhere."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        core = self.get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauth_request = OauthlibRequest(uri, http_method, body, headers)
        validator = core.server.request_validator
        authenticated = validator.authenticate_client(oauth_request)
        client = getattr(oauth_request, "client", None)
        if not authenticated or client is None or client.client_type != Client.CLIENT_CONFIDENTIAL:
            response = JsonResponse({"error": "invalid_client"}, status=401)
            response["WWW-Authenticate"] = 'Basic realm="introspection"'
            return response
        token = request.POST.get("token")
        if not token:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "token is required"},
                status=400,
            )
        return JsonResponse(self._describe(token, client, request))

    def _describe(self, token: str, client: Client, request: HttpRequest) -> dict[str, Any]:
        checksum = hashlib.sha256(token.encode()).hexdigest()
        hint = request.POST.get("token_type_hint", "")
        issuer = oauth2_settings.oidc_issuer(request)
        finders = [self._access, self._refresh]
        if hint == "refresh_token":
            finders.reverse()
        for finder in finders:
            found = finder(checksum, client)
            if found is not None:
                user, scope, expires, created, token_type = found
                data: dict[str, Any] = {
                    "active": True,
                    "scope": scope,
                    "client_id": client.client_id,
                    "token_type": token_type,
                    "iat": int(created.timestamp()),
                    "iss": issuer,
                    "aud": client.client_id,
                }
                if expires is not None:
                    data["exp"] = int(expires.timestamp())
                if user is not None:
                    data["sub"] = services.subject_for(user)
                return data
        return {"active": False}

    @staticmethod
    def _access(checksum: str, client: Client) -> tuple[Any, ...] | None:
        token = (
            get_access_token_model()
            .objects.select_related("user")
            .filter(token_checksum=checksum, application=client)
            .first()
        )
        if token is None or not token.is_valid():
            return None
        return token.user, token.scope, token.expires, token.created, "Bearer"

    @staticmethod
    def _refresh(checksum: str, client: Client) -> tuple[Any, ...] | None:
        token = (
            get_refresh_token_model()
            .objects.select_related("user", "access_token")
            .filter(token_checksum=checksum, application=client, revoked__isnull=True)
            .first()
        )
        if token is None or token.access_token is None:
            return None
        return token.user, token.access_token.scope, None, token.created, "refresh_token"


class LogoutView(RPInitiatedLogoutView):
    template_name = "oidc/logout_confirm.html"

    def validate_logout_request_user(self, id_token_hint: str | None, client_id: str | None) -> Any:
        id_token = super().validate_logout_request_user(id_token_hint, client_id)
        self.hint_sid = None
        if id_token is not None and id_token_hint:
            _row, claims = _load_id_token(id_token_hint)
            self.hint_sid = (claims or {}).get("sid")
        return id_token

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        # The browser's own session ends: its sign-ins at every client, with back-channel
        # logout to each. Without a session here (it expired), the session the ID token names
        # ends instead.
        if self.request.user.is_authenticated:
            services.on_user_logout(
                user=self.request.user, session_key=self.request.session.session_key
            )
        elif token_user is not None and getattr(self, "hint_sid", None):
            services.on_user_logout(user=token_user, session_key=None, sid=self.hint_sid)
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)
