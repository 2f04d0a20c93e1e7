from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

STAFF_KIND = "staff"


def html_lang(language_code: str) -> str:
    """BCP 47 spelling of a Django language code for `<html lang>`: zh-hans → zh-Hans."""
    parts = language_code.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4:
            out.append(part.title())  # script subtag
        elif len(part) == 2:
            out.append(part.upper())  # region subtag
        else:
            out.append(part.lower())
    return "-".join(out)


def is_staff_user(user: Any) -> bool:
    """Whether an account may open the workbench. Duck-typed: core does not import identity."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "kind", "") == STAFF_KIND or getattr(user, "is_superuser", False))


def mask_name(name: str) -> str:
    """Masks a personal name for display on shared screens: 张三 → 张*, 王小明 → 王*明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def platform(request: HttpRequest) -> dict[str, Any]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {
        "platform_name": settings.TONGBAN_PLATFORM_NAME,
        # Deployment facts for the footer; empty until the operator configures them.
        "platform_owner": getattr(settings, "TONGBAN_PLATFORM_OWNER", ""),
        "site_code": getattr(settings, "TONGBAN_SITE_CODE", ""),
        "elder_mode": getattr(request, "elder_mode", False),
        "html_lang": html_lang(language),
        "is_workbench_user": is_staff_user(user),
        "user_masked_name": mask_name(getattr(user, "display_name", "")) if signed_in else "",
    }
