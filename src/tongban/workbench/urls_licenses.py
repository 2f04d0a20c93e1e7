"""Workbench pages of the licenses app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.workbench.views import licenses

urlpatterns: list[URLPattern] = [
    path("licenses/", licenses.license_list, name="licenses"),
    path("licenses/issue/", licenses.license_issue, name="license_issue"),
    path("licenses/types/", licenses.type_list, name="license_types"),
    path("licenses/types/new/", licenses.type_edit, name="license_type_new"),
    path("licenses/types/<str:code>/edit/", licenses.type_edit, name="license_type_edit"),
    path("licenses/import/", licenses.import_page, name="license_import"),
    path("licenses/import/template/", licenses.import_template, name="license_import_template"),
    path("licenses/import/<uuid:job_id>/", licenses.import_job, name="license_import_job"),
    path("licenses/trust/", licenses.trust_page, name="license_trust"),
    path("licenses/<uuid:license_id>/", licenses.license_detail, name="license_detail"),
]
