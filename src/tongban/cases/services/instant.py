"""Per-item case settings and 秒批 (instant approval by declarative rules).

A rule is a list of conditions over the form data and the verified materials (e-licenses and
shared data; an upload never counts as verified). When the item has 秒批 switched on and every
condition of an active rule holds at submission, the system accepts, approves and completes the
case at once; the decision records the rule and the evaluation trace, reviewers see the rules
as written, every automatic decision is audited, and a reviewer can override it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    Decision,
    InstantRule,
    ItemCasePolicy,
    MaterialStatus,
    SatisfiedBy,
)
from tongban.cases.models.handling import BusinessAction, DecisionOutcome, EventStage
from tongban.cases.services.common import (
    accept_step,
    case_guide,
    lock_case,
    record_event,
    require_role,
    save_case,
)
from tongban.cases.services.notifications import notify_applicant, title_for
from tongban.catalog.models import ImplementationItem
from tongban.core.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from tongban.core.models import StaffRole
from tongban.core.scopes import staff_scope

logger = logging.getLogger("tongban.cases.instant")

FIELD_OPS = {"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "present", "absent"}
MATERIAL_OPS = {"present", "verified"}


def policy_for(item: ImplementationItem | int | None) -> ItemCasePolicy:
    """The item's settings, or the defaults (unsaved) when it has none."""
    if item is None:
        return ItemCasePolicy()
    item_id = item if isinstance(item, int) else item.pk
    policy = ItemCasePolicy.objects.filter(item_id=item_id).first()
    return policy or ItemCasePolicy(item_id=item_id)


def _require_item_admin(actor: Any, item: ImplementationItem) -> None:
    scope = staff_scope(actor, roles=[StaffRole.CATALOG_ADMIN, StaffRole.DEPARTMENT_ADMIN])
    if not scope.covers(region_code=item.region_id, department_id=item.department_id):
        raise PermissionDenied(_("只有该事项所属部门的管理员或事项管理员可以修改办件设置。"))


POLICY_FIELDS = {
    "allows_tolerance",
    "tolerance_days",
    "allows_commitment",
    "commitment_template",
    "commitment_check_days",
    "instant_enabled",
    "is_joint",
    "correction_days",
}


@transaction.atomic
def item_policy_save(*, actor: Any, item: ImplementationItem, **values: Any) -> ItemCasePolicy:
    """Change an item's case settings (容缺, 告知承诺, 秒批, joint handling, deadlines)."""
    _require_item_admin(actor, item)
    unknown = set(values) - POLICY_FIELDS
    if unknown:
        raise ValidationFailed(
            _("未知的设置项。"),
            fields=[FieldProblem(k, _("未知的设置项。")) for k in sorted(unknown)],
        )
    policy, _created = ItemCasePolicy.objects.get_or_create(item=item)
    for key, value in values.items():
        setattr(policy, key, value)
    if policy.allows_commitment and not policy.commitment_template.strip():
        raise ValidationFailed(
            _("实行告知承诺制须提供承诺书文本。"),
            fields=[FieldProblem("commitment_template", _("此项为必填项。"))],
        )
    policy.save()
    audit_record(
        actor=actor,
        action="cases.policy.save",
        obj=policy,
        summary={
            "item": item.code,
            **{k: v for k, v in values.items() if k != "commitment_template"},
        },
    )
    return policy


def validate_conditions(conditions: Any) -> list[dict[str, Any]]:
    problems: list[FieldProblem] = []
    if not isinstance(conditions, list) or not conditions:
        raise ValidationFailed(
            _("秒批规则至少需要一个条件。"), fields=[FieldProblem("conditions", _("请添加条件。"))]
        )
    for i, c in enumerate(conditions):
        path = f"conditions[{i}]"
        if not isinstance(c, dict):
            problems.append(FieldProblem(path, _("条件格式不正确。")))
            continue
        op = c.get("op")
        if "field" in c:
            if op not in FIELD_OPS:
                problems.append(FieldProblem(path, _("不支持的比较方式“%(op)s”。") % {"op": op}))
            elif op not in {"present", "absent"} and "value" not in c:
                problems.append(FieldProblem(path, _("请填写比较的值。")))
        elif "license" in c or "material" in c:
            if "content" in c:
                if op not in FIELD_OPS:
                    problems.append(
                        FieldProblem(path, _("不支持的比较方式“%(op)s”。") % {"op": op})
                    )
            elif op not in MATERIAL_OPS:
                problems.append(FieldProblem(path, _("材料条件只支持 present / verified。")))
        else:
            problems.append(
                FieldProblem(
                    path, _("条件须指明表单字段（field）、证照（license）或材料（material）。")
                )
            )
    if problems:
        raise ValidationFailed(_("秒批规则有误。"), fields=problems)
    return conditions


