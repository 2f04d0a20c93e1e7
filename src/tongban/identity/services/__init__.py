"""Writes of the identity app. Each is keyword-only and audited; see the modules for the rules.

- accounts: registration (L1), real-name verification (L2), in-person checks (L3), operator-
  created verified accounts, passwords
- signin: password / SMS / TOTP / recovery-code sign-in, lockout, sessions, sign-out
- mfa: TOTP binding and recovery codes
- codes: SMS one-time codes
- enterprises: legal-person verification and agent grants
- registries: filling the embedded base registries
- tokens: API tokens
"""

from tongban.identity.services.accounts import (
    account_verify_by_operator,
    assurance_record_in_person,
    citizen_register,
    citizen_verify_real_name,
    create_verified_citizen,
    password_change,
    password_reset_with_code,
)
from tongban.identity.services.codes import one_time_code_request
from tongban.identity.services.enterprises import (
    agent_grant_create,
    agent_grant_revoke,
    legal_person_verify,
)
from tongban.identity.services.mfa import (
    TotpEnrolment,
    recovery_codes_regenerate,
    totp_confirm,
    totp_disable,
    totp_enrol,
    totp_reset_by_admin,
)
from tongban.identity.services.registries import (
    RegistryImportReport,
    registry_legal_persons_import,
    registry_persons_import,
)
from tongban.identity.services.signin import (
    SignInStep,
    sign_in_complete,
    sign_in_with_password,
    sign_in_with_recovery_code,
    sign_in_with_sms,
    sign_in_with_totp,
    sign_out,
    user_session_revoke,
)
from tongban.identity.services.tokens import TOKEN_PREFIX, api_token_authenticate, api_token_create

__all__ = [
    "TOKEN_PREFIX",
    "RegistryImportReport",
    "SignInStep",
    "TotpEnrolment",
    "account_verify_by_operator",
    "agent_grant_create",
    "agent_grant_revoke",
    "api_token_authenticate",
    "api_token_create",
    "assurance_record_in_person",
    "citizen_register",
    "citizen_verify_real_name",
    "create_verified_citizen",
    "legal_person_verify",
    "one_time_code_request",
    "password_change",
    "password_reset_with_code",
    "recovery_codes_regenerate",
    "registry_legal_persons_import",
    "registry_persons_import",
    "sign_in_complete",
    "sign_in_with_password",
    "sign_in_with_recovery_code",
    "sign_in_with_sms",
    "sign_in_with_totp",
    "sign_out",
    "totp_confirm",
    "totp_disable",
    "totp_enrol",
    "totp_reset_by_admin",
    "user_session_revoke",
]
