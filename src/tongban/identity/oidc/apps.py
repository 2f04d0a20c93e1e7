from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OidcConfig(AppConfig):
    """The OpenID Connect provider (built on django-oauth-toolkit): clients, keys, consents,
    back-channel logout. A sub-app of identity so its tables and migrations stay apart."""

    name = "tongban.identity.oidc"
    label = "oidc"
    verbose_name = _("单点登录（OIDC）")

    def ready(self) -> None:
        from tongban.identity.oidc import checks  # noqa: F401 - registers the system checks
