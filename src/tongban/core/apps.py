from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tongban.core"
    label = "core"
    verbose_name = _("平台基础")

    def ready(self) -> None:
        # Audit sits below core, so it cannot know about roles: core tells it who may read the log.
        from tongban.audit.access import register_audit_reader_check
        from tongban.core.models import StaffRole
        from tongban.core.scopes import staff_scope

        roles = (StaffRole.AUDITOR, StaffRole.PLATFORM_ADMIN)
        register_audit_reader_check(lambda actor: staff_scope(actor, roles=roles).has_role(*roles))
