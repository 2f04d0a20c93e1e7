"""Portal pages of the search app; included into the portal namespace by portal/urls.py.
(/search/ itself is routed in portal/urls.py to views.search.search.)"""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.portal.views import search

urlpatterns: list[URLPattern] = [
    path("search/go/<int:doc_id>/", search.search_go, name="search-go"),
    path("search/suggest/", search.search_suggest, name="search-suggest"),
]
