from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# The elderly-friendly mode (适老化) is a display preference, not account data: it lives in a
# cookie so it works before sign-in and on shared kiosk browsers.
ELDER_COOKIE = "tb_elder"
ELDER_COOKIE_MAX_AGE = 365 * 24 * 3600


class DisplayPreferencesMiddleware:
    """Reads the elderly-friendly mode (适老化) switch from its cookie once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.elder_mode = request.COOKIES.get(ELDER_COOKIE) == "1"  # type: ignore[attr-defined]
        return self.get_response(request)
