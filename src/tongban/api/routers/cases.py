"""/api/v1/cases: see the cases app's services for the rules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cases"])
