"""办件进度查询 (/cases/progress/): case number plus the verification code, without signing in.
The selector counts wrong codes per case number and refuses after too many; this page says so
plainly and never tells whether a number exists."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.cases.selectors import case_progress_lookup
from tongban.core.errors import Conflict, DomainError
from tongban.portal.forms.cases import ProgressForm
from tongban.portal.views.cases.common import error_status


@never_cache
@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest) -> HttpResponse:
    # POST, not GET: the code must not end up in browser history, logs or Referer headers.
    form = ProgressForm(request.POST or None)
    view = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                view = case_progress_lookup(
                    number=form.cleaned_data["number"], code=form.cleaned_data["code"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 429 if isinstance(exc, Conflict) else error_status(exc)
        else:
            status = 422
    return render(
        request, "portal/cases/progress.html", {"form": form, "view": view}, status=status
    )
