from django.urls import path

from tongban.workbench.views import home

app_name = "workbench"
urlpatterns = [
    path("", home.home, name="home"),
]
