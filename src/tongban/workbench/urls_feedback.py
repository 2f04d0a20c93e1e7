"""Workbench pages of the feedback app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
