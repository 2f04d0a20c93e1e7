"""Publishing lifecycle of a guide version: draft → submitted → published → superseded/withdrawn."""

from tongban.catalog.models import GuideStatus

TRANSITIONS: dict[str, set[str]] = {
    GuideStatus.DRAFT: {GuideStatus.SUBMITTED},
    GuideStatus.SUBMITTED: {GuideStatus.PUBLISHED, GuideStatus.DRAFT},
    GuideStatus.PUBLISHED: {GuideStatus.SUPERSEDED, GuideStatus.WITHDRAWN},
    GuideStatus.SUPERSEDED: set(),
    GuideStatus.WITHDRAWN: set(),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())
