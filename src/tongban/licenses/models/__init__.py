"""Models of the licenses app (电子证照): the license catalog, issuer keys, licenses and their
history, presentations (亮证), trust (互信互认), use grants (用证) and bulk imports."""

from tongban.licenses.models.licenses import (
    HolderKind,
    License,
    LicenseCounter,
    LicenseEvent,
    LicenseEventKind,
    LicenseSource,
    LicenseStatus,
    Presentation,
)
from tongban.licenses.models.trust import (
    RevocationEntry,
    RevocationList,
    TrustedIssuer,
    TrustedKey,
    TrustedPlatform,
    TrustSource,
)
from tongban.licenses.models.types import IssuerKey, KeyStatus, LicenseType
from tongban.licenses.models.use import ImportJob, ImportStatus, UseAccess, UseGrant

__all__ = [
    "HolderKind",
    "ImportJob",
    "ImportStatus",
    "IssuerKey",
    "KeyStatus",
    "License",
    "LicenseCounter",
    "LicenseEvent",
    "LicenseEventKind",
    "LicenseSource",
    "LicenseStatus",
    "LicenseType",
    "Presentation",
    "RevocationEntry",
    "RevocationList",
    "TrustSource",
    "TrustedIssuer",
    "TrustedKey",
    "TrustedPlatform",
    "UseAccess",
    "UseGrant",
]
