"""Life-event theme pages (主题服务): one page per national theme code, listing the theme's
services for the visitor's region."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.core.codes import ThemeAudience, theme_label
from tongban.portal.views.catalog import theme_items


def theme(request: HttpRequest, audience: str, code: str) -> HttpResponse:
    name = theme_label(audience, code)
    if name is None:
        raise Http404(_("没有这个服务主题。"))
    region, services, total, more_url = theme_items(request, audience, code)
    context = {
        "audience": audience,
        "audience_label": ThemeAudience(audience).label,
        "code": code,
        "theme_name": name,
        "region": region,
        "services": services,
        "total": total,
        "more_url": more_url,
    }
    return render(request, "portal/theme.html", context)
