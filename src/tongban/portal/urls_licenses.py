"""Portal pages of the licenses app; included into the portal namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.portal.views import licenses

urlpatterns: list[URLPattern] = [
    path("my/licenses/", licenses.wallet, name="licenses"),
    path("my/licenses/uses/", licenses.uses, name="license-uses"),
    path(
        "my/licenses/uses/<uuid:grant_id>/revoke/",
        licenses.grant_revoke,
        name="license-grant-revoke",
    ),
    path("my/licenses/<uuid:license_id>/", licenses.license_detail, name="license-detail"),
    path("my/licenses/<uuid:license_id>/pdf/", licenses.license_pdf_view, name="license-pdf"),
    path("licenses/verify/", licenses.verify, name="license-verify"),
]
