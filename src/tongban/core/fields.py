"""Model fields for personal data at rest (DEVELOPERS.md rule 5)."""

from __future__ import annotations

from typing import Any

from django.db import models

from tongban.core.crypto import blind_index, decrypt_text, encrypt_text


class EncryptedCharField(models.TextField):
    """Stores SM4-GCM ciphertext; Python code sees plain text. With `blind_index_field`, the
    named sibling column receives the keyed blind index on every save, so look-ups by exact
    value (`User.objects.filter(id_number_index=blind_index(v, purpose=...))`) need no clear text.
    Encrypted columns cannot be searched, ordered or compared in SQL: that is the point."""

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

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    @property
    def index_purpose(self) -> str:
        return self.crypto_context

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
