from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tongban.api.api import api
from tongban.api.health import healthz
from tongban.api.openapi import openapi_json

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/openapi.json", openapi_json, name="openapi-json"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/", include("tongban.identity.oidc.urls")),
    path("workbench/", include("tongban.workbench.urls")),
    path("", include("tongban.portal.urls")),
]

admin.site.site_header = settings.TONGBAN_PLATFORM_NAME + " · 管理后台"
admin.site.site_title = "Tongban 通办"
