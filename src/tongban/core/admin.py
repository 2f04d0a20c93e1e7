"""Django admin for the core tables, for platform operators.

Writes go through the services, as everywhere else (validation, scope checks, audit):

- a form runs its service once as a dry run inside a savepoint that is always rolled back, so
  domain errors appear next to the fields; `save_model` then runs it for real;
- the holiday arrangement (CalendarYear + CalendarDay inline) is validated by the inline formset
  with `calendar_year_check` and saved by `calendar_year_enter` (whole year replaced, one audit
  entry, open calendar alert resolved);
- edits without a service of their own (a department's phone number…) are saved and audited
  here, in the admin's transaction; departments, bodies and memberships are deactivated, never
  deleted (cases and history point at them).

Regions are reference data loaded from official sources (`./dev.sh manage regions …`): read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tongban.audit.services import audit_record
from tongban.core.errors import DomainError
from tongban.core.models import (
    CalendarDay,
    CalendarYear,
    Department,
    ImplementingBody,
    OperatorAlert,
    Region,
    StaffMembership,
)
from tongban.core.services.alerts import alert_resolve
from tongban.core.services.calendar import (
    AdjustedWorkday,
    HolidaySpan,
    calendar_year_check,
    calendar_year_enter,
    calendar_year_remove,
)
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
    staff_membership_revoke,
)


class _DryRun(Exception):
    """Raised to roll back the savepoint of a service dry run."""


def _adopt(target: models.Model, source: models.Model) -> None:
    """Give the admin's unsaved instance the state of the row a service created, so the admin
    can log and redirect to it."""
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target._state.adding = False


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call. `actor` is set per request by
    `ServiceAdmin.get_form`; `service()` returns the saved object, or None when there is no
    service for this change (the admin then saves and audits it itself)."""

    actor: Any = None

    def service(self) -> models.Model | None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.service()
                raise _DryRun
        except _DryRun:
            pass
        except DomainError as exc:
            self.add_domain_error(exc)
        return cleaned

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for problem in exc.fields:
            if problem.field in self.fields:
                self.add_error(problem.field, str(problem.message))
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))


class ServiceAdmin(admin.ModelAdmin):
    """Admin whose form is a ServiceForm; plain edits are audited as `<prefix>.admin_update`."""

    audit_prefix = ""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass per request: the actor must not leak into other requests' forms.
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = form.service() if isinstance(form, ServiceForm) else None
        if saved is not None:
            _adopt(obj, saved)
            return
        obj.save()
        audit_record(
            actor=request.user,
            action=f"{self.audit_prefix}.admin_update",
            obj=obj,
            summary={"changed": list(form.changed_data)},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Regions --------------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_current", "is_generated", "source")
    list_filter = ("level", "is_current", "is_generated")
    # Code searches are prefix matches on the primary key; names are short and few per level.
    search_fields = ("^code", "name")
    search_help_text = _("按区划代码（前缀）或名称查找。")
    list_select_related = ("parent",)
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Region._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Departments, implementing bodies, staff memberships -----------------------------------------


class DepartmentForm(ServiceForm):
    class Meta:
        model = Department
        fields = ("region", "name", "short_name", "credit_code", "phone", "address", "is_active")

    def service(self) -> models.Model | None:
        if self.instance.pk is not None:
            return None
        data = self.cleaned_data
        return department_create(
            actor=self.actor,
            region=data["region"],
            name=data["name"],
            credit_code=data["credit_code"],
            short_name=data.get("short_name", ""),
            phone=data.get("phone", ""),
            address=data.get("address", ""),
        )


@admin.register(Department)
class DepartmentAdmin(ServiceAdmin):
    form = DepartmentForm
    audit_prefix = "core.department"
    list_display = ("name", "short_name", "region", "credit_code", "phone", "is_active")
    list_filter = ("is_active", "region__level")
    search_fields = ("name", "short_name", "=credit_code", "^region__code")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The region and the credit code identify the department: changing them is a new one.
        return ["region", "credit_code"] if obj is not None else []


class ImplementingBodyForm(ServiceForm):
    class Meta:
        model = ImplementingBody
        fields = ("department", "region", "name", "credit_code", "nature", "is_active")

    def service(self) -> models.Model | None:
        if self.instance.pk is not None:
            return None
        data = self.cleaned_data
        return implementing_body_create(
            actor=self.actor,
            department=data["department"],
            region=data["region"],
            name=data["name"],
            credit_code=data["credit_code"],
            nature=data["nature"],
        )


@admin.register(ImplementingBody)
class ImplementingBodyAdmin(ServiceAdmin):
    form = ImplementingBodyForm
    audit_prefix = "core.implementing_body"
    list_display = ("name", "department", "region", "credit_code", "nature", "is_active")
    list_filter = ("is_active", "nature", "region__level")
    search_fields = ("name", "=credit_code", "department__name", "^region__code")
    list_select_related = ("department", "region")
    autocomplete_fields = ("department", "region")
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["department", "region", "credit_code"] if obj is not None else []


class StaffMembershipForm(ServiceForm):
    """Add = grant; on change only 有效 can be switched (revoke / reactivate): a different role
    or scope is a new grant, so that the audit log tells who could see what, when."""

    class Meta:
        model = StaffMembership
        fields = ("user", "role", "region", "department", "is_active")

    def service(self) -> models.Model | None:
        data = self.cleaned_data
        membership = self.instance
        if membership.pk is None:
            return staff_membership_grant(
                actor=self.actor,
                user=data["user"],
                role=data["role"],
                region=data["region"],
                department=data.get("department"),
            )
        # `initial` holds the stored value: by save time the instance already has the new one.
        was_active, active = bool(self.initial.get("is_active")), bool(data.get("is_active"))
        if was_active and not active:
            return staff_membership_revoke(actor=self.actor, membership=membership)
        if active and not was_active:
            return staff_membership_grant(
                actor=self.actor,
                user=membership.user,
                role=membership.role,
                region=membership.region,
                department=membership.department,
            )
        return membership  # nothing changed


@admin.register(StaffMembership)
class StaffMembershipAdmin(ServiceAdmin):
    form = StaffMembershipForm
    audit_prefix = "core.staff_membership"
    list_display = ("user", "role", "region", "department", "is_active", "updated_at")
    list_filter = ("role", "is_active", "region__level")
    search_fields = ("user__username", "user__real_name", "^region__code", "department__name")
    list_select_related = ("user", "region", "department")
    raw_id_fields = ("user",)
    autocomplete_fields = ("region", "department")
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "role", "region", "department"] if obj is not None else []

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is not None else ["is_active"]  # a new grant is active


