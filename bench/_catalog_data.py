"""Synthetic catalog data shared by the catalog benchmarks (catalog_import, catalog_read): credit
codes, basic codes, and the variation of the test guide (`catalog.tests.factories.guide_content`)
that makes each generated guide valid and realistic in size. Everything derives from indices and
a seeded `random.Random`, so two processes generate the same catalog."""

from __future__ import annotations

import random
from typing import Any

# Corporate themes a generated guide draws two of (LegalPersonTheme codes).
CORPORATE_THEMES = ["005", "010", "015", "025", "040", "055", "110", "135"]


def credit(region: str, prefix: str, n: int) -> str:
    """A valid credit code registered in `region` (its first 6 digits), unique per (prefix, n)."""
    from tongban.core.identifiers import credit_code_build

    return credit_code_build(
        department="1", category="1", region_code=region[:6], org_body8=f"{prefix}{n:06d}"
    )


def basic_code(n: int) -> str:
    return f"0001{n // 100:02d}{n % 100:03d}000"


def vary_guide(
    guide: dict[str, Any], rng: random.Random, *, name: str, level: str, place: str
) -> dict[str, Any]:
    """Turn a copy of the test guide into the guide of `name` exercised at `level` (A.2 code) in
    `place`: legal and promised limits, two corporate themes and 1–3 materials drawn from `rng`.
    Changes `guide` in place and returns it."""
    legal = rng.choice([10, 15, 20, 30])
    guide.update(
        name=name,
        exercise_level=level,
        legal_days=legal,
        promised_days=rng.randint(5, legal),
        corporate_themes=rng.sample(CORPORATE_THEMES, 2),
        place=place,
    )
    guide["materials"] = guide["materials"][: rng.randint(1, 3)]
    return guide
