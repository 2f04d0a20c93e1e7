from django.urls import path

from tongban.workbench import urls_cases, urls_feedback, urls_licenses, urls_search, urls_sharing
from tongban.workbench.views import catalog, home

app_name = "workbench"
urlpatterns = [
    path("", home.home, name="home"),
    # 事项管理 (catalog administration)
    path("catalog/", catalog.item_list, name="catalog_items"),
    path("catalog/review/", catalog.review_list, name="catalog_review_queue"),
    path("catalog/quality/", catalog.quality_report, name="catalog_quality"),
    path("catalog/import/", catalog.import_page, name="catalog_import"),
    path("catalog/import/template/", catalog.import_template, name="catalog_import_template"),
    path("catalog/export/", catalog.export, name="catalog_export"),
    path("catalog/items/<str:code>/", catalog.item_detail, name="catalog_item"),
    path("catalog/items/<str:code>/edit/", catalog.draft_edit, name="catalog_edit"),
    path("catalog/items/<str:code>/new-version/", catalog.version_start, name="catalog_start"),
    path("catalog/items/<str:code>/submit/", catalog.draft_submit, name="catalog_submit"),
    path("catalog/items/<str:code>/withdraw/", catalog.item_withdraw, name="catalog_withdraw"),
    path("catalog/items/<str:code>/compare/", catalog.version_compare, name="catalog_compare"),
    path(
        "catalog/items/<str:code>/versions/<int:number>/",
        catalog.version_detail,
        name="catalog_version",
    ),
    path(
        "catalog/items/<str:code>/versions/<int:number>/json/",
        catalog.version_json,
        name="catalog_version_json",
    ),
    path(
        "catalog/items/<str:code>/versions/<int:number>/review/",
        catalog.version_review,
        name="catalog_review",
    ),
]

# Each domain app's pages live in its own urls_<app>.py, in this namespace.
for _module in (urls_cases, urls_licenses, urls_feedback, urls_sharing, urls_search):
    urlpatterns += _module.urlpatterns
