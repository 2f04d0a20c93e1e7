"""/api/v1/feedback: see the feedback app's services for the rules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["feedback"])
