"""Identity tables: accounts, the embedded base registries and sign-in."""

from tongban.identity.models.accounts import (
    AccountKind,
    AgentGrant,
    AgentScope,
    ApiToken,
    AssuranceLevel,
    LegalPerson,
    User,
)
from tongban.identity.models.registries import (
    LegalPersonStatus,
    PersonStatus,
    RegistryLegalPerson,
    RegistryPerson,
)
from tongban.identity.models.signin import (
    CodePurpose,
    OneTimeCode,
    RecoveryCode,
    SignInEvent,
    SignInGuard,
    SignInMethod,
    SignInOutcome,
    TotpDevice,
    UserSession,
)

__all__ = [
    "AccountKind",
    "AgentGrant",
    "AgentScope",
    "ApiToken",
    "AssuranceLevel",
    "CodePurpose",
    "LegalPerson",
    "LegalPersonStatus",
    "OneTimeCode",
    "PersonStatus",
    "RecoveryCode",
    "RegistryLegalPerson",
    "RegistryPerson",
    "SignInEvent",
    "SignInGuard",
    "SignInMethod",
    "SignInOutcome",
    "TotpDevice",
    "User",
    "UserSession",
]
