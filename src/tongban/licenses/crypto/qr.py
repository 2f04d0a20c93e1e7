"""QR text of offline payloads: `<prefix>` + Base45(zlib(COSE_Sign1)), the EU DCC stack.

"TB1:" marks Tongban's own licences, "HC1:" EU Digital COVID Certificates. Base45 (RFC 9285) uses
only QR alphanumeric-mode characters, so the text fits the densest QR mode. Decoding refuses
oversized inflation (a small QR must not expand into megabytes).

Base45 decoding is done here rather than by the `base45` package (which encodes): that package
loops in Python per character, and on a 600-character QR it cost more than an Ed25519 or ES256
verify, so offline verification ran at half the raw verify rate. `_b45decode` does the same
arithmetic on whole byte strings (translate, slices, one big-integer sum) and is tested against
`base45.b45decode` on random and malformed input.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Any

import base45
import cbor2
from django.utils.translation import gettext as _

from tongban.core.errors import ValidationFailed

PREFIX_TONGBAN = "TB1:"
PREFIX_EU_DCC = "HC1:"
PREFIXES = (PREFIX_TONGBAN, PREFIX_EU_DCC)
MAX_INFLATED_BYTES = 64 * 1024

_B45_CHARSET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_INVALID = 0xFF
_B45_VALUES = bytes(
    _B45_CHARSET.index(i) if i in _B45_CHARSET else _B45_INVALID for i in range(256)
)


@lru_cache(maxsize=128)
def _b45_masks(triples: int) -> tuple[int, int, int]:
    """Masks picking byte 0, 1 or 2 of every 3-byte slot of a `triples`-slot big integer."""
    unit = int.from_bytes(b"\x00\x00\x01" * triples, "big")
    return unit * 0xFF0000, unit * 0xFF00, unit * 0xFF


def _b45decode(text: str) -> bytes:
    """RFC 9285 decoding; ValueError on characters outside the alphabet, a dangling single
    character or a chunk above its byte range."""
    try:
        values = text.encode("ascii").translate(_B45_VALUES)
    except UnicodeEncodeError as exc:
        raise ValueError("non-ASCII character") from exc
    if _B45_INVALID in values:
        raise ValueError("character outside the Base45 alphabet")
    triples, rest = divmod(len(values), 3)
    if rest == 1:
        raise ValueError("dangling character")
    if triples:
        # Read every digit triple (c, d, e) as one 3-byte slot of a big integer; masks split the
        # three digit streams in place, and c + 45·d + 2025·e (≤ 91124 < 2**24) fits its own slot
        # without carrying into the next. A nonzero top byte means a chunk above 65535. Dropping
        # every slot's top byte leaves the decoded byte pairs. All of it is a few C-level big
        # integer and bytearray operations instead of a Python loop per chunk.
        width = 3 * triples
        high, middle, low = _b45_masks(triples)
        packed = int.from_bytes(values[:width] if rest else values, "big")
        total = ((packed & high) >> 16) + 45 * ((packed & middle) >> 8) + 2025 * (packed & low)
        if total & high:
            raise ValueError("chunk value above 65535")
        out = bytearray(total.to_bytes(width, "big"))
        del out[0::3]
    else:
        out = bytearray()
    if rest == 2:
        value = values[-2] + 45 * values[-1]
        if value > 0xFF:
            raise ValueError("final chunk value above 255")
        out.append(value)
    return bytes(out)


def qr_payload_encode(cose: bytes, *, prefix: str = PREFIX_TONGBAN) -> str:
    return prefix + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def _fail(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code)


def qr_payload_decode(text: str) -> tuple[str, bytes]:
    """(prefix, COSE bytes). Raises ValidationFailed with a plain-Chinese reason."""
    prefix, cose, _value = qr_payload_load(text)
    return prefix, cose


def qr_payload_load(text: str) -> tuple[str, bytes, Any]:
    """(prefix, COSE bytes, the decoded CBOR value): `qr_payload_decode` for verifiers, which
    hand the value to `cose.sign1_from_cbor` instead of decoding the same bytes a second time."""
    # Spaces are Base45 characters: only the ends are trimmed; scanners may insert line breaks.
    cleaned = str(text or "").strip()
    for char in "\r\n\t":  # str.replace is C-fast; str.translate with a table is not
        if char in cleaned:
            cleaned = cleaned.replace(char, "")
    if not cleaned:
        raise _fail(_("二维码内容为空，请重新扫描或粘贴完整的二维码文本。"), "qr_empty")
    prefix = cleaned[:4] if cleaned[:4] in PREFIXES else None
    if prefix is None:
        head = cleaned[:4] if len(cleaned) >= 4 and cleaned[3] == ":" else ""
        if head:
            raise _fail(
                _(
                    "不支持的二维码类型“%(head)s”：只能核验以 TB1:（通办电子证照）"
                    "或 HC1:（欧盟数字新冠证书）开头的二维码。"
                )
                % {"head": head},
                "qr_prefix",
            )
        raise _fail(
            _("二维码缺少类型前缀：应以 TB1: 或 HC1: 开头，请确认复制了完整内容。"), "qr_prefix"
        )
    try:
        compressed = _b45decode(cleaned[len(prefix) :])
    except ValueError as exc:
        raise _fail(
            _(
                "二维码内容损坏：Base45 编码无效（含有不允许的字符或长度不对），"
                "请重新扫描，或确认粘贴时没有增删字符。"
            ),
            "qr_base45",
        ) from exc
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise _fail(
            _("二维码内容损坏：数据解压失败（不是有效的 zlib 压缩数据），请重新扫描。"), "qr_zlib"
        ) from exc
    if inflater.unconsumed_tail:
        raise _fail(_("二维码内容过大，不是有效的电子证照二维码。"), "qr_too_large")
    if not inflater.eof:
        raise _fail(_("二维码内容不完整：压缩数据被截断，请重新扫描完整的二维码。"), "qr_zlib")
    try:
        value = cbor2.loads(cose)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise _fail(
            _("二维码内容损坏：解压后的数据不是有效的 CBOR 编码，请重新扫描。"), "qr_cbor"
        ) from exc
    if not isinstance(value, (cbor2.CBORTag, list)):
        raise _fail(_("二维码内容不是签名数据（COSE_Sign1），无法核验。"), "qr_cbor")
    return prefix, cose, value
