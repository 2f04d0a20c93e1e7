"""Ends sessions that were ended elsewhere: revoked in the user centre, or closed by a password
change or reset. Sessions are kept by the SM3 digest of their key (UserSession), so the
session store cannot be reached from there; instead every request of a signed-in user checks
its row (one indexed query) and is signed out when the row says it ended. Also keeps
`last_seen_at` fresh for the session list.

Place after AuthenticationMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from tongban.identity.services.signin import user_session_check


class UserSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if (
            user is not None
            and session is not None
            and session.session_key
            and user.is_authenticated
            and not user_session_check(session_key=session.session_key)
        ):
            logout(request)
        return self.get_response(request)