# --- Holiday arrangements (工作日) -----------------------------------------------------------------


def _inline_rows(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    return [
        form.cleaned_data
        for form in formset.forms
        if getattr(form, "cleaned_data", None)
        and not form.cleaned_data.get("DELETE")
        and form.cleaned_data.get("date")
    ]


def _split_rows(rows: list[dict[str, Any]]) -> tuple[list[HolidaySpan], list[AdjustedWorkday]]:
    holidays = [
        HolidaySpan(r.get("name") or "", r["date"], r["date"]) for r in rows if not r["is_workday"]
    ]
    workdays = [AdjustedWorkday(r.get("name") or "", r["date"]) for r in rows if r["is_workday"]]
    return holidays, workdays


class CalendarDayFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year or any(form.errors for form in self.forms):
            return
        holidays, workdays = _split_rows(_inline_rows(self))
        problems = calendar_year_check(year=year, holidays=holidays, adjusted_workdays=workdays)
        if problems:
            # Rows are single days here, so "holidays[3]" means nothing to the reader: the
            # messages name the dates themselves.
            raise forms.ValidationError([str(p.message) for p in problems])


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ("date", "is_workday", "name")
    extra = 3
    verbose_name = _("例外日期（周一至周五放假，或周末调休上班）")
    verbose_name_plural = _("例外日期：只录入与“周一至周五上班、周末休息”不同的日子")


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "source")
        help_texts = {
            "source": _(
                "国务院办公厅关于该年部分节假日安排的通知的文号，如“国办发明电〔2026〕X号”。"
            ),
        }


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    inlines = (CalendarDayInline,)
    list_display = ("year", "source", "day_count", "entered_by", "updated_at")
    search_fields = ("=year", "source")
    readonly_fields = ("entered_by", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super().get_queryset(request).select_related("entered_by").annotate(_days=Count("days"))
        )

    @admin.display(description=_("例外日期数"), ordering="_days")
    def day_count(self, obj: CalendarYear) -> int:
        return getattr(obj, "_days", 0)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A year is replaced as a whole; entering another year is a new record.
        base = ("entered_by", "updated_at")
        return ("year", *base) if obj is not None else base

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saved with its days in save_related, through the service."""

    def save_related(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> None:
        day_formsets = [fs for fs in formsets if fs.model is CalendarDay]
        rows = [row for fs in day_formsets for row in _inline_rows(fs)]
        holidays, workdays = _split_rows(rows)
        saved = calendar_year_enter(
            year=form.instance.year,
            holidays=holidays,
            adjusted_workdays=workdays,
            source=form.cleaned_data["source"],
            actor=request.user,
        )
        _adopt(form.instance, saved)
        for fs in formsets:
            # The service replaced the rows; the admin's change message reads these.
            fs.new_objects, fs.changed_objects, fs.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        calendar_year_remove(year=obj.year, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        with transaction.atomic():
            for year in queryset.values_list("year", flat=True):
                calendar_year_remove(year=year, actor=request.user)


# --- Operator alerts ---------------------------------------------------------------------------------


class AlertStateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("未处理")), ("resolved", _("已处理"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(OperatorAlert)
class OperatorAlertAdmin(admin.ModelAdmin):
    list_display = ("message", "severity", "occurrences", "last_seen_at", "resolved_at", "key")
    list_filter = (AlertStateFilter, "severity")
    search_fields = ("^key", "message")
    actions = ("resolve_selected",)
    readonly_fields = (
        "key",
        "severity",
        "message",
        "occurrences",
        "created_at",
        "last_seen_at",
        "resolved_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("标记为已处理"), permissions=["change"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[OperatorAlert]) -> None:
        resolved = 0
        for key in queryset.filter(resolved_at__isnull=True).values_list("key", flat=True):
            if alert_resolve(key=key, actor=request.user) is not None:
                resolved += 1
        self.message_user(
            request, _("已将 %(n)s 条告警标记为已处理。") % {"n": resolved}, messages.SUCCESS
        )
