from django.urls import path

from tongban.portal.views import display, home, pages, search, themes

app_name = "portal"
urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search, name="search"),
    path("themes/<slug:audience>/<slug:code>/", themes.theme, name="theme"),
    path("display-mode/", display.display_mode, name="display-mode"),
    path("accessibility/", pages.accessibility, name="accessibility"),
]
