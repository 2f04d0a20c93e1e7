"""Per-item case settings (容缺, 告知承诺, 联办, 补正期限) and the declarative 秒批 rules —
visible to the staff whose scope covers the item, editable by its department and catalog
administrators — and the appointment day list of a service hall (预约到场) for clerks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.cases.selectors import appointments_for_hall, halls_list, instant_rules_for_item
from tongban.cases.services.appointments import appointment_mark
from tongban.cases.services.instant import instant_rule_save, item_policy_save, policy_for
from tongban.catalog.selectors import ItemFilters, item_get_public, item_list_public
from tongban.core.errors import DomainError, NotFound
from tongban.core.models import StaffRole
from tongban.core.scopes import staff_scope
from tongban.core.workdays import local_today
from tongban.workbench.forms.cases import AppointmentMarkForm, HallDayForm, PolicyForm, RuleForm
from tongban.workbench.views.cases.common import (
    cases_staff_required,
    error_status,
    form_errors_message,
    show_error,
)

ITEMS_LIMIT = 50
EDITOR_ROLES = [StaffRole.CATALOG_ADMIN, StaffRole.DEPARTMENT_ADMIN]


@cases_staff_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """The published items of the caller's scope, each linking to its settings and rules."""
    scope = staff_scope(request.user)
    q = request.GET.get("q", "").strip()[:100]
    items: dict[str, Any] = {}
    for grant in scope.grants:
        qs = item_list_public(ItemFilters(within=grant.region_code, q=q))
        if grant.department_id is not None:
            qs = qs.filter(department_id=grant.department_id)
        for item in qs[:ITEMS_LIMIT]:
            items.setdefault(item.code, item)
    if scope.unrestricted:
        for item in item_list_public(ItemFilters(q=q))[:ITEMS_LIMIT]:
            items.setdefault(item.code, item)
    return render(
        request,
        "workbench/cases/items.html",
        {"items": list(items.values())[:ITEMS_LIMIT], "q": q},
    )


def _item_in_scope(user: Any, code: str) -> Any:
    item = item_get_public(code)
    if not staff_scope(user).covers(region_code=item.region_id, department_id=item.department_id):
        raise NotFound()
    return item


def _policy_initial(policy: Any) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in PolicyForm.base_fields}


@cases_staff_required
@require_http_methods(["GET", "POST"])
def item_settings(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    item = _item_in_scope(user, code)
    editable = staff_scope(user, roles=EDITOR_ROLES).covers(
        region_code=item.region_id, department_id=item.department_id
    )
    rules = instant_rules_for_item(item)
    policy_form = PolicyForm(initial=_policy_initial(policy_for(item)), prefix="policy")
    rule_form = RuleForm(initial={"is_active": True}, prefix="rule", rules=rules)
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("只有该事项所属部门的管理员或事项管理员可以修改办件设置。"))
            status = 403
        elif "save_policy" in request.POST:
            policy_form = PolicyForm(request.POST, prefix="policy")
            if policy_form.is_valid():
                try:
                    item_policy_save(actor=user, item=item, **policy_form.cleaned_data)
                except DomainError as exc:
                    show_error(request, exc)
                    status = error_status(exc)
                else:
                    messages.success(request, _("办件设置已保存。"))
                    return redirect(reverse("workbench:cases_item", args=[item.code]))
            else:
                form_errors_message(request)
                status = 422
        else:
            rule_form = RuleForm(request.POST, prefix="rule", rules=rules)
            if rule_form.is_valid():
                d = rule_form.cleaned_data
                existing = next((r for r in rules if r.pk == d.get("rule_id")), None)
                if d.get("rule_id") and existing is None:
                    raise Http404()
                try:
                    instant_rule_save(
                        actor=user,
                        item=item,
                        name=d["name"],
                        conditions=d["conditions"],
                        decision_text=d["decision_text"],
                        is_active=d["is_active"],
                        rule=existing,
                    )
                except DomainError as exc:
                    show_error(request, exc)
                    status = error_status(exc)
                else:
                    messages.success(request, _("秒批规则“%(name)s”已保存。") % {"name": d["name"]})
                    return redirect(reverse("workbench:cases_item", args=[item.code]))
            else:
                form_errors_message(request)
                status = 422
    context = {
        "item": item,
        "policy": policy_for(item),
        "rules": rules,
        "editable": editable,
        "policy_form": policy_form,
        "rule_form": rule_form,
    }
    return render(request, "workbench/cases/item.html", context, status=status)


# --- appointments ------------------------------------------------------------------------------


def _halls(user: Any) -> list[Any]:
    scope = staff_scope(user, roles=[StaffRole.WINDOW_CLERK, StaffRole.DEPARTMENT_ADMIN])
    halls: dict[Any, Any] = {}
    if scope.unrestricted:
        return list(halls_list())
    for grant in scope.grants:
        for hall in halls_list(region_code=grant.region_code):
            if hall.region_id.startswith(grant.region_prefix):
                halls.setdefault(hall.public_id, hall)
    return list(halls.values())


def _day_list(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    user: Any = request.user
    halls = _halls(user)
    choices = [(str(h.public_id), f"{h.region.name} {h.name}") for h in halls]
    form = HallDayForm(data or None, halls=choices)
    hall, day, rows = None, local_today(), []
    if form.is_bound and form.is_valid():
        hall = next(h for h in halls if str(h.public_id) == form.cleaned_data["hall"])
        day = form.cleaned_data["day"]
    elif not form.is_bound and halls:
        hall = halls[0]
        form = HallDayForm(initial={"hall": str(hall.public_id), "day": day}, halls=choices)
    if hall is not None:
        rows = list(appointments_for_hall(user, hall, day=day))
    context = {
        "form": form,
        "hall": hall,
        "day": day,
        "rows": rows,
        "halls": halls,
        "back": urlencode({"hall": str(hall.public_id), "day": day.isoformat()}) if hall else "",
        "mark_form": AppointmentMarkForm(),
    }
    return render(request, "workbench/cases/appointments.html", context, status=status)


@cases_staff_required
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    return _day_list(request, request.GET if request.GET.get("hall") else None)


@cases_staff_required
@require_POST
def appointment_mark_view(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    user: Any = request.user
    hall_id = request.POST.get("hall", "")
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = local_today()
    hall = next((h for h in _halls(user) if str(h.public_id) == hall_id), None)
    if hall is None:
        raise Http404()
    appointment = (
        appointments_for_hall(user, hall, day=day).filter(public_id=appointment_id).first()
    )
    form = AppointmentMarkForm(request.POST)
    if appointment is None or not form.is_valid():
        raise Http404()
    try:
        appointment_mark(
            actor=user, appointment=appointment, attended=form.cleaned_data["attended"]
        )
    except DomainError as exc:
        show_error(request, exc)
    else:
        messages.success(
            request,
            _("预约 %(code)s 已登记为%(state)s。")
            % {
                "code": appointment.code,
                "state": _("已到场") if form.cleaned_data["attended"] else _("未到场"),
            },
        )
    query = urlencode({"hall": hall_id, "day": day.isoformat()})
    return redirect(reverse("workbench:cases_appointments") + "?" + query)
