from django.urls import path

from tongban.portal import urls_cases, urls_feedback, urls_licenses, urls_search, urls_sharing
from tongban.portal.views import account, auth, catalog, display, home, pages, search, themes

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
    # User centre (用户中心): the signed-in person's own account
    path("my/", account.overview, name="account"),
    path("my/mfa/disable/", account.mfa_disable, name="account-mfa-disable"),
    path("my/mfa/recovery-codes/", account.recovery_codes, name="account-recovery-codes"),
    path("my/enterprises/", account.enterprises, name="account-enterprises"),
    path(
        "my/enterprises/grants/<uuid:grant_id>/revoke/",
        account.grant_revoke,
        name="account-grant-revoke",
    ),
    path("my/security/", account.security, name="account-security"),
    path(
        "my/security/sessions/<uuid:session_id>/revoke/",
        account.session_revoke,
        name="account-session-revoke",
    ),
    path(
        "my/security/sessions/revoke-others/",
        account.sessions_revoke_others,
        name="account-sessions-revoke-others",
    ),
    path("my/platforms/", account.platforms, name="account-platforms"),
    path(
        "my/platforms/<int:application_id>/revoke/",
        account.platform_revoke,
        name="account-platform-revoke",
    ),
]

# Each domain app's pages live in its own urls_<app>.py, in this namespace.
for _module in (urls_cases, urls_licenses, urls_feedback, urls_sharing, urls_search):
    urlpatterns += _module.urlpatterns
