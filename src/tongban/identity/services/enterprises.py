"""Legal persons: the representative proves the enterprise against the legal-person registry
(法人库) and then authorises agents (经办人) for scopes and a period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.models import AuditEntry
from tongban.audit.services import audit_record
from tongban.core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import mask_credit_code, validate_credit_code
from tongban.core.models import Region
from tongban.identity.errors import RateLimited
from tongban.identity.models import AgentGrant, AgentScope, LegalPerson, User
from tongban.identity.registries import RegistryOutcome, legal_person_registry
from tongban.identity.services.common import conf

MAX_GRANT_DAYS = 3 * 366


def _problem(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields=[FieldProblem(field, message)])


def legal_person_verify(*, user: User, credit_code: str, name: str) -> LegalPerson:
    """The signed-in person claims to be the legal representative of the enterprise with this
    code and name; the legal-person registry confirms it against their verified name and ID
    number. Then the account becomes the enterprise's representative (replacing a previous
    one: the registry is the source of truth)."""
    if user.real_name_verified_at is None:
        raise Conflict(
            _("请先完成个人实名认证（L2），再进行法定代表人核验。"), code="real_name_missing"
        )
    code = validate_credit_code(credit_code, check_org_code=False)
    enterprise_name = " ".join(str(name or "").split())
    if not enterprise_name:
        raise _problem("name", _("请填写企业名称，与营业执照上的一致。"))
    failed_action = "identity.legal_person.verify_fail"
    recent = AuditEntry.objects.filter(
        actor=user, action=failed_action, occurred_at__gt=timezone.now() - timedelta(days=1)
    ).count()
    if recent >= int(conf("TONGBAN_VERIFY_MAX_FAILURES_PER_DAY")):
        raise RateLimited(_("今天法人核验失败次数过多，请明天再试或到窗口办理。"))
    error: DomainError | None = None
    legal_person: LegalPerson | None = None
    with transaction.atomic():
        answer = legal_person_registry().verify(
            credit_code=code,
            name=enterprise_name,
            representative_name=user.real_name,
            representative_id_number=user.id_number,
        )
        summary = {"credit_code": mask_credit_code(code), "outcome": answer.outcome.value}
        if not answer.matched:
            audit_record(actor=user, action=failed_action, obj=user, summary=summary)
            if answer.outcome in (RegistryOutcome.CANCELLED, RegistryOutcome.REVOKED):
                message = _("核验未通过：该统一社会信用代码对应的主体已注销或被吊销营业执照。")
            else:
                message = _(
                    "核验未通过：企业名称、统一社会信用代码与您的身份不是法人库登记的法定代表人"
                    "信息。请核对营业执照；经办人请由法定代表人在用户中心为您授权。"
                )
            error = ValidationFailed(message, code="legal_person_mismatch")
        else:
            legal_person = LegalPerson.objects.select_for_update().filter(credit_code=code).first()
            previous = legal_person.representative_id if legal_person else None
            if legal_person is None:
                legal_person = LegalPerson(
                    credit_code=code,
                    region=Region.objects.filter(code=code[2:8]).first(),
                )
            legal_person.name = enterprise_name
            legal_person.legal_representative = user.real_name
            legal_person.representative = user
            legal_person.verified_at = timezone.now()
            legal_person.save()
            audit_record(
                actor=user,
                action="identity.legal_person.verify",
                obj=legal_person,
                summary={
                    **summary,
                    "representative": user.get_username(),
                    "replaced_representative": previous not in (None, user.pk),
                },
            )
    if error is not None:
        raise error
    assert legal_person is not None  # noqa: S101
    return legal_person


def _require_representative(actor: User, legal_person: LegalPerson) -> None:
    if legal_person.representative_id != actor.pk or legal_person.verified_at is None:
        raise PermissionDenied(_("只有经过法人库核验的法定代表人才能管理经办人授权。"))


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(s) for s in scopes))
    unknown = [s for s in chosen if s not in AgentScope.values]
    if not chosen:
        raise _problem("scopes", _("请至少选择一项授权范围。"))
    if unknown:
        raise _problem("scopes", _("授权范围无效：%(s)s。") % {"s": "、".join(unknown)})
    return [s for s in AgentScope.values if s in chosen]


@transaction.atomic
def agent_grant_create(
    *,
    actor: User,
    legal_person: LegalPerson,
    agent: User,
    scopes: Iterable[str],
    valid_until: datetime,
) -> AgentGrant:
    """The representative authorises `agent` (a real-name verified account) for `scopes`
    until `valid_until` (at most three years)."""
    legal_person = LegalPerson.objects.select_for_update().get(pk=legal_person.pk)
    _require_representative(actor, legal_person)
    if agent.pk == actor.pk:
        raise _problem("agent", _("法定代表人本人无需授权。"))
    if agent.real_name_verified_at is None or not agent.is_active:
        raise _problem("agent", _("经办人须先完成实名认证（L2）。"))
    chosen = _clean_scopes(scopes)
    now = timezone.now()
    if valid_until <= now:
        raise _problem("valid_until", _("有效期必须晚于现在。"))
    if valid_until > now + timedelta(days=MAX_GRANT_DAYS):
        raise _problem("valid_until", _("授权有效期最长三年。"))
    if AgentGrant.objects.filter(
        legal_person=legal_person, agent=agent, revoked_at__isnull=True, valid_until__gt=now
    ).exists():
        raise Conflict(
            _("该经办人已有有效授权；如需调整，请先撤销原授权再重新授权。"),
            code="grant_exists",
        )
    grant = AgentGrant.objects.create(
        legal_person=legal_person,
        agent=agent,
        scopes=chosen,
        valid_until=valid_until,
        granted_by=actor,
    )
    audit_record(
        actor=actor,
        action="identity.agent_grant.create",
        obj=grant,
        summary={
            "legal_person": legal_person.credit_code,
            "agent": agent.get_username(),
            "scopes": chosen,
            "valid_until": valid_until,
        },
    )
    return grant


@transaction.atomic
def agent_grant_revoke(*, actor: User, grant: AgentGrant) -> AgentGrant:
    """The representative withdraws a grant; from now on the agent cannot act under it."""
    grant = AgentGrant.objects.select_for_update().select_related("legal_person").get(pk=grant.pk)
    _require_representative(actor, grant.legal_person)
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="identity.agent_grant.revoke",
        obj=grant,
        summary={"legal_person": grant.legal_person.credit_code, "agent_id": grant.agent_id},
    )
    return grant
