from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from tongban.api.api import api
from tongban.api.health import healthz
from tongban.api.openapi import openapi_json
from tongban.portal.views import auth

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/openapi.json", openapi_json, name="openapi-json"),
    path("api/v1/", api.urls),
    path("exchange/v1/", include("tongban.sharing.exchange_urls")),
    # Staff sign in through the platform's own form (lockout, TOTP), never the bare admin form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("o/", include("tongban.identity.oidc.urls")),
    path("workbench/", include("tongban.workbench.urls")),
    path("open311/v2/", include("tongban.feedback.open311")),
    path("", include("tongban.portal.urls")),
]

admin.site.site_header = settings.TONGBAN_PLATFORM_NAME + " · 管理后台"
admin.site.site_title = "Tongban 通办"
