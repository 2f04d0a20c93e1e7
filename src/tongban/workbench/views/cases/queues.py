"""办件队列: the tabs of the workbench (todo, to accept, unclaimed, mine, all, closed) sorted by
deadline with their traffic light, claim from the list and batch actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongban.cases.permissions import access_case_for_staff
from tongban.cases.selectors import case_queue, with_clock
from tongban.cases.services.lifecycle import case_batch, case_claim
from tongban.core.errors import DomainError, NotFound
from tongban.workbench.forms.cases import BATCH_ACTIONS, QUEUE_TABS, BatchForm, QueueFilterForm
from tongban.workbench.views.cases.common import cases_staff_required, show_error

PAGE_SIZE = 20


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("workbench:cases_queue")


@cases_staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    values: dict[str, Any] = {
        "queue": "todo",
        "q": "",
        "clock": "",
        "item_code": "",
        "region_code": "",
    }
    if filters.is_bound and filters.is_valid():
        values.update({k: v for k, v in filters.cleaned_data.items() if v})
    qs = case_queue(
        request.user,
        queue=values["queue"],
        clock=values["clock"],
        q=values["q"],
        item_code=values["item_code"],
        region_code=values["region_code"],
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_clock(list(page.object_list))
    kept = {k: v for k, v in values.items() if v and k != "queue"}
    tabs = [
        (key, label, "?" + urlencode({"queue": key, **kept}), key == values["queue"])
        for key, label in QUEUE_TABS.items()
    ]
    context = {
        "filters": filters if filters.is_bound else QueueFilterForm(),
        "values": values,
        "tabs": tabs,
        "tab_label": QUEUE_TABS.get(values["queue"], ""),
        "page": page,
        "rows": rows,
        "query": urlencode({"queue": values["queue"], **kept}),
        "batch_actions": BATCH_ACTIONS,
        "filtered": bool(kept),
    }
    return render(request, "workbench/cases/queue.html", context)


@cases_staff_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    """认领 from the list: the button carries number and version of the row the clerk saw."""
    number, _sep, version = request.POST.get("claim", "").partition(":")
    case = access_case_for_staff(request.user, number)
    if version.isdigit():
        case.version = int(version)
    try:
        case_claim(actor=request.user, case=case)
    except DomainError as exc:
        show_error(request, exc)
    else:
        messages.success(request, _("已认领办件 %(number)s。") % {"number": number})
    return redirect(_back(request))


@cases_staff_required
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """批量办理: each case in its own transaction; the ones refused are listed with the reason."""
    numbers = request.POST.getlist("numbers")
    form = BatchForm(request.POST, numbers=numbers)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request))
    cases = []
    missing: dict[str, str] = {}
    for number in dict.fromkeys(form.cleaned_data["numbers"]):
        try:
            cases.append(access_case_for_staff(request.user, number))
        except NotFound:
            missing[number] = _("未找到该办件，或不在您的办理范围内。")
    try:
        result = case_batch(actor=request.user, cases=cases, action=form.cleaned_data["action"])
    except DomainError as exc:
        show_error(request, exc)
        return redirect(_back(request))
    label = dict(BATCH_ACTIONS)[form.cleaned_data["action"]]
    if result.done:
        messages.success(
            request,
            _("批量%(action)s成功 %(n)s 件：%(numbers)s")
            % {"action": label, "n": len(result.done), "numbers": "、".join(result.done)},
        )
    for number, message in {**missing, **result.failed}.items():
        messages.error(
            request,
            _("%(number)s 未能%(action)s：%(message)s")
            % {
                "number": number,
                "action": label,
                "message": message,
            },
        )
    return redirect(_back(request))
