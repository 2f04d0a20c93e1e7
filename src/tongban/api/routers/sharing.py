"""/api/v1/sharing: see the sharing app's services for the rules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sharing"])
