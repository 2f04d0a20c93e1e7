"""Model fields for personal data at rest (ID numbers, phone numbers, addresses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from tongban.core.crypto import blind_index, decrypt_text, encrypt_text


class _EmptyOnlyExact(Exact):
    """`field=""` (no value stored) is the one comparison that means something: every other
    value is encrypted with a fresh nonce and would silently match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            field = self.lhs.output_field
            raise FieldError(_lookup_hint(field))
        return super().get_prep_lookup()


def _lookup_hint(field: Any) -> str:
    sibling = getattr(field, "blind_index_field", None)
    name = getattr(field, "name", "this field")
    if sibling:
        return (
            f"{name} is encrypted and cannot be compared in SQL; filter on {sibling} with "
            f"blind_index(value, purpose=<model>._meta.get_field({name!r}).index_purpose)."
        )
    return f"{name} is encrypted and has no blind index: it cannot be searched or compared."


class EncryptedCharField(models.TextField):
    """Stores SM4-GCM ciphertext; Python code sees plain text. With `blind_index_field`, the
    named sibling column receives the keyed blind index on every save, so look-ups by exact
    value (`User.objects.filter(id_number_index=blind_index(v, purpose=...))`) need no clear text.

    Encrypted columns cannot be searched, ordered or compared in SQL: that is the point, and a
    filter other than `isnull` or `=""` raises FieldError instead of silently matching nothing.
    `QuerySet.update(field=…)` bypasses `pre_save` and would leave the blind index stale: change
    these fields through `save()` (services do)."""

    description = "Text encrypted at rest (SM4-GCM)"

    def __init__(self, *args: Any, blind_index_field: str | None = None, **kwargs: Any) -> None:
        self.blind_index_field = blind_index_field
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index_field:
            kwargs["blind_index_field"] = self.blind_index_field
        if kwargs.get("default") == "":
            kwargs.pop("default")
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.blind_index_field:
            try:
                sibling = self.model._meta.get_field(self.blind_index_field)
            except FieldDoesNotExist:
                errors.append(
                    checks.Error(
                        f"blind_index_field {self.blind_index_field!r} is not a field of "
                        f"{self.model._meta.label}.",
                        obj=self,
                        id="tongban.E001",
                    )
                )
            else:
                if getattr(sibling, "max_length", None) is None or sibling.max_length < 64:
                    errors.append(
                        checks.Error(
                            f"{self.model._meta.label}.{self.blind_index_field} must be a "
                            "CharField with max_length >= 64 (HMAC-SM3 hex).",
                            obj=self,
                            id="tongban.E002",
                        )
                    )
        if self.unique or self.db_index:
            errors.append(
                checks.Error(
                    "An encrypted field cannot be unique or indexed (every value has a fresh "
                    "nonce); put the constraint or index on its blind index field.",
                    obj=self,
                    id="tongban.E003",
                )
            )
        return errors

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    @property
    def index_purpose(self) -> str:
        return self.crypto_context

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise FieldError(_lookup_hint(self))

    def get_transform(self, name: str) -> Any:
        return None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value), context=self.crypto_context)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.blind_index_field:
            setattr(
                model_instance,
                self.blind_index_field,
                blind_index(value or "", purpose=self.index_purpose),
            )
        return value

    def formfield(self, **kwargs: Any) -> Any:
        # A one-line input, not the Textarea of TextField: these hold short values.
        defaults: dict[str, Any] = {"form_class": forms.CharField, "widget": forms.TextInput}
        defaults.update(kwargs)
        return super().formfield(**defaults)
