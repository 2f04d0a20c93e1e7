from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tongban.feedback"
    label = "feedback"
    verbose_name = _("好差评与诉求")

    def ready(self) -> None:
        # feedback sits above cases: cases calls back through its listener registry.
        from tongban.cases.sources import register_case_listener
        from tongban.feedback.cases_adapter import on_case_event

        register_case_listener(on_case_event)
