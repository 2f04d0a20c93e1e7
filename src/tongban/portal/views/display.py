"""Display preferences: the elderly-friendly mode switch (适老化模式)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongban.core.middleware import ELDER_COOKIE, ELDER_COOKIE_MAX_AGE

ELDER = "elder"


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` target if it stays on this site, else `fallback` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def display_mode(request: HttpRequest) -> HttpResponse:
    elder = request.POST.get("mode") == ELDER
    response = HttpResponseRedirect(safe_next(request, reverse("portal:home")))
    response.set_cookie(
        ELDER_COOKIE,
        "1" if elder else "0",
        max_age=ELDER_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
