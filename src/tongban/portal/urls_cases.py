"""Portal pages of the cases app; included into the portal namespace by portal/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.portal.views.cases import apply, appointments, mine, progress

urlpatterns: list[URLPattern] = [
    # Applying, from a guide or a 一件事 page
    path("services/<str:code>/apply/", apply.start, name="case-apply"),
    path("services/<str:code>/appointment/", appointments.book, name="appointment-book"),
    path("bundles/<str:code>/apply/", apply.bundle_start, name="bundle-apply"),
    # 我的办件
    path("my/cases/", mine.mine, name="cases-mine"),
    path("my/cases/<str:number>/", mine.detail, name="case-detail"),
    path("my/cases/<str:number>/form/", apply.form, name="case-form"),
    path("my/cases/<str:number>/materials/", apply.materials, name="case-materials"),
    path("my/cases/<str:number>/materials/act/", apply.material_post, name="case-material-act"),
    path("my/cases/<str:number>/review/", apply.review, name="case-review"),
    path("my/cases/<str:number>/submitted/", apply.submitted, name="case-submitted"),
    path("my/cases/<str:number>/withdraw/", mine.withdraw, name="case-withdraw"),
    path("my/cases/<str:number>/correction/", mine.correction_submit, name="case-correction"),
    path("my/cases/<str:number>/code/", mine.code_reset, name="case-code-reset"),
    # 站内信 and 预约
    path("my/messages/", mine.notifications, name="case-notifications"),
    path("my/messages/read-all/", mine.notifications_read_all, name="case-notifications-read-all"),
    path(
        "my/messages/<uuid:public_id>/read/", mine.notification_read, name="case-notification-read"
    ),
    path("my/appointments/", appointments.mine, name="appointments-mine"),
    path(
        "my/appointments/<uuid:public_id>/cancel/",
        appointments.cancel,
        name="appointment-cancel",
    ),
    # Progress query without signing in
    path("cases/progress/", progress.progress, name="case-progress"),
]
