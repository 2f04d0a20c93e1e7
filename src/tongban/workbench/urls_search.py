"""Workbench pages of the search app; included into the workbench namespace by workbench/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from tongban.workbench.views import search

urlpatterns: list[URLPattern] = [
    path("search/synonyms/", search.synonyms, name="search_synonyms"),
    path("search/synonyms/<uuid:public_id>/", search.synonym_edit, name="search_synonym_edit"),
    path(
        "search/synonyms/<uuid:public_id>/delete/",
        search.synonym_remove,
        name="search_synonym_delete",
    ),
    path("search/report/", search.report, name="search_report"),
]
