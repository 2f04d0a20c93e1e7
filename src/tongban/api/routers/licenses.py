"""/api/v1/licenses: see the licenses app's services for the rules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["licenses"])
