"""Rendering of a license: its QR code (segno) and a printable PDF (WeasyPrint, CJK font
WenQuanYi Zen Hei from Debian's fonts-wqy-zenhei).

The PDF carries an offline QR ("TB1:", all fields the license shows) so a printed copy can be
verified without the network, and the 108号 watermark text for a use copy (加注件)."""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from tongban.licenses.models import License

PDF_TEMPLATE = "portal/licenses/pdf.html"


def qr_svg(text: str, *, scale: int = 4) -> str:
    return segno.make(text, error="m").svg_inline(scale=scale, dark="#000", light="#fff")


def license_rows(license: License) -> list[tuple[str, str]]:
    labels = {f["key"]: f["label"] for f in license.license_type.fields}
    return [(labels.get(k, k), str(v)) for k, v in license.content.items()]


def license_pdf(license: License, *, qr_text: str, watermark: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        PDF_TEMPLATE,
        {
            "license": license,
            "rows": license_rows(license),
            "qr": qr_svg(qr_text, scale=3),
            "watermark": watermark,
            "printed_at": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()


def context_for(license: License) -> dict[str, Any]:
    return {"license": license, "rows": license_rows(license)}


def qr_decode_image(data: bytes) -> str | None:
    """The text of the first QR code in an image (PNG/JPEG photo or screenshot), or None.
    zxing-cpp reads it; without the package the verifier still takes pasted text."""
    import io

    try:
        import zxingcpp
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - optional
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    for result in zxingcpp.read_barcodes(image.convert("L")):
        if result.text:
            return result.text
    return None
