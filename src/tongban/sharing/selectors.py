"""Every read of the sharing app, scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from tongban.core.scopes import scope_filter
from tongban.sharing.models import (
    BulkJob,
    CallResult,
    ConsumerApp,
    DataResource,
    ExchangeLog,
    Grant,
    KeyKind,
    OpenType,
    Operation,
    RequestStatus,
    ResourceStatus,
    SharingRequest,
)
from tongban.sharing.permissions import SHARING_ROLES
from tongban.sharing.services import subject_index


def resource_catalog(
    *, q: str = "", share_type: str = "", base_registry: str = "", provider_id: int | None = None
) -> QuerySet[DataResource]:
    """The published catalog (metadata, no data): readable by every staff member and the API."""
    qs = (
        DataResource.objects.filter(status=ResourceStatus.PUBLISHED)
        .select_related("provider")
        .prefetch_related("fields")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(summary__icontains=q))
    if share_type:
        qs = qs.filter(share_type=share_type)
    if base_registry:
        qs = qs.filter(base_registry=base_registry)
    if provider_id:
        qs = qs.filter(provider_id=provider_id)
    return qs.order_by("code")


def resource_get(code: str) -> DataResource | None:
    return resource_catalog().filter(code=code).first()


def resources_provided_by(actor: Any) -> QuerySet[DataResource]:
    return scope_filter(
        DataResource.objects.select_related("provider"),
        actor,
        region_field="provider__region",
        department_field="provider",
        roles=SHARING_ROLES,
    )


def requests_to_answer(actor: Any, *, status: str = "") -> QuerySet[SharingRequest]:
    qs = scope_filter(
        SharingRequest.objects.select_related("resource__provider", "consumer"),
        actor,
        region_field="resource__provider__region",
        department_field="resource__provider",
        roles=SHARING_ROLES,
    )
    return qs.filter(status=status) if status else qs


def requests_made(actor: Any, *, status: str = "") -> QuerySet[SharingRequest]:
    qs = scope_filter(
        SharingRequest.objects.select_related("resource__provider", "consumer"),
        actor,
        region_field="consumer__region",
        department_field="consumer",
        roles=SHARING_ROLES,
    )
    return qs.filter(status=status) if status else qs


def pending_count(actor: Any) -> int:
    return requests_to_answer(actor, status=RequestStatus.PENDING).count()


def apps_of(actor: Any) -> QuerySet[ConsumerApp]:
    return scope_filter(
        ConsumerApp.objects.select_related("department"),
        actor,
        region_field="department__region",
        department_field="department",
        roles=SHARING_ROLES,
    )


def grants_of_app(app: ConsumerApp) -> QuerySet[Grant]:
    return app.grants.select_related("resource__provider").order_by("-valid_until")


def grants_for_app_active(app: ConsumerApp) -> QuerySet[Grant]:
    today = timezone.localdate()
    return grants_of_app(app).filter(
        revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today
    )


def bulk_jobs_of(actor: Any) -> QuerySet[BulkJob]:
    provider_side = resources_provided_by(actor).values("pk")
    consumer_side = scope_filter(
        BulkJob.objects.all(),
        actor,
        region_field="consumer__region",
        department_field="consumer",
        roles=SHARING_ROLES,
    ).values("pk")
    return (
        BulkJob.objects.filter(Q(resource__in=provider_side) | Q(pk__in=consumer_side))
        .select_related("resource__provider", "consumer")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class UsageRow:
    resource_code: str
    resource_name: str
    calls: int
    refused: int
    records: int
    bytes: int
    consumers: int
    downloads: int = 0


def usage_for_provider(actor: Any, *, since: datetime | None = None) -> list[UsageRow]:
    """Records exchanged, calls and bytes per resource of the caller's departments (the figures
    the national platform reports). Completed open-data downloads count as calls (records and
    bytes included) and are also counted on their own in `downloads`."""
    since = since or timezone.now() - timedelta(days=30)
    rows = (
        ExchangeLog.objects.filter(
            resource__in=resources_provided_by(actor).values("pk"), occurred_at__gte=since
        )
        .values("resource__code", "resource__name")
        .annotate(
            calls=Count("id"),
            refused=Count("id", filter=Q(result=CallResult.REFUSED)),
            downloads=Count("id", filter=Q(operation=Operation.DOWNLOAD)),
            records=Sum("records"),
            bytes=Sum("bytes"),
            consumers=Count("consumer_label", distinct=True),
        )
        .order_by("resource__code")
    )
    return [
        UsageRow(
            r["resource__code"],
            r["resource__name"],
            r["calls"],
            r["refused"],
            r["records"] or 0,
            r["bytes"] or 0,
            r["consumers"],
            r["downloads"],
        )
        for r in rows
    ]


def logs_about_me(user: Any, *, limit: int = 200) -> list[ExchangeLog]:
    """Right to know: who read which of my data, why and when (by my ID number's index)."""
    number = (getattr(user, "id_number", "") or "").strip()
    if not number:
        return []
    index = subject_index(KeyKind.ID_NUMBER, number)
    return list(
        ExchangeLog.objects.filter(subject_index=index)
        .exclude(result=CallResult.REFUSED)
        .select_related("resource__provider", "consumer")
        .order_by("-occurred_at", "-id")[:limit]
    )


def enterprises_represented_by(user: Any) -> list[Any]:
    """The legal persons whose data-use records `user` may read: those they are the verified
    legal representative of (an agent acts for the enterprise, but is not told who looked it up)."""
    from tongban.identity.selectors import legal_persons_represented_by

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return legal_persons_represented_by(user)


def logs_about_enterprise(user: Any, legal_person: Any, *, limit: int = 200) -> list[ExchangeLog]:
    """Right to know for an enterprise: who read its data by its credit code, why and when.
    Empty unless `user` is the verified legal representative of `legal_person`."""
    if legal_person is None or not any(
        lp.pk == legal_person.pk for lp in enterprises_represented_by(user)
    ):
        return []
    index = subject_index(KeyKind.CREDIT_CODE, legal_person.credit_code.strip().upper())
    return list(
        ExchangeLog.objects.filter(subject_index=index)
        .exclude(result=CallResult.REFUSED)
        .select_related("resource__provider", "consumer")
        .order_by("-occurred_at", "-id")[:limit]
    )


def open_resources(*, q: str = "") -> QuerySet[DataResource]:
    return resource_catalog(q=q).filter(open_type=OpenType.OPEN)


def open_resource(code: str) -> DataResource | None:
    return open_resources().filter(code=code).first()
