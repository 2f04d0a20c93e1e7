"""Sending text messages (SMS) through a pluggable backend.

TONGBAN_SMS_BACKEND names the backend:

- "console": writes the message to the log (development; the code appears in var/server.log);
- "file": appends one JSON line per message to TONGBAN_SMS_OUTBOX (default var/sms-outbox.log),
  for scripts and tests that need to read the code;
- "memory": keeps messages in `outbox` in this process (the test suite);
- any other value: the dotted path of an SmsSender subclass (the operator's SMS gateway).

With DEBUG on the default is "console"; otherwise the setting is required and a missing or
unknown value raises ImproperlyConfigured the first time a message is to be sent (before
the code is stored), never a silent drop.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from tongban.core.identifiers import mask_phone

logger = logging.getLogger("tongban.identity.sms")


class SmsSender(ABC):
    @abstractmethod
    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to the mobile number `phone` (11 digits, no prefix)."""


class ConsoleSmsSender(SmsSender):
    """Development only: the message goes to the log. Whoever reads the log can sign in as
    anyone whose code is there, which is why it is never the production default."""

    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s (console backend, development only): %s", mask_phone(phone), text)


class FileSmsSender(SmsSender):
    """Development and tests: one JSON object per line, appended to TONGBAN_SMS_OUTBOX."""

    _lock = threading.Lock()

    def path(self) -> Path:
        configured = getattr(settings, "TONGBAN_SMS_OUTBOX", "")
        return Path(configured) if configured else Path(settings.VAR_DIR) / "sms-outbox.log"

    def send(self, phone: str, text: str) -> None:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False
        )
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


@dataclass(frozen=True)
class SentMessage:
    phone: str
    text: str


outbox: list[SentMessage] = []


class MemorySmsSender(SmsSender):
    """Tests: messages are appended to `tongban.identity.sms.outbox`."""

    def send(self, phone: str, text: str) -> None:
        outbox.append(SentMessage(phone=phone, text=text))


BUILTIN_BACKENDS: dict[str, type[SmsSender]] = {
    "console": ConsoleSmsSender,
    "file": FileSmsSender,
    "memory": MemorySmsSender,
}


def configured_backend_name() -> str:
    name = getattr(settings, "TONGBAN_SMS_BACKEND", "") or ""
    if not name and settings.DEBUG:
        return "console"
    return name


def get_sms_sender() -> SmsSender:
    name = configured_backend_name()
    if not name:
        raise ImproperlyConfigured(
            "TONGBAN_SMS_BACKEND is not set. In production set it to the dotted path of your SMS "
            "gateway's SmsSender subclass; for development use 'console' or 'file' "
            "(see tongban/identity/sms.py)."
        )
    if name in BUILTIN_BACKENDS:
        return BUILTIN_BACKENDS[name]()
    try:
        cls = import_string(name)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"TONGBAN_SMS_BACKEND = {name!r} is neither 'console', 'file', 'memory' nor an "
            f"importable dotted path ({exc})."
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, SmsSender)):
        raise ImproperlyConfigured(
            f"TONGBAN_SMS_BACKEND = {name!r} is not a subclass of tongban.identity.sms.SmsSender."
        )
    return cls()
