"""Static information pages of the portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accessibility(request: HttpRequest) -> HttpResponse:
    """无障碍说明: what the site does for people with disabilities and older people."""
    return render(request, "portal/accessibility.html", {})
