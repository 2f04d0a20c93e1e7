"""The portal home page (门户首页): search, popular services, life-event themes, my services."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongban.core.codes import LegalPersonTheme, NaturalPersonTheme, ThemeAudience
from tongban.core.errors import NotFound
from tongban.core.selectors.regions import region_get


@dataclass(frozen=True)
class ServiceLink:
    """One entry of the popular-services block: a title and where it leads."""

    title: str
    url: str
    department: str = ""


def popular_services() -> list[ServiceLink]:
    """热门服务. The service catalog fills this (most-used implementation items in the region);
    until it exists there is nothing honest to show, and the page shows an empty state."""
    return []


def home_region() -> dict[str, str]:
    """The region the portal serves (shown by the region switcher). A deployment whose divisions
    are not loaded yet still gets a page: the code is shown without a name."""
    code = settings.TONGBAN_HOME_REGION
    try:
        region = region_get(code)
    except NotFound:
        return {"code": code, "name": ""}
    return {"code": region.code, "name": region.name}


def theme_links(audience: str, table: type[NaturalPersonTheme | LegalPersonTheme]) -> list[dict]:
    return [{"audience": audience, "code": choice.value, "name": choice.label} for choice in table]


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "region": home_region(),
        "popular_services": popular_services(),
        "personal_themes": theme_links(ThemeAudience.PERSONAL, NaturalPersonTheme),
        "corporate_themes": theme_links(ThemeAudience.CORPORATE, LegalPersonTheme),
    }
    return render(request, "portal/home.html", context)
