"""预约办: service halls publish window slots; a person books one slot for an item (capacity
counted with F() under the row lock; one live booking per person and slot) and may cancel."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases.models import Appointment, AppointmentSlot, ServiceHall
from tongban.cases.models.appointments import AppointmentStatus
from tongban.cases.services.common import today
from tongban.cases.services.notifications import title_for
from tongban.catalog.models import ImplementationItem
from tongban.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from tongban.core.models import Region, StaffRole
from tongban.core.scopes import staff_scope
from tongban.core.workdays import CHINA_TZ, workday_calendar


def _require_hall_admin(actor: Any, region_code: str) -> None:
    scope = staff_scope(actor, roles=[StaffRole.DEPARTMENT_ADMIN, StaffRole.WINDOW_CLERK])
    if not scope.covers_region(region_code):
        raise PermissionDenied(_("只有本区划的窗口人员或部门管理员可以管理大厅和预约时段。"))


@transaction.atomic
def service_hall_create(
    *,
    actor: Any,
    region: Region,
    name: str,
    address: str,
    hours: str = "",
    phone: str = "",
    department: Any = None,
) -> ServiceHall:
    _require_hall_admin(actor, region.code)
    if ServiceHall.objects.filter(region=region, name=name).exists():
        raise ValidationFailed(
            _("该区划已有同名大厅。"), fields=[FieldProblem("name", _("名称已存在。"))]
        )
    hall = ServiceHall.objects.create(
        region=region, name=name, address=address, hours=hours, phone=phone, department=department
    )
    audit_record(actor=actor, action="cases.hall.create", obj=hall, summary={"name": name})
    return hall


@transaction.atomic
def appointment_slots_generate(
    *,
    actor: Any,
    hall: ServiceHall,
    start: date,
    days: int,
    times: list[tuple[time, time]],
    capacity: int,
    item: ImplementationItem | None = None,
) -> int:
    """Open the given time windows on each working day of the period (idempotent: existing
    slots are left as they are). Returns how many slots were created."""
    _require_hall_admin(actor, hall.region_id)
    if capacity < 1:
        raise ValidationFailed(
            _("每个时段至少可预约1人。"), fields=[FieldProblem("capacity", _("请填写正整数。"))]
        )
    calendar = workday_calendar()
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if not calendar.is_workday(day):
            continue
        for begin, end in times:
            rows.append(
                AppointmentSlot(
                    hall=hall, item=item, date=day, start=begin, end=end, capacity=capacity
                )
            )
    created = AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True)
    audit_record(
        actor=actor,
        action="cases.slots.generate",
        obj=hall,
        summary={"start": start.isoformat(), "days": days, "slots": len(rows)},
    )
    return len(created)


def _new_code(slot: AppointmentSlot) -> str:
    return f"YY{slot.date:%m%d}{secrets.randbelow(10**6):06d}"


@transaction.atomic
def appointment_book(
    *, actor: Any, slot: AppointmentSlot, item: ImplementationItem, case: Any = None
) -> Appointment:
    """Book a slot (预约). Refused when full, in the past, closed, for another item, or when
    this person already holds a booking for the slot."""
    if not getattr(actor, "pk", None):
        raise PermissionDenied(_("请先登录后再预约。"))
    slot = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
    if not slot.is_open or slot.date < today():
        raise Conflict(_("该时段已不可预约，请选择其他时段。"), code="slot_closed")
    starts = datetime.combine(slot.date, slot.start, tzinfo=CHINA_TZ)
    if starts <= timezone.now():
        raise Conflict(_("该时段已开始，请选择其他时段。"), code="slot_closed")
    if slot.item_id and slot.item_id != item.pk:
        raise ValidationFailed(
            _("该时段只接受其他事项的预约。"),
            fields=[FieldProblem("slot", _("请选择本事项的时段。"))],
        )
    if Appointment.objects.filter(user=actor, slot=slot, status=AppointmentStatus.BOOKED).exists():
        raise Conflict(_("您已预约该时段，无需重复预约。"), code="already_booked")
    updated = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not updated:
        raise Conflict(_("该时段已约满，请选择其他时段。"), code="slot_full")
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                slot=slot, user=actor, item=item, case=case, code=_new_code(slot)
            )
    except IntegrityError as exc:
        raise Conflict(_("您已预约该时段，无需重复预约。"), code="already_booked") from exc
    from tongban.cases.models import Notification

    Notification.objects.create(
        recipient=actor,
        case=case,
        kind="appointment",
        title=title_for("appointment"),
        body=_("您已预约%(hall)s %(date)s %(start)s-%(end)s办理“%(item)s”，预约号%(code)s。")
        % {
            "hall": slot.hall.name,
            "date": slot.date.isoformat(),
            "start": slot.start.strftime("%H:%M"),
            "end": slot.end.strftime("%H:%M"),
            "item": item.name,
            "code": appointment.code,
        },
    )
    audit_record(
        actor=actor,
        action="cases.appointment.book",
        obj=appointment,
        summary={"slot": slot.pk, "item": item.code},
    )
    return appointment


@transaction.atomic
def appointment_cancel(*, actor: Any, appointment: Appointment) -> Appointment:
    """Cancel one's own booking before the slot starts; the place is freed."""
    appointment = Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    if appointment is None or appointment.user_id != getattr(actor, "pk", None):
        raise NotFound()
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("该预约已取消或已办理。"), code="invalid_transition")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
    AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(
        booked=F("booked") - 1
    )
    audit_record(
        actor=actor,
        action="cases.appointment.cancel",
        obj=appointment,
        summary={"code": appointment.code},
    )
    return appointment


@transaction.atomic
def appointment_mark(*, actor: Any, appointment: Appointment, attended: bool) -> Appointment:
    """The window records arrival (已到场) or a no-show."""
    appointment = (
        Appointment.objects.select_for_update().select_related("slot__hall").get(pk=appointment.pk)
    )
    _require_hall_admin(actor, appointment.slot.hall.region_id)
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("该预约已取消或已处理。"), code="invalid_transition")
    appointment.status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="cases.appointment.mark",
        obj=appointment,
        summary={"attended": attended},
    )
    return appointment