@transaction.atomic
def instant_rule_save(
    *,
    actor: Any,
    item: ImplementationItem,
    name: str,
    conditions: list[dict[str, Any]],
    decision_text: str = "",
    is_active: bool = True,
    rule: InstantRule | None = None,
) -> InstantRule:
    _require_item_admin(actor, item)
    validate_conditions(conditions)
    if not name.strip():
        raise ValidationFailed(
            _("请填写规则名称。"), fields=[FieldProblem("name", _("此项为必填项。"))]
        )
    if rule is None:
        rule = InstantRule(item=item, created_by=actor)
    else:
        rule.revision += 1
    rule.name = name
    rule.conditions = conditions
    rule.decision_text = decision_text
    rule.is_active = is_active
    rule.save()
    audit_record(
        actor=actor,
        action="cases.instant_rule.save",
        obj=rule,
        summary={
            "item": item.code,
            "name": name,
            "revision": rule.revision,
            "conditions": conditions,
        },
    )
    return rule


# --- evaluation --------------------------------------------------------------------------------


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "present":
        return actual not in (None, "", [], False)
    if op == "absent":
        return actual in (None, "", [], False)
    try:
        if op == "eq":
            return actual == expected
        if op == "ne":
            return actual != expected
        if op == "in":
            return actual in expected
        if op == "not_in":
            return actual not in expected
        a, e = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}.get(op, False)


@dataclass(frozen=True)
class InstantOutcome:
    matched: bool
    rule: InstantRule | None
    trace: list[dict[str, Any]]


def instant_evaluate(case: Case, rules: list[InstantRule] | None = None) -> InstantOutcome:
    """Evaluate the item's active rules; the first whose conditions all hold wins. The trace
    records each condition and whether it held (kept on the decision)."""
    if rules is None:
        rules = list(InstantRule.objects.filter(item_id=case.item_id, is_active=True))
    materials = {m.code: m for m in CaseMaterial.objects.filter(case=case)}
    license_codes = {
        (m.code or f"m{i}"): m.license_type_code
        for i, m in enumerate(case_guide(case).materials, start=1)
    }
    trace: list[dict[str, Any]] = []
    for rule in rules:
        trace = []
        ok = True
        for c in rule.conditions:
            op = c.get("op")
            if "field" in c:
                held = _compare(op, case.form_data.get(c["field"]), c.get("value"))
            else:
                if "license" in c:
                    candidates = [
                        m
                        for code, m in materials.items()
                        if license_codes.get(code) == c["license"]
                        and m.satisfied_by == SatisfiedBy.LICENSE
                    ]
                else:
                    m = materials.get(c["material"])
                    candidates = [m] if m is not None else []
                verified = [
                    m
                    for m in candidates
                    if m.status == MaterialStatus.PROVIDED
                    and m.satisfied_by in (SatisfiedBy.LICENSE, SatisfiedBy.SHARING)
                ]
                if "content" in c:
                    held = any(
                        _compare(
                            op, (m.evidence.get("content") or {}).get(c["content"]), c.get("value")
                        )
                        for m in verified
                    )
                elif op == "present":
                    held = any(m.status == MaterialStatus.PROVIDED for m in candidates)
                else:
                    held = bool(verified)
            trace.append({"condition": c, "held": held})
            ok = ok and held
        if ok:
            return InstantOutcome(True, rule, trace)
    return InstantOutcome(False, None, trace)


