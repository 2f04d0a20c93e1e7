"""效能监察: open cases by department and by region with their traffic lights, the open
supervision alerts (督办) with their resolution, and the open 告知承诺 follow-up checks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongban.cases.selectors import commitment_checks_open, supervision_counts, supervision_list
from tongban.cases.services.supervision import supervision_resolve
from tongban.core.errors import DomainError
from tongban.workbench.forms.cases import ResolveForm
from tongban.workbench.views.cases.common import cases_staff_required, show_error

LIST_LIMIT = 100


def _context(user: Any, *, bound: tuple[int, ResolveForm] | None = None) -> dict[str, Any]:
    alerts = list(supervision_list(user, open_only=True)[:LIST_LIMIT])
    forms = {
        a.pk: bound[1] if bound and bound[0] == a.pk else ResolveForm(prefix=f"s{a.pk}")
        for a in alerts
    }
    return {
        "by_department": supervision_counts(user, by="department"),
        "by_region": supervision_counts(user, by="region"),
        "alerts": [(a, forms[a.pk]) for a in alerts],
        "checks": list(commitment_checks_open(user)[:LIST_LIMIT]),
    }


@cases_staff_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/cases/supervision.html", _context(request.user))


@cases_staff_required
@require_POST
def resolve(request: HttpRequest, supervision_id: int) -> HttpResponse:
    alert = supervision_list(request.user, open_only=True).filter(pk=supervision_id).first()
    if alert is None:
        raise Http404(_("未找到该督办，或已处理。"))
    form = ResolveForm(request.POST, prefix=f"s{alert.pk}")
    if form.is_valid():
        try:
            supervision_resolve(
                actor=request.user, supervision=alert, result=form.cleaned_data["result"]
            )
        except DomainError as exc:
            show_error(request, exc)
        else:
            messages.success(request, _("督办 %(n)s 已处理。") % {"n": alert.number})
            return redirect(reverse("workbench:cases_supervision"))
    messages.error(request, _("请填写督办处理结果。"))
    context = _context(request.user, bound=(alert.pk, form))
    return render(request, "workbench/cases/supervision.html", context, status=422)
