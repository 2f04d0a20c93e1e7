from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "tongban.search"
    label = "search"
    verbose_name = _("统一搜索")

    def ready(self) -> None:
        from tongban.catalog.signals import items_changed
        from tongban.search.receivers import catalog_items_changed

        items_changed.connect(catalog_items_changed, dispatch_uid="search.catalog_items_changed")
