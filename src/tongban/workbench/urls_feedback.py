"""Workbench pages of the feedback app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.workbench.views import feedback

urlpatterns: list[URLPattern] = [
    path("feedback/desk/", feedback.desk, name="feedback_desk"),
    path("feedback/desk/new/", feedback.ticket_new, name="feedback_ticket_new"),
    path("feedback/tickets/<str:number>/", feedback.ticket_detail, name="feedback_ticket"),
    path(
        "feedback/tickets/<str:number>/<slug:action>/",
        feedback.ticket_action,
        name="feedback_ticket_action",
    ),
    path("feedback/knowledge/", feedback.knowledge, name="feedback_knowledge"),
    path("feedback/department/", feedback.department, name="feedback_department"),
    path("feedback/bad-reviews/<uuid:public_id>/", feedback.bad_review, name="feedback_bad_review"),
    path("feedback/visit/", feedback.visit_invite, name="feedback_visit"),
    path("feedback/rates/", feedback.rates, name="feedback_rates"),
]
