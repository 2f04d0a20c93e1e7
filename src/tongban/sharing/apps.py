from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "tongban.sharing"
    label = "sharing"
    verbose_name = _("数据共享交换")

    def ready(self) -> None:
        # 免提交: cases asks its registry for material sources; sharing answers as "sharing".
        from tongban.cases.sources import register_material_source
        from tongban.sharing.sources import SharingMaterialSource

        register_material_source(SharingMaterialSource())
