"""/api/v1/search: see the search app's services for the rules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["search"])
