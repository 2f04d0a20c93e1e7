"""Service search (事项搜索). The search app replaces the body; the URL and form stay."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

QUERY_MAX_LENGTH = 100


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    context = {"query": query, "results": [], "query_max_length": QUERY_MAX_LENGTH}
    return render(request, "portal/search.html", context)
