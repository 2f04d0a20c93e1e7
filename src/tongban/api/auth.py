from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from tongban.identity.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from `./dev.sh manage identity token <username>`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw_token=token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuthOptional(SessionAuth):
    """Signed-in browser sessions (portal and workbench pages call the API too)."""
