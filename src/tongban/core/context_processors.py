from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "platform_name": settings.TONGBAN_PLATFORM_NAME,
        "elder_mode": getattr(request, "elder_mode", False),
    }
