from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the visitor chose English with the switch (language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on government
    intranet PCs and kiosks often says English although every user reads Chinese."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
