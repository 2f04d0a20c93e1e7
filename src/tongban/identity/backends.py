"""The authentication backend: phone number, ID number or username with a password.

It goes through the same service as the sign-in page (lockout, throttling, login history,
audit), so `authenticate()` from anywhere — the admin's own login form included — cannot be
used to guess passwords around the lockout. Accounts that need a second factor (staff, and
anyone who bound an authenticator) are never authenticated here: they sign in at
/accounts/login/, which asks for the code."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tongban.audit.context import client_ip
from tongban.core.errors import DomainError
from tongban.identity.models import User
from tongban.identity.services.signin import sign_in_with_password


class IdentifierBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        try:
            step = sign_in_with_password(
                identifier=username,
                password=password,
                ip=client_ip(request) if request is not None else None,
                user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
            )
        except DomainError:
            return None
        return step.user if step.complete else None
