"""Portal pages of the feedback app; included into the portal namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
