"""Portal pages of the feedback app; included into the portal namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.portal.views import feedback

urlpatterns: list[URLPattern] = [
    path("feedback/", feedback.mine, name="feedback-mine"),
    path("feedback/rate/<str:token>/", feedback.rate, name="feedback-rate"),
    path(
        "feedback/rate/case/<str:number>/<slug:stage>/",
        feedback.rate_case,
        name="feedback-rate-case",
    ),
    path("feedback/complaints/new/", feedback.complaint_new, name="feedback-complaint-new"),
    path("feedback/tickets/<str:number>/", feedback.ticket, name="feedback-ticket"),
    path(
        "feedback/tickets/<str:number>/<slug:action>/",
        feedback.ticket_act,
        name="feedback-ticket-act",
    ),
]
