"""System checks: the provider cannot sign anything without its keys."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tongban.identity.oidc import keys

_VARIABLES = {keys.RS256: "TONGBAN_OIDC_RSA_PRIVATE_KEY", keys.ES256: "TONGBAN_OIDC_EC_PRIVATE_KEY"}


@checks.register(checks.Tags.security)
def signing_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for algorithm, variable in _VARIABLES.items():
        if not keys.is_configured(algorithm):
            messages.append(
                checks.Warning(
                    f"{variable} is not set: clients using {algorithm} cannot sign users in.",
                    hint="Generate one with `manage oidc keys generate --kind "
                    f"{'rsa' if algorithm == keys.RS256 else 'ec'} --env`.",
                    id=f"oidc.W00{1 if algorithm == keys.RS256 else 2}",
                )
            )
            continue
        try:
            keys.verification_keys(algorithm)
        except ImproperlyConfigured as exc:
            messages.append(checks.Error(str(exc), id="oidc.E001"))
    return messages
