"""Domain errors of the identity app (stable codes; interfaces map them to HTTP)."""

from __future__ import annotations

from tongban.core.errors import DomainError


class SignInRefused(DomainError):
    """A sign-in step failed. The message is the same whether or not the account exists."""

    def __init__(self, message: str, *, code: str = "sign_in_failed") -> None:
        super().__init__(message=message, code=code, status=401)


class RateLimited(DomainError):
    """Too many requests (SMS codes, sign-in attempts, verification attempts)."""

    def __init__(self, message: str, *, code: str = "rate_limited") -> None:
        super().__init__(message=message, code=code, status=429)
