"""Masking for showing audit entries on a terminal or in a report (`audit tail`).

Summaries are written masked by the services, but a terminal is a worse place to leak than the
database, so anything that still looks like an ID number, phone number, card number or e-mail
address is masked again on the way out."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

# Runs of 7+ digits (phones, ID numbers incl. a final X, card and account numbers).
_DIGIT_RUN = re.compile(r"\d{6,}[\dXx]")
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.)+[\w-]+")


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    keep_head = 3 if len(run) >= 11 else 2
    keep_tail = 4 if len(run) >= 11 else 2
    return run[:keep_head] + "*" * (len(run) - keep_head - keep_tail) + run[-keep_tail:]


def redact_text(text: str) -> str:
    text = _DIGIT_RUN.sub(_mask_run, text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@***", text)


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact_text(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**6:
        return redact_text(str(value))
    return value


def redact_json(value: Any) -> str:
    return json.dumps(redact_value(value), ensure_ascii=False, sort_keys=True)


def mask_ip(ip: str | None) -> str:
    if not ip:
        return "-"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "-"
    if address.version == 4:
        a, b, _c, _d = str(address).split(".")
        return f"{a}.{b}.*.*"
    groups = address.exploded.split(":")
    return ":".join(groups[:2]) + ":*"
