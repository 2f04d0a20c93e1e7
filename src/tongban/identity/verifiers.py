"""In-person and face checks that raise an account to L3 (实人认证), behind one interface.

TONGBAN_IN_PERSON_VERIFIERS lists the dotted paths of the verifiers in use. The default holds
only `WindowIdCardVerifier`: a window clerk checks the resident identity card of the person in
front of them — a real procedure that needs no vendor. A face-comparison service (人脸核验
against the 人口库 photo) is a FaceVerifier subclass supplied by the operator's vendor and
added to the list.

`DevelopmentFaceVerifier` approves everything. It exists so the L3 path can be tried on a
laptop, and refuses to be constructed unless TONGBAN_ALLOW_DEVELOPMENT_VERIFIER is true: it is
never a silent fake in production.
"""

from __future__ import annotations

import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core.crypto import normalise_for_index

logger = logging.getLogger("tongban.identity.verifiers")

DEFAULT_VERIFIERS = ["tongban.identity.verifiers.WindowIdCardVerifier"]


@dataclass(frozen=True)
class VerifierAnswer:
    passed: bool
    reference: str = ""  # the verifier's own record number, kept on the account
    message: str = ""  # why it failed, for the clerk (never registry data)


class InPersonVerifier(ABC):
    """`method` is stored on the account (User.in_person_method) as the record of how L3 was
    reached; `label` is shown to the clerk."""

    method: str = ""
    label: Any = ""

    @abstractmethod
    def verify(self, *, user: Any, clerk: Any, evidence: Mapping[str, str]) -> VerifierAnswer:
        """Check that the person present is the holder of `user`, with what the clerk entered
        or the device captured in `evidence`."""


class FaceVerifier(InPersonVerifier):
    """Face comparison (live capture against the registry photo), supplied by a vendor."""

    method = "face"
    label = gettext_lazy("人脸核验")


class WindowIdCardVerifier(InPersonVerifier):
    """At the window: the clerk reads the resident identity card (card reader or by eye) and
    compares its photo with the person. Evidence: `id_number` as read from the card and
    `photo_matches` = "yes" (the clerk's confirmation). The number must be the account's
    real-name verified number."""

    method = "window_id_card"
    label = gettext_lazy("窗口核验居民身份证")

    def verify(self, *, user: Any, clerk: Any, evidence: Mapping[str, str]) -> VerifierAnswer:
        if str(evidence.get("photo_matches", "")).lower() not in {"yes", "true", "1"}:
            return VerifierAnswer(False, message=_("请当面核对身份证照片与本人一致后再确认。"))
        read = normalise_for_index(str(evidence.get("id_number", "")).replace(" ", ""))
        if not read or read != normalise_for_index(user.id_number or ""):
            return VerifierAnswer(
                False, message=_("所读身份证号码与该账号实名认证的号码不一致，请核对证件。")
            )
        reference = str(evidence.get("reference", "")).strip()[:100]
        return VerifierAnswer(True, reference=reference or f"W-{secrets.token_hex(6).upper()}")


class DevelopmentFaceVerifier(FaceVerifier):
    """Development only: approves every check and says so in the log."""

    def __init__(self) -> None:
        if not getattr(settings, "TONGBAN_ALLOW_DEVELOPMENT_VERIFIER", False):
            raise ImproperlyConfigured(
                "DevelopmentFaceVerifier approves every face check and is for development only. "
                "Set TONGBAN_ALLOW_DEVELOPMENT_VERIFIER=1 to use it on purpose, or configure a "
                "real FaceVerifier in TONGBAN_IN_PERSON_VERIFIERS."
            )

    def verify(self, *, user: Any, clerk: Any, evidence: Mapping[str, str]) -> VerifierAnswer:
        logger.warning("DevelopmentFaceVerifier approved a face check without checking anything")
        return VerifierAnswer(True, reference=f"DEV-{secrets.token_hex(6).upper()}")


def configured_verifiers() -> dict[str, InPersonVerifier]:
    """The verifiers in use, by method. Misconfiguration raises ImproperlyConfigured."""
    paths = getattr(settings, "TONGBAN_IN_PERSON_VERIFIERS", None)
    if paths is None:
        paths = DEFAULT_VERIFIERS
    found: dict[str, InPersonVerifier] = {}
    for path in paths:
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"TONGBAN_IN_PERSON_VERIFIERS: {path!r} cannot be imported ({exc})."
            ) from exc
        if not (isinstance(cls, type) and issubclass(cls, InPersonVerifier)) or not cls.method:
            raise ImproperlyConfigured(
                f"TONGBAN_IN_PERSON_VERIFIERS: {path!r} is not an InPersonVerifier subclass "
                "with a `method`."
            )
        verifier = cls()
        found[verifier.method] = verifier
    return found
