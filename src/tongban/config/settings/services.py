"""Settings of the service apps (cases, feedback, search), each from the environment with the
default a province would start from. Star-imported by base.py."""

from __future__ import annotations

from tongban.config.env import env_int, env_list, env_str

# 办件: the clock turns yellow this many working days before the promised deadline.
TONGBAN_CASES_WARNING_DAYS = env_int("TONGBAN_CASES_WARNING_DAYS", 3)
TONGBAN_CASES_MAX_UPLOAD_BYTES = env_int("TONGBAN_CASES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Dotted path of a callable(content: bytes, file_name: str) -> "clean" | "infected" (virus scan hook).
TONGBAN_CASES_SCANNER = env_str("TONGBAN_CASES_SCANNER", "")
TONGBAN_CASES_NOTIFY_CHANNELS = env_list("TONGBAN_CASES_NOTIFY_CHANNELS", ["sms", "email"])
TONGBAN_CASES_EMAIL_FROM = env_str("TONGBAN_CASES_EMAIL_FROM", "")

# 好差评: the national text sets no deadlines for handling a bad review; provinces use 15 and 5.
TONGBAN_FEEDBACK = {
    "RECTIFY_WORKDAYS": env_int("TONGBAN_FEEDBACK_RECTIFY_WORKDAYS", 15),
    "REVISIT_WORKDAYS": env_int("TONGBAN_FEEDBACK_REVISIT_WORKDAYS", 5),
    "OPEN311_JURISDICTION": env_str("TONGBAN_OPEN311_JURISDICTION", ""),
}

# Search backend: "" follows the database (sqlite → FTS5, postgresql → tsvector).
TONGBAN_SEARCH_BACKEND = env_str("TONGBAN_SEARCH_BACKEND", "")
