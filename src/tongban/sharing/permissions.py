"""Who may do what in sharing; single-object funnels answer "not found" whether missing or hidden.

- A resource's provider side (publish, records, approve requests, usage statistics): a data
  officer or platform administrator whose scope covers the provider department.
- A consumer side (request, apps and credentials, bulk jobs it receives): a data officer or
  platform administrator whose scope covers the consumer department.
- The resource catalog (metadata only) is readable by every staff member.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from tongban.core.errors import NotFound, PermissionDenied
from tongban.core.models import Department, StaffRole
from tongban.core.scopes import access_in_scope, staff_scope
from tongban.sharing.models import BulkJob, ConsumerApp, DataResource, SharingRequest

SHARING_ROLES = (StaffRole.DATA_OFFICER, StaffRole.PLATFORM_ADMIN)


def may_use_sharing(actor: Any) -> bool:
    return not staff_scope(actor, roles=SHARING_ROLES).is_empty


def covers_department(actor: Any, department: Department) -> bool:
    return staff_scope(actor, roles=SHARING_ROLES).covers(
        region_code=department.region_id, department_id=department.pk
    )


def require_department(actor: Any, department: Department) -> None:
    if not covers_department(actor, department):
        raise PermissionDenied()


def access_resource_for_provider(actor: Any, code: str) -> DataResource:
    return access_in_scope(
        DataResource.objects.select_related("provider"),
        actor,
        region_field="provider__region",
        department_field="provider",
        roles=SHARING_ROLES,
        code=code,
    )


def access_request_by_id(actor: Any, public_id: Any) -> SharingRequest:
    """Visible to both sides: the provider's and the consumer's data officers."""
    try:
        obj = (
            SharingRequest.objects.select_related("resource__provider", "consumer", "app")
            .filter(public_id=public_id)
            .first()
        )
    except (ValueError, TypeError, DjangoValidationError):  # a malformed id: not found
        obj = None
    if obj is None or not (
        covers_department(actor, obj.resource.provider) or covers_department(actor, obj.consumer)
    ):
        raise NotFound()
    return obj


def access_app_by_id(actor: Any, public_id: Any) -> ConsumerApp:
    return access_in_scope(
        ConsumerApp.objects.select_related("department"),
        actor,
        region_field="department__region",
        department_field="department",
        roles=SHARING_ROLES,
        public_id=public_id,
    )


def access_bulk_job_by_id(actor: Any, public_id: Any) -> BulkJob:
    try:
        job = (
            BulkJob.objects.select_related("resource__provider", "consumer")
            .filter(public_id=public_id)
            .first()
        )
    except (ValueError, TypeError, DjangoValidationError):
        job = None
    if job is None or not (
        covers_department(actor, job.resource.provider) or covers_department(actor, job.consumer)
    ):
        raise NotFound()
    return job
