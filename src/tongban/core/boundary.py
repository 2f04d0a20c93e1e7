"""Error boundary for HTML pages: things that must be recorded even though the request's
transaction rolled back (the API has the same hook in api/errors.py)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tongban.core.services.alerts import record_calendar_unavailable
from tongban.core.workdays import CalendarUnavailable


class CalendarGapMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, CalendarUnavailable):
            record_calendar_unavailable(exception)
