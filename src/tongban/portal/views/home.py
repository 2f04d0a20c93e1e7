"""The portal home page (门户首页): search, popular services of the visitor's region, life-event
themes, bundles, my services."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongban.catalog.selectors import item_popular
from tongban.core.codes import LegalPersonTheme, NaturalPersonTheme, ThemeAudience
from tongban.portal.views.catalog import service_url, visitor_region

POPULAR_LIMIT = 8


@dataclass(frozen=True)
class ServiceLink:
    """One entry of the popular-services block: a title and where it leads."""

    title: str
    url: str
    department: str = ""


def popular_services(region: str) -> list[ServiceLink]:
    """热门服务: the most-used published items a resident of `region` can apply for."""
    return [
        ServiceLink(title=item.name, url=service_url(item.code), department=item.department.name)
        for item in item_popular(region=region, limit=POPULAR_LIMIT)
    ]


def theme_links(audience: str, table: type[NaturalPersonTheme | LegalPersonTheme]) -> list[dict]:
    return [{"audience": audience, "code": choice.value, "name": choice.label} for choice in table]


def home(request: HttpRequest) -> HttpResponse:
    region = visitor_region(request)
    context = {
        "region": {"code": region.code, "name": region.name},
        "popular_services": popular_services(region.code),
        "personal_themes": theme_links(ThemeAudience.PERSONAL, NaturalPersonTheme),
        "corporate_themes": theme_links(ThemeAudience.CORPORATE, LegalPersonTheme),
    }
    return render(request, "portal/home.html", context)
