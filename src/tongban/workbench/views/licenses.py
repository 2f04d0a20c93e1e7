"""Workbench pages of the licenses app (电子证照管理): licenses in the caller's scope, manual
issuance, renewal (换证) and revocation, the license catalog, bulk import with progress, and
keys and trust lists. Thin: services check scope again and audit; selectors read scoped."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tongban.core.codes import ExerciseLevel
from tongban.core.context_processors import is_staff_user
from tongban.core.errors import (
    DomainError,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.scopes import staff_scope
from tongban.licenses import services
from tongban.licenses.fieldspec import fields_text, parse_fields_text
from tongban.licenses.importer import template_header
from tongban.licenses.models import HolderKind, ImportStatus, LicenseStatus
from tongban.licenses.permissions import (
    ADMIN_ROLES,
    CATALOG_ROLES,
    ISSUE_ROLES,
    PLATFORM_ROLES,
    VIEW_ROLES,
    access_import_job,
    access_license_for_staff,
    bodies_for_issuing,
)
from tongban.licenses.rendering import license_rows
from tongban.licenses.selectors import (
    import_jobs_for_staff,
    issuer_keys_for_staff,
    license_history,
    license_type_get,
    license_types,
    licenses_for_staff,
    trusted_issuers,
    trusted_platforms,
)

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def licenses_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not is_staff_user(user) or staff_scope(user, roles=VIEW_ROLES).is_empty:
            raise HttpForbidden(
                _("电子证照管理仅供窗口、审核人员和管理员使用。请联系本单位管理员分配岗位。")
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for problem in exc.fields[:10]:
        messages.error(request, f"{problem.field}：{problem.message}")


def _can(user: Any, roles: frozenset[str]) -> bool:
    return staff_scope(user, roles=roles).has_role(*roles)


@licenses_staff
def license_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    type_code = request.GET.get("type", "")[:64]
    status = request.GET.get("status", "")
    if status not in LicenseStatus.values:
        status = ""
    page = Paginator(
        licenses_for_staff(request.user, query=query, type_code=type_code, status=status), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/licenses/list.html",
        {
            "page": page,
            "query": query,
            "type_code": type_code,
            "status": status,
            "types": license_types(),
            "statuses": LicenseStatus.choices,
            "can_issue": _can(request.user, ISSUE_ROLES),
        },
    )


@licenses_staff
@require_http_methods(["GET", "POST"])
def license_detail(request: HttpRequest, license_id: UUID) -> HttpResponse:
    lic = access_license_for_staff(request.user, license_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "revoke":
                services.license_revoke(
                    actor=request.user, license=lic, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("已撤销该证照，撤销列表将随之更新。"))
            elif action == "renew":
                until = request.POST.get("valid_until") or ""
                new = services.license_renew(
                    actor=request.user,
                    license=lic,
                    valid_until=date.fromisoformat(until) if until else None,
                    reason=request.POST.get("reason", "")[:200],
                )
                messages.success(request, _("已换发新证（版本 %(v)d）。") % {"v": new.version})
                return redirect("workbench:license_detail", license_id=new.public_id)
        except ValueError:
            messages.error(request, _("有效期截止日期格式不对，请写成 2030-12-31。"))
        except DomainError as exc:
            _error(request, exc)
        return redirect("workbench:license_detail", license_id=lic.public_id)
    return render(
        request,
        "workbench/licenses/detail.html",
        {
            "license": lic,
            "rows": license_rows(lic),
            "holder_key": services.mask_holder_key(lic.holder_kind, lic.holder_key),
            "status": services.effective_status(lic),
            "history": license_history(lic),
            "can_change": _can(request.user, ISSUE_ROLES),
        },
    )


@licenses_staff
@require_http_methods(["GET", "POST"])
def license_issue(request: HttpRequest) -> HttpResponse:
    bodies = list(bodies_for_issuing(request.user)[:500])
    type_code = request.POST.get("type") or request.GET.get("type", "")
    license_type = license_type_get(type_code) if type_code else None
    values: dict[str, str] = {}
    if request.method == "POST" and license_type is not None:
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        body = next((b for b in bodies if str(b.public_id) == request.POST.get("body")), None)
        if body is None:
            messages.error(request, _("请选择您管理范围内的颁发机构。"))
        else:
            try:
                lic = services.license_issue(
                    actor=request.user,
                    license_type=license_type,
                    issuer=body,
                    holder_key=request.POST.get("holder_key", ""),
                    holder_name=request.POST.get("holder_name", ""),
                    number=request.POST.get("number", ""),
                    content={
                        f["key"]: request.POST.get(f"f_{f['key']}", "") for f in license_type.fields
                    },
                    valid_until=date.fromisoformat(request.POST["valid_until"])
                    if request.POST.get("valid_until")
                    else None,
                )
            except ValueError:
                messages.error(request, _("有效期截止日期格式不对，请写成 2030-12-31。"))
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("证照已签发：%(id)s") % {"id": lic.identifier})
                return redirect("workbench:license_detail", license_id=lic.public_id)
    return render(
        request,
        "workbench/licenses/issue.html",
        {
            "types": license_types(),
            "license_type": license_type,
            "bodies": bodies,
            "values": values,
        },
    )


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_user(user) or (
        staff_scope(user, roles=VIEW_ROLES).is_empty and not _can(user, CATALOG_ROLES)
    ):
        raise HttpForbidden(_("证照目录仅供工作人员查看。"))
    return render(
        request,
        "workbench/licenses/types.html",
        {
            "types": license_types(active_only=False),
            "can_edit": _can(request.user, CATALOG_ROLES),
        },
    )


def _materials(text: str) -> list[str]:
    names = text.replace("、", "\n").replace("，", "\n").replace(",", "\n").splitlines()
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


def _type_values(license_type: Any) -> dict[str, Any]:
    if license_type is None:
        return {
            "issuing_level": ExerciseLevel.COUNTY,
            "holder_kind": HolderKind.PERSON,
            "is_active": True,
        }
    return {
        "code": license_type.code,
        "national_code": license_type.national_code,
        "name": license_type.name,
        "defining_department": license_type.defining_department,
        "defining_department_code": license_type.defining_department_code,
        "issuing_level": license_type.issuing_level,
        "holder_kind": license_type.holder_kind,
        "validity_years": license_type.validity_years or "",
        "fields": fields_text(license_type.fields),
        "replaces_materials": "\n".join(license_type.replaces_materials),
        "is_active": license_type.is_active,
    }


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request: HttpRequest, code: str = "") -> HttpResponse:
    """Create (no `code`) or edit a license type: platform and catalog administrators only."""
    if not is_staff_user(request.user) or not _can(request.user, CATALOG_ROLES):
        raise HttpForbidden(_("只有平台管理员或事项管理员可以维护证照目录。"))
    existing = license_type_get(code) if code else None
    if code and existing is None:
        raise Http404
    values = _type_values(existing)
    if request.method == "POST":
        post = request.POST
        values = {
            key: post.get(key, "").strip()
            for key in (
                "code",
                "national_code",
                "name",
                "defining_department",
                "defining_department_code",
                "issuing_level",
                "holder_kind",
                "validity_years",
                "fields",
                "replaces_materials",
            )
        }
        values["is_active"] = post.get("is_active") == "on"
        if existing is not None:  # the code is the type's identity: materials and guides name it
            values["code"] = existing.code
        try:
            years_text = values["validity_years"]
            if years_text and (not years_text.isdigit() or not 1 <= int(years_text) <= 100):
                raise ValidationFailed(
                    _("有效期请填写 1 到 100 之间的整数年数，长期有效请留空。"),
                    fields=[FieldProblem("validity_years", _("应为 1–100 的整数"))],
                )
            if values["issuing_level"] not in ExerciseLevel.values:
                raise ValidationFailed(
                    _("请选择颁发层级。"), fields=[FieldProblem("issuing_level", _("必选"))]
                )
            if not existing and license_type_get(values["code"]) is not None:
                raise ValidationFailed(
                    _("证照类型代码 %(c)s 已存在，请改用编辑。") % {"c": values["code"]},
                    fields=[FieldProblem("code", _("已存在"))],
                )
            saved = services.license_type_save(
                actor=request.user,
                code=values["code"],
                national_code=values["national_code"],
                name=values["name"],
                defining_department=values["defining_department"],
                defining_department_code=values["defining_department_code"],
                holder_kind=values["holder_kind"],
                issuing_level=values["issuing_level"],
                validity_years=int(years_text) if years_text else None,
                fields=parse_fields_text(values["fields"]),
                replaces_materials=_materials(values["replaces_materials"]),
                is_active=values["is_active"],
            )
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已保存证照类型“%(n)s”。") % {"n": saved.name})
            return redirect("workbench:license_types")
    return render(
        request,
        "workbench/licenses/type_edit.html",
        {
            "license_type": existing,
            "values": values,
            "levels": ExerciseLevel.choices,
            "holder_kinds": HolderKind.choices,
        },
    )


@licenses_staff
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    bodies = list(bodies_for_issuing(request.user, roles=ADMIN_ROLES)[:500])
    if request.method == "POST":
        upload = request.FILES.get("file")
        license_type = license_type_get(request.POST.get("type", ""))
        body = next((b for b in bodies if str(b.public_id) == request.POST.get("body")), None)
        if upload is None or license_type is None or body is None:
            messages.error(request, _("请选择证照类型、颁发机构和要导入的文件。"))
        elif upload.size > MAX_IMPORT_BYTES:
            messages.error(request, _("文件超过50MB，请拆分后分别导入。"))
        else:
            try:
                job = services.license_import_submit(
                    actor=request.user,
                    license_type=license_type,
                    issuer=body,
                    filename=upload.name,
                    data=upload.read(),
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                return redirect("workbench:license_import_job", job_id=job.public_id)
    return render(
        request,
        "workbench/licenses/import.html",
        {
            "types": license_types(),
            "bodies": bodies,
            "jobs": import_jobs_for_staff(request.user)[:20],
        },
    )


@licenses_staff
def import_template(request: HttpRequest) -> HttpResponse:
    license_type = license_type_get(request.GET.get("type", ""))
    if license_type is None:
        raise Http404
    response = HttpResponse(
        "\ufeff" + ",".join(template_header(license_type)) + "\n",
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{license_type.code}.csv"'
    return response


@licenses_staff
def import_job(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = access_import_job(request.user, job_id)
    running = job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    return render(request, "workbench/licenses/import_job.html", {"job": job, "running": running})


@licenses_staff
@require_http_methods(["GET", "POST"])
def trust_page(request: HttpRequest) -> HttpResponse:
    is_platform_admin = _can(request.user, PLATFORM_ROLES)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rotate":
                try:
                    wanted = UUID(request.POST.get("body", ""))
                except ValueError:
                    raise NotFound() from None
                body = (
                    bodies_for_issuing(request.user, roles=ADMIN_ROLES, with_key=False)
                    .filter(public_id=wanted)
                    .first()
                )
                if body is None:
                    raise NotFound()
                key = services.issuer_key_generate(
                    actor=request.user,
                    body=body,
                    algorithm=request.POST.get("algorithm") or services.DEFAULT_ALGORITHM,
                )
                messages.success(
                    request,
                    _("已为“%(b)s”生成新密钥 %(k)s，旧密钥仅用于验证。")
                    % {"b": body.name, "k": key.kid},
                )
            elif action == "import" and request.FILES.get("file"):
                platform = services.trust_list_import(
                    actor=request.user, document=request.FILES["file"].read()
                )
                messages.success(request, _("已导入“%(p)s”的信任列表。") % {"p": platform.name})
            elif action == "import_x509" and request.FILES.get("file"):
                keys = services.trust_import_x509(
                    actor=request.user,
                    pem=request.FILES["file"].read(),
                    country=request.POST.get("country", "")[:2],
                )
                messages.success(request, _("已信任 %(n)d 张签名证书。") % {"n": len(keys)})
            elif action == "export":
                document = services.trust_list_export(actor=request.user)
                response = HttpResponse(
                    json.dumps(document, ensure_ascii=False, indent=2),
                    content_type="application/json",
                )
                response["Content-Disposition"] = 'attachment; filename="trust-list.json"'
                return response
            else:
                messages.error(request, _("请选择要上传的文件。"))
        except DomainError as exc:
            _error(request, exc)
        return redirect("workbench:license_trust")
    return render(
        request,
        "workbench/licenses/trust.html",
        {
            "keys": issuer_keys_for_staff(request.user)[:300],
            "bodies": bodies_for_issuing(request.user, roles=ADMIN_ROLES, with_key=False)[:500],
            "platforms": trusted_platforms(),
            "issuers": trusted_issuers()[:300],
            "is_platform_admin": is_platform_admin,
            "can_rotate": _can(request.user, ADMIN_ROLES),
            "algorithms": ("SM2-SM3", "Ed25519", "ES256"),
        },
    )
