"""Life-event theme pages (主题服务): one page per national theme code."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tongban.core.codes import ThemeAudience, theme_label


def theme(request: HttpRequest, audience: str, code: str) -> HttpResponse:
    name = theme_label(audience, code)
    if name is None:
        raise Http404(_("没有这个服务主题。"))
    context = {
        "audience": audience,
        "audience_label": ThemeAudience(audience).label,
        "code": code,
        "theme_name": name,
        "services": [],
    }
    return render(request, "portal/theme.html", context)
