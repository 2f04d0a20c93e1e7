"""/api/v1/licenses: the holder's wallet (亮证), public verification (核验), the public trust and
revocation lists. See the licenses app's services for the rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from tongban.api.schemas.catalog import ProblemOut
from tongban.api.schemas.licenses import (
    LicenseDetailOut,
    LicenseOut,
    LicenseTypeOut,
    PresentationIn,
    PresentationOut,
    StaffIssueIn,
    StaffLicenseOut,
    StaffRenewIn,
    StaffRevokeIn,
    VerifyIn,
    VerifyOut,
)
from tongban.core.errors import NotFound
from tongban.licenses import services
from tongban.licenses.models import License, LicenseStatus
from tongban.licenses.permissions import (
    access_license_for_holder,
    access_license_for_staff,
    bodies_for_issuing,
)
from tongban.licenses.rendering import license_pdf, qr_svg
from tongban.licenses.selectors import (
    license_type_get,
    license_types,
    licenses_for_holder,
    revocation_list_latest,
)
from tongban.licenses.verification import verify_text

router = Router(tags=["licenses"])
AUTH_ERRORS = {401: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}
STAFF_ERRORS = {403: ProblemOut, **AUTH_ERRORS}


def license_out(lic: License) -> dict[str, Any]:
    status = services.effective_status(lic)
    return {
        "id": str(lic.public_id),
        "identifier": lic.identifier,
        "type_code": lic.license_type.code,
        "type_name": lic.license_type.name,
        "number": lic.number,
        "issuer": lic.issuer_name,
        "holder_name": lic.holder_name,
        "holder_key_masked": services.mask_holder_key(lic.holder_kind, lic.holder_key),
        "issued_on": lic.issued_on,
        "valid_from": lic.valid_from,
        "valid_until": lic.valid_until,
        "status": status,
        "status_label": str(LicenseStatus(status).label),
        "version": lic.version,
    }


def license_detail_out(lic: License) -> dict[str, Any]:
    labels = {f["key"]: f["label"] for f in lic.license_type.fields}
    return {
        **license_out(lic),
        "content": {labels.get(k, k): str(v) for k, v in lic.content.items()},
        "disclosable": dict(services.disclosable_fields(lic)),
    }


@router.get(
    "/types",
    auth=None,
    response=list[LicenseTypeOut],
    operation_id="licenses_types_list",
    summary="证照目录（公开）",
)
def licenses_types_list(request: HttpRequest) -> list[Any]:
    return list(license_types())


@router.get(
    "/mine",
    response={200: list[LicenseOut], **AUTH_ERRORS},
    operation_id="licenses_mine_list",
    summary="我的证照",
    description="本人（按公民身份号码）及本人可代为使用证照的企业的电子证照；持证主体代码已脱敏。",
)
def licenses_mine_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [license_out(lic) for lic in licenses_for_holder(request.auth)]


@router.get(
    "/mine/{license_id}",
    response={200: LicenseDetailOut, **AUTH_ERRORS},
    operation_id="licenses_mine_get",
    summary="我的证照详情",
)
def licenses_mine_get(request: HttpRequest, license_id: UUID) -> dict[str, Any]:
    return license_detail_out(access_license_for_holder(request.auth, license_id))


@router.post(
    "/mine/{license_id}/presentations",
    response={201: PresentationOut, **AUTH_ERRORS},
    operation_id="licenses_mine_present",
    summary="亮证：生成在线亮证码或离线二维码",
    description=(
        "online：几分钟内有效、只能由核验方通过 /verify 解析的亮证码（截图过期即失效）；"
        "offline：把所选字段签名后编码为 TB1: 二维码（COSE_Sign1 + zlib + Base45），核验方无需联网。"
        "fields 为持证人选择出示的字段（选择性披露）。"
    ),
)
def licenses_mine_present(
    request: HttpRequest, license_id: UUID, payload: PresentationIn
) -> Status:
    lic = access_license_for_holder(request.auth, license_id)
    if payload.mode == "online":
        result = services.presentation_create(
            actor=request.auth, license=lic, fields=payload.fields, minutes=payload.minutes
        )
    else:
        result = services.offline_qr_create(actor=request.auth, license=lic, fields=payload.fields)
    return Status(
        201,
        {
            "mode": result.mode,
            "qr_text": result.qr_text,
            "expires_at": result.expires_at,
            "qr_svg": qr_svg(result.qr_text),
        },
    )


@router.get(
    "/mine/{license_id}/pdf",
    response={200: None, **AUTH_ERRORS},
    operation_id="licenses_mine_pdf",
    summary="下载证照 PDF（含离线核验二维码）",
)
def licenses_mine_pdf(request: HttpRequest, license_id: UUID) -> HttpResponse:
    lic = access_license_for_holder(request.auth, license_id)
    return pdf_response(request.auth, lic)


def pdf_response(actor: Any, lic: License) -> HttpResponse:
    fields = [k for k, _label in services.disclosable_fields(lic) if k != "holder_key"]
    if services.effective_status(lic) == LicenseStatus.VALID:
        qr_text = services.offline_qr_create(actor=actor, license=lic, fields=fields).qr_text
    else:
        qr_text = lic.identifier
    response = HttpResponse(license_pdf(lic, qr_text=qr_text), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{lic.identifier}.pdf"'
    return response


@router.post(
    "/verify",
    auth=None,
    response={200: VerifyOut, 422: ProblemOut},
    operation_id="licenses_verify",
    summary="核验电子证照（公开）",
    description=(
        "接受通办离线二维码（TB1:）、在线亮证码（TBT:）、核验链接、电子证照标识（1.2.156.3005.2.…）"
        "和欧盟数字新冠证书（HC1:）。检查签名、签发机构是否可信、有效期与撤销状态，reason 用中文说明结论。"
    ),
)
def licenses_verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    return verify_text(payload.code, at=payload.at).as_dict()


@router.get(
    "/trust-list",
    auth=None,
    response={200: dict[str, Any], 404: ProblemOut},
    operation_id="licenses_trust_list",
    summary="本平台签名的信任列表（颁发机构公钥）",
)
def licenses_trust_list(request: HttpRequest) -> dict[str, Any]:
    document = services.trust_list_document()
    if document is None:
        raise NotFound()
    return document


@router.get(
    "/revocations",
    auth=None,
    response={200: dict[str, Any], 404: ProblemOut},
    operation_id="licenses_revocations",
    summary="本平台签名的撤销列表（供离线核验）",
)
def licenses_revocations(request: HttpRequest) -> dict[str, Any]:
    latest = revocation_list_latest()
    if latest is None:
        raise NotFound()
    return latest.document


# --- staff: issue, revoke, renew (换证) -----------------------------------------------------------
# Scoped like the workbench: a license or issuing body outside the caller's scope is 404.


def staff_license_out(lic: License) -> dict[str, Any]:
    return {
        **license_out(lic),
        "content": {k: str(v) for k, v in lic.content.items()},
        "supersedes": lic.supersedes.identifier if lic.supersedes_id else None,
        "status_reason": lic.status_reason,
    }


@router.post(
    "/staff/licenses",
    response={201: StaffLicenseOut, **STAFF_ERRORS},
    operation_id="licenses_staff_issue",
    summary="签发电子证照（工作人员）",
    description="为本人管理范围内、已有签名密钥的颁发机构签发证照；颁发机构不在范围内时返回 404。",
)
def licenses_staff_issue(request: HttpRequest, payload: StaffIssueIn) -> Status:
    try:
        issuer_uuid = UUID(payload.issuer_id)
    except ValueError:
        raise NotFound() from None
    issuer = bodies_for_issuing(request.auth).filter(public_id=issuer_uuid).first()
    license_type = license_type_get(payload.type_code)
    if issuer is None or license_type is None or not license_type.is_active:
        raise NotFound()
    lic = services.license_issue(
        actor=request.auth,
        license_type=license_type,
        issuer=issuer,
        holder_key=payload.holder_key,
        holder_name=payload.holder_name,
        content=payload.content,
        number=payload.number,
        valid_until=payload.valid_until,
    )
    return Status(201, staff_license_out(lic))


@router.post(
    "/staff/licenses/{license_id}/revoke",
    response={200: StaffLicenseOut, **STAFF_ERRORS},
    operation_id="licenses_staff_revoke",
    summary="撤销电子证照（工作人员，须填原因）",
)
def licenses_staff_revoke(
    request: HttpRequest, license_id: UUID, payload: StaffRevokeIn
) -> dict[str, Any]:
    lic = access_license_for_staff(request.auth, license_id)
    return staff_license_out(
        services.license_revoke(actor=request.auth, license=lic, reason=payload.reason)
    )


@router.post(
    "/staff/licenses/{license_id}/renew",
    response={201: StaffLicenseOut, **STAFF_ERRORS},
    operation_id="licenses_staff_renew",
    summary="换证：签发新版本并替代原证（工作人员）",
)
def licenses_staff_renew(request: HttpRequest, license_id: UUID, payload: StaffRenewIn) -> Status:
    lic = access_license_for_staff(request.auth, license_id)
    new = services.license_renew(
        actor=request.auth,
        license=lic,
        content=payload.content,
        valid_until=payload.valid_until,
        reason=payload.reason,
    )
    return Status(201, staff_license_out(new))
