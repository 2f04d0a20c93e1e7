from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensesConfig(AppConfig):
    name = "tongban.licenses"
    label = "licenses"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        # cases sits below licenses: it asks through its registries, we fill them here.
        from tongban.cases.sources import register_material_source, register_result_issuer
        from tongban.licenses.sources import LicenseMaterialSource, LicenseResultIssuer

        register_material_source(LicenseMaterialSource())
        register_result_issuer(LicenseResultIssuer())
