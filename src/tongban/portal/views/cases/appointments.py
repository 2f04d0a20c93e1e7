"""预约办: book a window slot for an item at a service hall, see and cancel one's bookings.

/services/<code>/appointment/           choose a hall (?hall=), then a date and a free slot
/my/appointments/                       my bookings (upcoming first), cancel
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.cases.models.appointments import AppointmentStatus
from tongban.cases.selectors import (
    appointment_get_for_user,
    appointments_for,
    halls_list,
    slot_get,
    slots_available,
)
from tongban.cases.services.appointments import appointment_book, appointment_cancel
from tongban.catalog.selectors import item_get_public, item_guide
from tongban.core.errors import DomainError, NotFound
from tongban.core.workdays import local_today
from tongban.portal.views.cases.common import (
    BOOK_LEVEL,
    appointments_allowed,
    assurance_required,
    current_user,
    error_status,
)
from tongban.portal.views.catalog import ITEM_CODE

DAYS_AHEAD = 14


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except (TypeError, ValueError):
        return None


def _days(slots: list[Any]) -> list[dict[str, Any]]:
    days: dict[Any, list[Any]] = {}
    for slot in slots:
        days.setdefault(slot.date, []).append(slot)
    return [{"date": day, "slots": rows} for day, rows in days.items()]


@never_cache
@assurance_required(BOOK_LEVEL)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, code: str) -> HttpResponse:
    try:
        if not ITEM_CODE.fullmatch(code):
            raise NotFound()
        item = item_get_public(code)
        content = item_guide(item)
    except NotFound as exc:
        raise Http404(_("没有这个事项，或事项已停止办理。")) from exc
    if not appointments_allowed(content):
        messages.info(request, _("本事项暂不提供预约办理，可直接到窗口办理。"))
        return redirect("portal:service-guide", code=item.code)
    halls = list(halls_list(region_code=item.region_id))
    hall = None
    hall_id = _uuid(request.POST.get("hall") or request.GET.get("hall", ""))
    if hall_id is not None:
        hall = next((h for h in halls if h.public_id == hall_id), None)
    if hall is None and len(halls) == 1:
        hall = halls[0]
    error = ""
    status = 200
    if request.method == "POST":
        slot_id = _uuid(request.POST.get("slot", ""))
        try:
            if hall is None or slot_id is None:
                raise NotFound(_("请选择大厅和时段。"))
            slot = slot_get(slot_id)
            if slot.hall_id != hall.pk:
                raise NotFound(_("请选择大厅和时段。"))
            appointment = appointment_book(actor=current_user(request), slot=slot, item=item)
        except DomainError as exc:
            error = exc.message or _("请选择大厅和时段。")
            status = error_status(exc)
        else:
            messages.success(
                request,
                _("预约成功，预约号%(code)s。请按时携带身份证件和申请材料到%(hall)s办理。")
                % {"code": appointment.code, "hall": hall.name},
            )
            return redirect("portal:appointments-mine")
    slots = (
        list(slots_available(hall, item=item, date_from=local_today(), days=DAYS_AHEAD))
        if hall is not None
        else []
    )
    context = {
        "item": item,
        "guide": content,
        "halls": halls,
        "hall": hall,
        "days": _days(slots),
        "error": error,
        "days_ahead": DAYS_AHEAD,
    }
    return render(request, "portal/cases/appointment_book.html", context, status=status)


@never_cache
@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rows = list(appointments_for(user)[:100])
    today = local_today()
    upcoming = [a for a in rows if a.status == AppointmentStatus.BOOKED and a.slot.date >= today]
    upcoming.sort(key=lambda a: (a.slot.date, a.slot.start))
    past = [a for a in rows if a not in upcoming]
    return render(request, "portal/cases/appointments.html", {"upcoming": upcoming, "past": past})


@never_cache
@login_required
@require_POST
def cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = current_user(request)
    try:
        appointment = appointment_get_for_user(user, public_id)
        appointment_cancel(actor=user, appointment=appointment)
    except NotFound as exc:
        raise Http404(_("没有这个预约。")) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("预约%(code)s已取消。") % {"code": appointment.code})
    return redirect("portal:appointments-mine")
