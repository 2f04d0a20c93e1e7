"""The client IP of the request being served, so services need not thread it through every call.

Behind reverse proxies REMOTE_ADDR is the proxy's address. Set TONGBAN_TRUSTED_PROXY_COUNT to the
number of proxies in front of the application (nginx alone: 1); the client is then taken from
X-Forwarded-For, counted from the right, so a client cannot forge its own address by sending
the header itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_current_ip: ContextVar[str | None] = ContextVar("tongban_audit_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


@contextmanager
def audit_ip(ip: str | None) -> Iterator[None]:
    """Attribute the audit entries written inside the block to `ip` (tasks, imports)."""
    token = _current_ip.set(ip)
    try:
        yield
    finally:
        _current_ip.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    proxies = int(getattr(settings, "TONGBAN_TRUSTED_PROXY_COUNT", 0) or 0)
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_ip(client_ip(request)):
            return self.get_response(request)
