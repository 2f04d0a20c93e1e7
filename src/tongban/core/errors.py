"""Domain errors with stable codes. Interfaces map them to HTTP once (api/errors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """A rule was broken. `message` is user-facing Simplified Chinese (translated via i18n)."""

    message: str
    code: str = "invalid"
    fields: list[FieldProblem] = field(default_factory=list)
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(DomainError):
    def __init__(
        self,
        message: str,
        *,
        fields: list[FieldProblem] | None = None,
        code: str = "validation_failed",
    ) -> None:
        super().__init__(message=message, code=code, fields=fields or [], status=422)


class NotFound(DomainError):
    """Raised the same whether the object is missing or outside the caller's scope (no leaks)."""

    def __init__(self, message: str = "", *, code: str = "not_found") -> None:
        super().__init__(
            message=message or _("未找到该对象，或您无权查看。"), code=code, status=404
        )


class PermissionDenied(DomainError):
    def __init__(self, message: str = "", *, code: str = "permission_denied") -> None:
        super().__init__(message=message or _("您没有执行此操作的权限。"), code=code, status=403)


class Conflict(DomainError):
    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message=message, code=code, status=409)
