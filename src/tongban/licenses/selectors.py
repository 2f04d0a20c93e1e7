"""Every read of the licenses app, scoped to the caller. The first two are the contract other
apps (cases, sharing) code against."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongban.core.scopes import scope_filter
from tongban.licenses.models import (
    ImportJob,
    IssuerKey,
    License,
    LicenseEvent,
    LicenseStatus,
    LicenseType,
    RevocationList,
    TrustedIssuer,
    TrustedPlatform,
    UseAccess,
    UseGrant,
)
from tongban.licenses.permissions import (
    ADMIN_ROLES,
    holder_index,
    licenses_of_holder,
    licenses_visible_to_staff,
)


def _today(at: Any = None) -> date:
    if at is None:
        return timezone.localdate()
    if hasattr(at, "date") and callable(at.date):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at


def _currently_valid(queryset: QuerySet[License], today: date) -> QuerySet[License]:
    return queryset.filter(status=LicenseStatus.VALID, valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def licenses_valid_for_holder(
    *, license_type_code: str, holder_key: str, at: Any = None
) -> list[License]:
    """The holder's currently valid licenses of one type (holder_key: plaintext ID number or
    credit code, looked up through the blind index)."""
    if not holder_key:
        return []
    queryset = License.objects.filter(
        holder_key_index=holder_index(holder_key), license_type__code=license_type_code
    ).select_related("license_type", "issuer")
    return list(_currently_valid(queryset, _today(at)).order_by("-issued_on", "-id"))


def license_status(identifier: str) -> str | None:
    """ "valid", "expired", "revoked", "superseded", or None when we do not know the license."""
    row = (
        License.objects.filter(identifier=(identifier or "").strip())
        .values("status", "valid_until")
        .first()
    )
    if row is None:
        return None
    if (
        row["status"] == LicenseStatus.VALID
        and row["valid_until"]
        and row["valid_until"] < timezone.localdate()
    ):
        return LicenseStatus.EXPIRED.value
    return row["status"]


def license_types(*, active_only: bool = True) -> QuerySet[LicenseType]:
    queryset = LicenseType.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def license_type_get(code: str) -> LicenseType | None:
    return LicenseType.objects.filter(code=code).first()


def licenses_for_holder(user: Any) -> QuerySet[License]:
    return (
        licenses_of_holder(user)
        .select_related("license_type")
        .order_by("license_type__name", "-version")
    )


def license_history(license: License) -> QuerySet[LicenseEvent]:
    return license.events.select_related("actor").order_by("at", "id")


def licenses_for_staff(
    actor: Any, *, query: str = "", type_code: str = "", status: str = ""
) -> QuerySet[License]:
    queryset = licenses_visible_to_staff(actor).select_related("license_type")
    if type_code:
        queryset = queryset.filter(license_type__code=type_code)
    if status:
        queryset = queryset.filter(status=status)
    query = (query or "").strip()
    if query:
        condition = Q(identifier=query) | Q(number=query) | Q(holder_name=query)
        condition |= Q(holder_key_index=holder_index(query))
        queryset = queryset.filter(condition)
    return queryset.order_by("-created_at", "-id")


def grants_for_holder(user: Any) -> QuerySet[UseGrant]:
    return UseGrant.objects.filter(grantor_id=getattr(user, "pk", None)).select_related(
        "license", "license__license_type"
    )


def accesses_for_holder(user: Any) -> QuerySet[UseAccess]:
    return UseAccess.objects.filter(license__in=licenses_of_holder(user)).select_related(
        "license", "license__license_type"
    )


def import_jobs_for_staff(actor: Any) -> QuerySet[ImportJob]:
    return scope_filter(
        ImportJob.objects.select_related("license_type", "issuer").defer("data"),
        actor,
        region_field="issuer__region",
        department_field="issuer__department",
        roles=ADMIN_ROLES,
    )


def issuer_keys_for_staff(actor: Any) -> QuerySet[IssuerKey]:
    return scope_filter(
        IssuerKey.objects.filter(body__isnull=False).select_related("body"),
        actor,
        region_field="body__region",
        department_field="body__department",
        roles=ADMIN_ROLES,
    ).defer("private_pem")


def trusted_issuers() -> QuerySet[TrustedIssuer]:
    return TrustedIssuer.objects.select_related("platform").prefetch_related("keys")


def trusted_platforms() -> QuerySet[TrustedPlatform]:
    return TrustedPlatform.objects.all()


def revocation_list_latest() -> RevocationList | None:
    return RevocationList.objects.order_by("-sequence").first()
