from django.urls import path

from tongban.portal.views import auth, catalog, display, home, pages, search, themes

app_name = "portal"
urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search, name="search"),
    path("services/", catalog.services, name="services"),
    path("services/<str:code>/", catalog.guide, name="service-guide"),
    path("bundles/", catalog.bundles, name="bundles"),
    path("bundles/<str:code>/", catalog.bundle, name="bundle"),
    path("themes/<slug:audience>/<slug:code>/", themes.theme, name="theme"),
    path("display-mode/", display.display_mode, name="display-mode"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    # Sign-in (/accounts/login/ and /accounts/logout/ are named "login"/"logout" in config.urls)
    path("accounts/login/sms/", auth.login_sms_view, name="login-sms"),
    path("accounts/login/verify/", auth.login_verify_view, name="login-verify"),
    path("accounts/login/recovery/", auth.login_recovery_view, name="login-recovery"),
    path("accounts/mfa/setup/", auth.mfa_setup_view, name="mfa-setup"),
    path("accounts/password/reset/", auth.password_reset_view, name="password-reset"),
    path("accounts/register/", auth.register_view, name="register"),
]
