"""Mounted by config/urls.py at /exchange/v1/ (one include line)."""

from django.urls import path

from tongban.sharing.exchange_api import exchange_api

urlpatterns = [path("", exchange_api.urls)]
