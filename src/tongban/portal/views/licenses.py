"""Portal pages of the licenses app.

- /my/licenses/                 我的证照: the holder's licenses (own and enterprises'), masked
- /my/licenses/<id>/            detail, choose fields, show an online (TBT) or offline (TB1) QR
- /my/licenses/<id>/pdf/        printable PDF with an offline QR
- /my/licenses/uses/            用证记录: grants (revoke an unused one) and who used what, when, why
- /licenses/verify/             public verifier: paste the QR text, or open a scanned verify link

Thin: services decide, selectors read, always for `request.user`; another holder's license id
gives 404 as a missing one does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, NotFound
from tongban.licenses import services
from tongban.licenses.models import LicenseStatus
from tongban.licenses.permissions import access_grant_for_holder, access_license_for_holder
from tongban.licenses.rendering import license_pdf, license_rows, qr_decode_image, qr_svg
from tongban.licenses.selectors import accesses_for_holder, grants_for_holder, licenses_for_holder
from tongban.licenses.verification import verify_text

MAX_UPLOAD = 5 * 1024 * 1024


def _own_license(request: HttpRequest, license_id: UUID) -> Any:
    try:
        return access_license_for_holder(request.user, license_id)
    except NotFound as exc:
        raise Http404 from exc


def _card(lic: Any) -> dict[str, Any]:
    status = services.effective_status(lic)
    return {
        "license": lic,
        "status": status,
        "status_label": LicenseStatus(status).label,
        "valid": status == LicenseStatus.VALID,
        "holder_key": services.mask_holder_key(lic.holder_kind, lic.holder_key),
    }


@never_cache
@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    cards = [_card(lic) for lic in licenses_for_holder(request.user)]
    return render(
        request, "portal/licenses/wallet.html", {"cards": cards, "account_section": "licenses"}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def license_detail(request: HttpRequest, license_id: UUID) -> HttpResponse:
    lic = _own_license(request, license_id)
    disclosable = services.disclosable_fields(lic)
    chosen = [k for k, _label in disclosable if k != "holder_key"]
    presentation = None
    error = ""
    if request.method == "POST":
        chosen = [f for f in request.POST.getlist("fields") if f]
        mode = request.POST.get("mode", "online")
        try:
            if mode == "offline":
                result = services.offline_qr_create(actor=request.user, license=lic, fields=chosen)
            else:
                minutes = int(request.POST.get("minutes") or services.PRESENTATION_MINUTES)
                result = services.presentation_create(
                    actor=request.user, license=lic, fields=chosen, minutes=minutes
                )
        except ValueError:
            error = _("有效分钟数应为整数。")
        except DomainError as exc:
            error = exc.message
        else:
            qr_content = result.qr_text
            if result.mode == "online":  # a phone camera opens our verifier directly
                qr_content = (
                    request.build_absolute_uri(reverse("portal:license-verify"))
                    + "?code="
                    + result.qr_text
                )
            presentation = {
                "mode": result.mode,
                "text": result.qr_text,
                "svg": qr_svg(qr_content),
                "expires_at": result.expires_at,
            }
    context = {
        "card": _card(lic),
        "license": lic,
        "rows": license_rows(lic),
        "history": lic.events.order_by("at", "id"),
        "disclosable": disclosable,
        "chosen": chosen,
        "presentation": presentation,
        "error": error,
        "account_section": "licenses",
    }
    return render(request, "portal/licenses/detail.html", context)


@never_cache
@login_required
def license_pdf_view(request: HttpRequest, license_id: UUID) -> HttpResponse:
    lic = _own_license(request, license_id)
    fields = [k for k, _label in services.disclosable_fields(lic) if k != "holder_key"]
    if services.effective_status(lic) == LicenseStatus.VALID:
        qr_text = services.offline_qr_create(actor=request.user, license=lic, fields=fields).qr_text
    else:
        qr_text = lic.identifier
    response = HttpResponse(license_pdf(lic, qr_text=qr_text), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{lic.identifier}.pdf"'
    return response


@never_cache
@login_required
def uses(request: HttpRequest) -> HttpResponse:
    grants = list(grants_for_holder(request.user)[:200])
    accesses = list(accesses_for_holder(request.user)[:200])
    return render(
        request,
        "portal/licenses/uses.html",
        {"grants": grants, "accesses": accesses, "account_section": "licenses"},
    )


@login_required
@require_POST
def grant_revoke(request: HttpRequest, grant_id: UUID) -> HttpResponse:
    try:
        grant = access_grant_for_holder(request.user, grant_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        services.use_grant_revoke(actor=request.user, grant=grant)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销该用证授权，办件将不能再读取这本证照。"))
    return redirect("portal:license-uses")


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Public: no sign-in. A scanned online QR opens this page with ?code=…"""
    code = request.GET.get("code", "")
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        upload = request.FILES.get("file")
        if upload is not None:
            data = upload.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                error = _("文件太大：请上传5MB以内的二维码图片或文本文件。")
            elif data[:4000].isascii() and b"\x00" not in data[:4000]:
                code = data.decode("utf-8", "replace")
            else:
                code = qr_decode_image(data) or ""
                if not code:
                    error = _(
                        "图片中没有找到二维码：请上传清晰、完整的二维码截图或照片，或直接粘贴二维码内容。"
                    )
    verdict = verify_text(code) if code.strip() and not error else None
    claims = verdict.claims if verdict else {}
    shown: dict[str, Any] = {}
    if verdict:
        if "license" in claims:  # offline TB1
            body = claims["license"]
            shown = {
                _("证照名称"): body.get("tn"),
                _("电子证照标识"): body.get("id"),
                _("有效期"): f"{body.get('vf')} 至 {body.get('vu') or _('长期')}",
                **(body.get("f") or {}),
            }
        elif "identifier" in claims:
            shown = {
                _("证照名称"): claims.get("type"),
                _("电子证照标识"): claims.get("identifier"),
                _("持证主体"): claims.get("holder_name"),
                _(
                    "有效期"
                ): f"{claims.get('valid_from')} 至 {claims.get('valid_until') or _('长期')}",
                **(claims.get("disclosed") or {}),
            }
        elif "hcert" in claims:
            shown = {_("欧盟数字新冠证书"): claims.get("hcert")}
    return render(
        request,
        "portal/licenses/verify.html",
        {"code": code, "verdict": verdict, "shown": shown, "error": error},
    )
