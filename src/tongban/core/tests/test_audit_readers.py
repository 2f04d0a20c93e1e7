"""Core tells the audit app who may read the log (audit sits below core and cannot know roles)."""

import pytest

from tongban.audit.access import actor_may_read_audit
from tongban.audit.selectors import audit_entry_list
from tongban.core.models import StaffRole
from tongban.core.services.organizations import staff_membership_grant
from tongban.testing.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "may_read"),
    [
        (StaffRole.AUDITOR, True),
        (StaffRole.PLATFORM_ADMIN, True),
        (StaffRole.WINDOW_CLERK, False),
        (StaffRole.CATALOG_ADMIN, False),
        (None, False),
    ],
)
def test_only_auditors_and_platform_admins_read_the_audit_log(regions, role, may_read):
    user = UserFactory(username=f"u_{role}", kind="staff" if role else "citizen")
    if role:
        staff_membership_grant(actor=None, user=user, role=role, region=regions["sichuan"])
    assert actor_may_read_audit(user) is may_read
    entries = list(audit_entry_list(actor=user))
    # Granting the membership itself was audited, so a reader sees at least that entry.
    assert bool(entries) is may_read
