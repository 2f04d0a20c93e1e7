from django.urls import path

from tongban.portal.views import catalog, display, home, pages, search, themes

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
]
