"""The password hasher: Argon2id with the cost chosen in settings (config/settings/identity.py
explains the choice). The algorithm name stays "argon2", so Django's own Argon2 hashes verify
and `must_update` rehashes any hash whose parameters differ from the configured ones."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class TongbanArgon2idHasher(Argon2PasswordHasher):
    def params(self) -> Any:
        return dataclasses.replace(
            super().params(),
            time_cost=int(getattr(settings, "TONGBAN_ARGON2_TIME_COST", 2)),
            memory_cost=int(getattr(settings, "TONGBAN_ARGON2_MEMORY_KIB", 19 * 1024)),
            parallelism=int(getattr(settings, "TONGBAN_ARGON2_PARALLELISM", 1)),
        )
