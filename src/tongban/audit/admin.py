"""Admin for the audit log, read-only: nobody adds, changes or deletes entries here, whatever
their Django permissions (the log is append-only; audit_record is its only writer).

Also `AuditedModelAdmin`, the base for every other app's admin classes, so that changes made in
the admin are audited like changes made through services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db import router, transaction
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tongban.audit.access import actor_may_read_audit
from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "ip_address",
    )
    list_display_links = ("sequence",)
    list_filter = ("occurred_at", "object_type")
    # Exact or prefix matches only: a LIKE '%…%' scan over millions of rows is not a search.
    search_fields = ("=object_id", "^action", "=actor_label", "=ip_address")
    search_help_text = _("按对象标识、动作前缀（如 identity.user.）、操作人或 IP 精确查找。")
    ordering = ("-sequence",)
    show_full_result_count = False
    list_per_page = 50
    actions = None
    fields = (
        "sequence",
        "occurred_at",
        "actor_label",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "reason",
        "ip_address",
        "summary_pretty",
        "previous_hash",
        "entry_hash",
    )
    readonly_fields = fields

    @admin.display(description=_("变更摘要"))
    def summary_pretty(self, entry: AuditEntry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(entry.summary, ensure_ascii=False, indent=2))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or actor_may_read_audit(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or actor_may_read_audit(request.user)


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose additions, changes and deletions write audit entries, like every
    service does. The admin writes rows directly, so without this it would be a way around the
    log. Summaries hold the admin's change message (field labels only, never values); the IP
    comes from the request through AuditContextMiddleware."""

    def _audit(self, request: HttpRequest, obj: Any, verb: str, summary: dict[str, Any]) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            audit_record(
                actor=request.user,
                action=f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}",
                obj=obj,
                summary={"via": "admin", **summary},
            )

    @staticmethod
    def _changes(message: Any) -> Any:
        if isinstance(message, str):
            try:
                return json.loads(message) if message else []
            except ValueError:
                return message
        return message

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "admin_add", {"changes": self._changes(message)})
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "admin_change", {"changes": self._changes(message)})
        return entry

    # Deletions are audited where they happen, in one transaction with the delete: Django calls
    # log_deletions before deleting and, for the bulk action, outside any transaction.
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            self._audit(request, obj, "admin_delete", {})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self._audit(request, obj, "admin_delete", {})
            super().delete_queryset(request, queryset)
