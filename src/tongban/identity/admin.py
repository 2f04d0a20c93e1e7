"""Admin for accounts, legal persons, API tokens and the identity records.

Personal data is shown masked and cannot be edited here: ID numbers, phones and addresses change
through the identity services (with real-name checks and their own audit entries). Every change
made in these pages is audited (AuditedModelAdmin). An exact ID number or phone number typed in
the search box is found through the blind index, never by scanning clear text. Sign-in records,
sessions, agent grants and registry rows are read-only here: they change through the services
(sign-in pages, user centre, `manage identity registry import`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tongban.audit.admin import AuditedModelAdmin
from tongban.core.crypto import blind_index
from tongban.core.identifiers import (
    is_valid_citizen_id,
    mask_address,
    mask_citizen_id,
    mask_name,
    mask_phone,
)
from tongban.identity.models import (
    AgentGrant,
    ApiToken,
    LegalPerson,
    RegistryLegalPerson,
    RegistryPerson,
    SignInEvent,
    User,
    UserSession,
)
from tongban.identity.selectors import normalise_phone


def _purpose(field_name: str) -> str:
    return User._meta.get_field(field_name).index_purpose  # type: ignore[union-attr]


@admin.register(User)
class TongbanUserAdmin(AuditedModelAdmin, UserAdmin):
    list_display = (
        "username",
        "masked_real_name",
        "kind",
        "assurance_level",
        "masked_id_number",
        "masked_phone",
        "is_active",
        "is_staff",
    )
    list_filter = ("kind", "assurance_level", "is_active", "is_staff", "is_superuser")
    search_fields = ("username",)
    search_help_text = _("按用户名查找；输入完整的身份证号或手机号可精确查找。")
    ordering = ("username",)
    raw_id_fields = ("region", "legal_person")
    readonly_fields = (
        "masked_id_number",
        "masked_phone",
        "masked_address",
        "last_login",
        "date_joined",
        "assurance_level",
        "phone_verified_at",
        "real_name_verified_at",
        "in_person_verified_at",
        "in_person_method",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("个人信息"),
            {
                "fields": (
                    "kind",
                    "real_name",
                    "masked_id_number",
                    "masked_phone",
                    "masked_address",
                    "email",
                    "region",
                    "legal_person",
                )
            },
        ),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("姓名"))
    def masked_real_name(self, user: User) -> str:
        return mask_name(user.real_name)

    @admin.display(description=_("公民身份号码"))
    def masked_id_number(self, user: User) -> str:
        return mask_citizen_id(user.id_number) if user.id_number else "-"

    @admin.display(description=_("手机号码"))
    def masked_phone(self, user: User) -> str:
        return mask_phone(user.phone) if user.phone else "-"

    @admin.display(description=_("通讯地址"))
    def masked_address(self, user: User) -> str:
        return mask_address(user.address) if user.address else "-"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[User], search_term: str
    ) -> tuple[QuerySet[User], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if is_valid_citizen_id(term):
            results |= queryset.filter(
                id_number_index=blind_index(term, purpose=_purpose("id_number"))
            )
        phone = normalise_phone(term)
        if phone.isdigit() and len(phone) == 11:
            results |= queryset.filter(phone_index=blind_index(phone, purpose=_purpose("phone")))
        return results, may_have_duplicates


@admin.register(LegalPerson)
class LegalPersonAdmin(AuditedModelAdmin):
    list_display = ("name", "credit_code", "legal_representative", "region", "verified_at")
    search_fields = ("name", "=credit_code")
    raw_id_fields = ("region", "representative")
    readonly_fields = ("representative", "verified_at")
    ordering = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage identity token` (the raw token is shown once and never
    stored); here they can only be looked at."""

    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("=prefix", "name", "user__username")
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services only; the admin looks."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "user",
        "identifier_hint",
        "method",
        "outcome",
        "reason",
        "ip_address",
    )
    list_filter = ("outcome", "method")
    search_fields = ("user__username", "=ip_address")
    list_select_related = ("user",)
    exclude = ("lock_key",)


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "method", "ip_address", "created_at", "last_seen_at", "ended_at")
    list_filter = ("method", "end_reason")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    exclude = ("key_digest",)


@admin.register(AgentGrant)
class AgentGrantAdmin(ReadOnlyAdmin):
    list_display = ("legal_person", "agent", "scopes", "valid_until", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("=legal_person__credit_code", "agent__username")
    list_select_related = ("legal_person", "agent")


@admin.register(RegistryPerson)
class RegistryPersonAdmin(ReadOnlyAdmin):
    list_display = ("pk", "masked_name", "masked_id_number", "status", "source", "updated_at")
    list_filter = ("status", "source")
    fields = ("masked_name", "masked_id_number", "status", "source", "created_at", "updated_at")

    @admin.display(description=_("姓名"))
    def masked_name(self, row: RegistryPerson) -> str:
        return mask_name(row.name)

    @admin.display(description=_("公民身份号码"))
    def masked_id_number(self, row: RegistryPerson) -> str:
        return mask_citizen_id(row.id_number)


@admin.register(RegistryLegalPerson)
class RegistryLegalPersonAdmin(ReadOnlyAdmin):
    list_display = ("credit_code", "name", "masked_representative", "status", "source")
    list_filter = ("status", "source")
    search_fields = ("=credit_code", "name")
    fields = ("credit_code", "name", "masked_representative", "status", "source", "updated_at")

    @admin.display(description=_("法定代表人"))
    def masked_representative(self, row: RegistryLegalPerson) -> str:
        return f"{mask_name(row.representative_name)}（{mask_citizen_id(row.representative_id_number)}）"
