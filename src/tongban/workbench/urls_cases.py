"""Workbench pages of the cases app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.workbench.views.cases import detail, queues, settings, supervision, window

urlpatterns: list[URLPattern] = [
    path("cases/", queues.queue, name="cases_queue"),
    path("cases/claim/", queues.claim, name="cases_claim"),
    path("cases/batch/", queues.batch, name="cases_batch"),
    path("cases/window/", window.window, name="cases_window"),
    path("cases/supervision/", supervision.supervision, name="cases_supervision"),
    path(
        "cases/supervision/<int:supervision_id>/resolve/",
        supervision.resolve,
        name="cases_supervision_resolve",
    ),
    path("cases/items/", settings.item_list, name="cases_items"),
    path("cases/items/<str:code>/", settings.item_settings, name="cases_item"),
    path("cases/appointments/", settings.appointments, name="cases_appointments"),
    path(
        "cases/appointments/<uuid:appointment_id>/mark/",
        settings.appointment_mark_view,
        name="cases_appointment_mark",
    ),
    path("cases/<str:number>/", detail.case_detail, name="case_detail"),
    path("cases/<str:number>/do/<slug:action>/", detail.case_action, name="case_action"),
    path(
        "cases/<str:number>/materials/<str:code>/file/",
        detail.material_file,
        name="case_material_file",
    ),
    path(
        "cases/<str:number>/materials/<str:code>/evidence/",
        detail.material_evidence,
        name="case_material_evidence",
    ),
]
