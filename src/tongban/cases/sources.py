"""Registries through which higher apps supply case materials and receive case results.

`cases` sits below `licenses` and `sharing` (DESIGN.md §2), so it cannot import them. Instead they
register here from their AppConfig.ready():

- a MaterialSource answers "what can stand in for this material for this applicant?" (用证 /
  免提交), records the applicant's authorization for one case, and later shows the reviewer the
  verified content, logging every access;
- a ResultIssuer turns an approved case whose result is a license into that license (the cases
  app calls it when the case is decided).

Values crossing the boundary are plain dataclasses, never the other app's models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class MaterialNeed:
    """One material of a guide, as a source needs to see it."""

    code: str  # the guide's material code (unique within the guide)
    name: str
    license_type_code: str = ""  # CN-LIC-… when an e-license can replace it
    data_resource_code: str = ""  # a sharing resource code when shared data can replace it


@dataclass(frozen=True)
class Holder:
    """Whose documents are wanted: the applicant person, or the enterprise an agent acts for."""

    user_id: int  # the signed-in person applying (the holder, or the agent)
    holder_kind: str  # "person" | "organisation"
    holder_key: str  # ID number (person) or unified social credit code (organisation), plaintext
    holder_name: str


@dataclass(frozen=True)
class MaterialOffer:
    """Something the applicant could authorize instead of uploading paper."""

    source: str  # the registering source's key: "license", "sharing"
    reference: str  # source-specific: a license identifier, a resource code
    label: str  # what the applicant sees, e.g. "电子证照：营业执照（成都市市场监督管理局 2024-03-01 签发）"
    issuer: str  # department name shown to the reviewer ("obtained from …")


@dataclass(frozen=True)
class MaterialEvidence:
    """What was authorized for one material of one case; the case stores these values."""

    source: str
    reference: str  # e.g. the use grant's id, or the exchange log id
    label: str
    issuer: str
    obtained_at: str  # ISO 8601
    content: dict[str, Any] = field(default_factory=dict)  # verified fields shown to the reviewer


class MaterialSource(Protocol):
    key: str

    def offers(self, *, holder: Holder, need: MaterialNeed) -> list[MaterialOffer]: ...

    def authorize(
        self, *, holder: Holder, need: MaterialNeed, reference: str, case_number: str, purpose: str
    ) -> MaterialEvidence:
        """Record the applicant's consent for this case (a use grant), return the evidence."""
        ...

    def evidence_for_reviewer(
        self, *, reviewer: Any, evidence: MaterialEvidence, case_number: str, purpose: str
    ) -> MaterialEvidence:
        """Re-read the verified content for a reviewer; every call is logged by the source."""
        ...


@dataclass(frozen=True)
class CaseResult:
    """The approved case, as an issuer needs to see it."""

    case_number: str
    item_code: str
    license_type_code: str
    implementing_body_id: int
    holder: Holder
    form_data: dict[str, Any]
    decided_at: str  # ISO 8601


@dataclass(frozen=True)
class IssuedResult:
    reference: str  # e.g. the license identifier
    label: str
    url: str = ""


class ResultIssuer(Protocol):
    key: str

    def issue_for_case(self, *, result: CaseResult) -> IssuedResult: ...


_material_sources: dict[str, MaterialSource] = {}
_result_issuers: dict[str, ResultIssuer] = {}


def register_material_source(source: MaterialSource) -> None:
    _material_sources[source.key] = source


def register_result_issuer(issuer: ResultIssuer) -> None:
    _result_issuers[issuer.key] = issuer


def material_sources() -> list[MaterialSource]:
    return list(_material_sources.values())


def material_source(key: str) -> MaterialSource | None:
    return _material_sources.get(key)


def result_issuer(key: str) -> ResultIssuer | None:
    """The issuer for a result kind; "license" is registered by the licenses app."""
    return _result_issuers.get(key)


# --- Case listeners ------------------------------------------------------------------------------


class CaseListener(Protocol):
    def __call__(self, *, case: Any, action: str, actor: Any) -> Any: ...


_case_listeners: list[CaseListener] = []


def register_case_listener(fn: CaseListener) -> None:
    """A higher app (e.g. feedback, to invite a rating) wants to hear of 受理 ("accept") and 办结
    ("complete"). Registering the same function twice keeps one."""
    if fn not in _case_listeners:
        _case_listeners.append(fn)


def case_listeners() -> list[CaseListener]:
    return list(_case_listeners)


def notify_case_listeners(*, case: Any, action: str, actor: Any) -> None:
    """Call every listener once the transaction commits (never for a rolled-back transition);
    a failing listener is logged and does not affect the case or the other listeners."""
    from django.db import transaction

    for fn in _case_listeners:
        transaction.on_commit(
            lambda fn=fn: fn(case=case, action=action, actor=actor),
            robust=True,
        )
