"""Portal pages of the sharing app; included into the portal namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.portal.views import sharing

urlpatterns: list[URLPattern] = [
    path("my/data-access/", sharing.data_access, name="sharing-data-access"),
    path(
        "my/enterprises/data-access/",
        sharing.enterprise_data_access,
        name="sharing-enterprise-data-access",
    ),
    path("open-data/", sharing.open_data, name="sharing-open-data"),
    # A stable URL for harvesters (CKAN's DCAT harvester, national open-data portal).
    path("open-data/catalog.jsonld", sharing.open_catalog_jsonld, name="sharing-open-catalog"),
    path("open-data/<str:code>/", sharing.open_detail, name="sharing-open-detail"),
    path(
        "open-data/<str:code>/download.<str:fmt>",
        sharing.open_download,
        name="sharing-open-download",
    ),
]
