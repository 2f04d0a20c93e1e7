"""The one outbound HTTP client (STYLE.md rule 10): a timeout on every call, no redirects, only
http and https, bounded response bodies. Built on urllib so it needs nothing installed.

Call it from tasks, not from request handlers: a slow partner must never hold a web worker.
Proxies are not taken from the environment; set TONGBAN_HTTP_PROXY to route through one.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message

from django.conf import settings

DEFAULT_MAX_BYTES = 1024 * 1024
USER_AGENT = "Tongban/1.0"


class HttpError(Exception):
    """No HTTP response at all: refused, reset, timed out, name not resolved, bad URL."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding, errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A 3xx comes back to the caller as a response: following it would let a partner point
    # our request (and its credentials) anywhere, including inside our own network.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _opener() -> urllib.request.OpenerDirector:
    proxy = getattr(settings, "TONGBAN_HTTP_PROXY", "") or ""
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect)


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"only absolute http(s) URLs may be requested, not {parts.scheme!r}")


def _headers_of(message: Message | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (message.items() if message is not None else [])}


def request(
    method: str,
    url: str,
    *,
    timeout: float,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Response:
    """Send one request and return the response, whatever its status. Raises HttpError when
    there is no response. `timeout` (seconds) is mandatory and must be positive."""
    if not timeout or timeout <= 0:
        raise ValueError("a positive timeout is required")
    _check_url(url)
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=all_headers, method=method.upper())  # noqa: S310 - scheme checked above
    try:
        with _opener().open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.read(max_bytes), _headers_of(resp.headers))
    except urllib.error.HTTPError as exc:
        body = exc.read(max_bytes) if exc.fp is not None else b""
        return Response(exc.code, body, _headers_of(exc.headers))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpError(str(reason) or exc.__class__.__name__) from exc


def post_form(
    url: str,
    fields: Mapping[str, str],
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Response:
    """POST application/x-www-form-urlencoded (UTF-8)."""
    body = urllib.parse.urlencode(fields).encode()
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return request(
        "POST", url, timeout=timeout, data=body, headers=all_headers, max_bytes=max_bytes
    )


def get(
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Response:
    return request("GET", url, timeout=timeout, headers=headers, max_bytes=max_bytes)
