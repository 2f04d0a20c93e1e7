"""The answer of an offline QR verification (EU DCC here, Tongban's own payloads in services)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class QrVerdict:
    valid: bool  # signature, trust and every validity period hold at the evaluation time
    signature_valid: bool  # the signature verifies under a trusted key, whatever the dates
    reason: str  # plain Chinese: why it fails, or what was checked when it is valid
    issuer: str = ""
    claims: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
