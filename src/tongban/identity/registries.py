"""Base registries behind one interface: the population registry (人口库) and the legal-person
registry (法人库).

A registry *verifies* what a person claims; it never *looks up* data for them. Answers carry an
outcome and nothing else: no corrected name, no status details beyond the outcome, so a caller
cannot use the platform to read the registries.

The adapters in use are chosen by settings (dotted paths):

    TONGBAN_PERSON_REGISTRY = "tongban.identity.registries.EmbeddedPersonRegistry"
    TONGBAN_LEGAL_PERSON_REGISTRY = "tongban.identity.registries.EmbeddedLegalPersonRegistry"

The embedded defaults answer from tables inside the platform (RegistryPerson,
RegistryLegalPerson), filled by the demo data and by `manage identity registry import`. A
connection to the real 人口库/法人库 (through the provincial data-sharing exchange) is a class
implementing the same method, named in the setting; its network calls must use core's outbound
client with timeouts.
"""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tongban.core.crypto import blind_index, normalise_for_index
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import validate_citizen_id, validate_credit_code
from tongban.identity.models import (
    LegalPersonStatus,
    PersonStatus,
    RegistryLegalPerson,
    RegistryPerson,
)


class RegistryOutcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"  # the number exists; some other claimed element differs
    NOT_FOUND = "not_found"
    DECEASED = "deceased"  # 人口库: 死亡注销
    CANCELLED = "cancelled"  # 人口库: other 注销; 法人库: 注销
    REVOKED = "revoked"  # 法人库: 吊销


@dataclass(frozen=True)
class RegistryAnswer:
    outcome: RegistryOutcome

    @property
    def matched(self) -> bool:
        return self.outcome == RegistryOutcome.MATCH


def normalise_name(value: str) -> str:
    """Names compare after NFKC (full-width letters of minority or foreign names) with spaces
    and the middle dot variants of transliterated names unified."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = "".join(text.split())
    return text.replace("•", "·").replace("・", "·").replace(".", "·")


class PersonRegistry(ABC):
    @abstractmethod
    def verify(self, *, name: str, id_number: str) -> RegistryAnswer:
        """Whether the 姓名 and 公民身份号码 belong together and the person is alive and
        registered (二要素核验)."""


class LegalPersonRegistry(ABC):
    @abstractmethod
    def verify(
        self,
        *,
        credit_code: str,
        name: str,
        representative_name: str,
        representative_id_number: str,
    ) -> RegistryAnswer:
        """Whether the enterprise exists under this code and name, is active, and has this
        person as its legal representative."""


class EmbeddedPersonRegistry(PersonRegistry):
    """Answers from RegistryPerson (the embedded default)."""

    def verify(self, *, name: str, id_number: str) -> RegistryAnswer:
        try:
            number = validate_citizen_id(id_number)
        except ValidationFailed:  # a malformed number is simply not in the registry
            return RegistryAnswer(RegistryOutcome.NOT_FOUND)
        purpose = RegistryPerson._meta.get_field("id_number").index_purpose  # type: ignore[union-attr]
        row = RegistryPerson.objects.filter(
            id_number_index=blind_index(number, purpose=purpose)
        ).first()
        if row is None or normalise_for_index(row.id_number) != number:
            return RegistryAnswer(RegistryOutcome.NOT_FOUND)
        if normalise_name(row.name) != normalise_name(name):
            return RegistryAnswer(RegistryOutcome.MISMATCH)
        if row.status == PersonStatus.DECEASED:
            return RegistryAnswer(RegistryOutcome.DECEASED)
        if row.status != PersonStatus.NORMAL:
            return RegistryAnswer(RegistryOutcome.CANCELLED)
        return RegistryAnswer(RegistryOutcome.MATCH)


class EmbeddedLegalPersonRegistry(LegalPersonRegistry):
    """Answers from RegistryLegalPerson (the embedded default)."""

    def verify(
        self,
        *,
        credit_code: str,
        name: str,
        representative_name: str,
        representative_id_number: str,
    ) -> RegistryAnswer:
        try:
            code = validate_credit_code(credit_code, check_org_code=False)
        except ValidationFailed:  # a malformed code is simply not in the registry
            return RegistryAnswer(RegistryOutcome.NOT_FOUND)
        row = RegistryLegalPerson.objects.filter(credit_code=code).first()
        if row is None:
            return RegistryAnswer(RegistryOutcome.NOT_FOUND)
        same = (
            normalise_name(row.name) == normalise_name(name)
            and normalise_name(row.representative_name) == normalise_name(representative_name)
            and normalise_for_index(row.representative_id_number)
            == normalise_for_index(representative_id_number)
        )
        if not same:
            return RegistryAnswer(RegistryOutcome.MISMATCH)
        if row.status == LegalPersonStatus.CANCELLED:
            return RegistryAnswer(RegistryOutcome.CANCELLED)
        if row.status == LegalPersonStatus.REVOKED:
            return RegistryAnswer(RegistryOutcome.REVOKED)
        return RegistryAnswer(RegistryOutcome.MATCH)


def _load[T](setting: str, default: str, interface: type[T]) -> T:
    path = getattr(settings, setting, None) or default
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"{setting} = {path!r} cannot be imported ({exc}). Set it to the dotted path of a "
            f"{interface.__name__} subclass, e.g. {default!r}."
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, interface)):
        raise ImproperlyConfigured(
            f"{setting} = {path!r} is not a subclass of "
            f"tongban.identity.registries.{interface.__name__}."
        )
    return cls()


def person_registry() -> PersonRegistry:
    return _load(
        "TONGBAN_PERSON_REGISTRY",
        "tongban.identity.registries.EmbeddedPersonRegistry",
        PersonRegistry,
    )


def legal_person_registry() -> LegalPersonRegistry:
    return _load(
        "TONGBAN_LEGAL_PERSON_REGISTRY",
        "tongban.identity.registries.EmbeddedLegalPersonRegistry",
        LegalPersonRegistry,
    )


def registry_is_embedded(registry: PersonRegistry | LegalPersonRegistry) -> bool:
    return isinstance(registry, EmbeddedPersonRegistry | EmbeddedLegalPersonRegistry)