def instant_try(*, case: Case) -> bool:
    """Called at submission (inside its transaction): decide at once when 秒批 applies."""
    from tongban.cases.services.lifecycle import _accept_locked, _decide, complete_locked

    policy = policy_for(case.item_id)
    if not policy.instant_enabled or case.status != CaseStatus.SUBMITTED or case.parent_id:
        return False
    outcome = instant_evaluate(case)
    if not outcome.matched:
        return False
    missing = CaseMaterial.objects.filter(
        case=case, required=True, status=MaterialStatus.PENDING
    ).exists()
    if missing and not case.commitment:
        return False
    step = accept_step(case)
    _accept_locked(
        case,
        actor=None,
        step=step,
        opinion="",
        tolerated=[],
        tolerated_days=None,
        document_number="",
        policy=policy,
    )
    record_event(
        case,
        action="accept",
        actor=None,
        stage=EventStage.ACCEPT,
        from_status=CaseStatus.SUBMITTED,
        business_action=BusinessAction.PASS,
        step=step,
        label=_("秒批自动受理"),
    )
    decision = _decide(
        case,
        actor=None,
        outcome=DecisionOutcome.APPROVE,
        text=outcome.rule.decision_text if outcome.rule else "",
        reason=_("符合秒批规则“%(rule)s”") % {"rule": outcome.rule.name if outcome.rule else ""},
        legal_basis="",
        document_number="",
        automatic=True,
        rule=outcome.rule,
        trace=outcome.trace,
    )
    record_event(
        case,
        action="approve",
        actor=None,
        stage=EventStage.PROCESS,
        from_status=CaseStatus.IN_PROGRESS,
        business_action=BusinessAction.PASS,
        document_number=decision.document_number,
        data={"rule": outcome.rule.pk if outcome.rule else None, "trace": outcome.trace},
        label=_("秒批自动审批通过"),
    )
    case.instant = True
    case.save(update_fields=["instant"])
    complete_locked(case, actor=None)
    audit_record(
        actor=None,
        action="cases.case.instant_approve",
        obj=case,
        summary={
            "number": case.number,
            "rule": outcome.rule.name if outcome.rule else "",
            "revision": outcome.rule.revision if outcome.rule else 0,
            "trace": outcome.trace,
        },
    )
    return True


@transaction.atomic
def case_instant_override(*, actor: Any, case: Case, reason: str, legal_basis: str) -> Decision:
    """A reviewer overrides an automatic approval (人工改判): the decision becomes a denial with
    reasons; an e-license already issued is revoked through the licenses app."""
    if not reason.strip() or not legal_basis.strip():
        raise ValidationFailed(
            _("人工改判须写明理由和依据。"),
            fields=[
                FieldProblem(k, _("此项为必填项。"))
                for k, v in (("reason", reason), ("legal_basis", legal_basis))
                if not v.strip()
            ],
        )
    locked = lock_case(case)
    require_role(actor, locked, StaffRole.REVIEWER)
    decision = Decision.objects.filter(case=locked).first()
    if decision is None or not decision.automatic or decision.overridden_at is not None:
        raise Conflict(_("只有尚未改判的秒批决定可以人工改判。"), code="not_automatic")
    if locked.status not in (
        CaseStatus.APPROVED,
        CaseStatus.COMPLETED,
        CaseStatus.DELIVERED,
    ):
        raise Conflict(_("办件当前状态不能改判。"), code="invalid_transition")
    from_status = locked.status
    decision.outcome = DecisionOutcome.DENY
    decision.reason = reason
    decision.legal_basis = legal_basis
    decision.overridden_at = timezone.now()
    decision.overridden_by = actor
    decision.save()
    if locked.status == CaseStatus.APPROVED:
        locked.status = CaseStatus.DENIED
    save_case(locked, ["status"])
    record_event(
        locked,
        action="override",
        actor=actor,
        stage=EventStage.PROCESS,
        from_status=from_status,
        business_action=BusinessAction.RETURN,
        opinion=reason,
        legal_basis=legal_basis,
        document_number=decision.document_number,
        data={"result_reference": decision.result_reference},
    )
    notify_applicant(
        case=locked,
        kind="denied",
        title=title_for("denied"),
        body=_("办件%(number)s的自动审批结果经人工复核改为不予许可。理由：%(reason)s")
        % {"number": locked.number, "reason": reason},
    )
    audit_record(
        actor=actor,
        action="cases.case.instant_override",
        obj=locked,
        summary={"number": locked.number, "from": from_status},
        reason=reason,
    )
    return decision
