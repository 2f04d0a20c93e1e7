"""The demo service catalog as data: every matter (`MATTERS`), the 13 national key bundles
(`BUNDLES`) and the e-license types they refer to (`LICENSE_TYPES`).

The tables live in `tongban.demo.catalog` (one module per field); this module is their public
face. Basic codes are DEMO codes in the national pattern `00 TT DD MMM SSS`, not the official
ones; names, legal bases, time limits, fees and materials follow the real national catalog and
Sichuan's published guides."""

from __future__ import annotations

from functools import cache

from tongban.demo.catalog import (
    matters_construction,
    matters_environment,
    matters_gongan,
    matters_health_education,
    matters_licences,
    matters_market,
    matters_medical_housing,
    matters_minzheng,
    matters_renshe,
    matters_social,
    matters_utilities,
)
from tongban.demo.catalog.bundles import BUNDLES, Bundle
from tongban.demo.catalog.licenses import LICENSE_TYPES, LicenseType
from tongban.demo.catalog.spec import Matter

MATTERS: tuple[Matter, ...] = (
    *matters_gongan.MATTERS,
    *matters_minzheng.MATTERS,
    *matters_health_education.MATTERS,
    *matters_renshe.MATTERS,
    *matters_medical_housing.MATTERS,
    *matters_social.MATTERS,
    *matters_market.MATTERS,
    *matters_licences.MATTERS,
    *matters_construction.MATTERS,
    *matters_environment.MATTERS,
    *matters_utilities.MATTERS,
)


@cache
def _by_name() -> dict[str, Matter]:
    table: dict[str, Matter] = {}
    for matter in MATTERS:
        for name in (matter.name, *matter.aliases):
            table.setdefault(name, matter)
    return table


def matter_by_name(name: str) -> Matter:
    """The matter called `name` (its catalog name or one of its aliases); KeyError otherwise."""
    return _by_name()[name]


__all__ = [
    "BUNDLES",
    "LICENSE_TYPES",
    "MATTERS",
    "Bundle",
    "LicenseType",
    "Matter",
    "matter_by_name",
]
