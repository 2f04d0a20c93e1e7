"""Workbench pages of the sharing app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.workbench.views import sharing

urlpatterns: list[URLPattern] = [
    path("sharing/", sharing.resource_list, name="sharing_resources"),
    path("sharing/resources/new/", sharing.resource_new, name="sharing_resource_new"),
    path("sharing/resources/<str:code>/edit/", sharing.resource_edit, name="sharing_resource_edit"),
    path("sharing/resources/<str:code>/", sharing.resource_detail, name="sharing_resource"),
    path("sharing/resources/<str:code>/request/", sharing.request_new, name="sharing_request_new"),
    path("sharing/requests/", sharing.request_list, name="sharing_requests"),
    path("sharing/requests/<uuid:request_id>/", sharing.request_detail, name="sharing_request"),
    path("sharing/apps/", sharing.app_list, name="sharing_apps"),
    path("sharing/apps/<uuid:app_id>/", sharing.app_detail, name="sharing_app"),
    path("sharing/usage/", sharing.usage, name="sharing_usage"),
    path("sharing/bulk/", sharing.bulk_list, name="sharing_bulk"),
    path("sharing/bulk/<uuid:job_id>/", sharing.bulk_job, name="sharing_bulk_job"),
    path("sharing/bulk/<uuid:job_id>/resume/", sharing.bulk_job_resume, name="sharing_bulk_resume"),
]
