"""The case state machine (standards.md §3.2): which action is allowed from which status.

Every transition is its own service in cases/services/; each one checks `require_action` under
the row lock before changing anything, so a refused action changes nothing and says why."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.cases.models import CaseStatus
from tongban.core.errors import Conflict

S = CaseStatus

# action -> (allowed from, label shown in history and errors)
ACTIONS: dict[str, tuple[frozenset[str], object]] = {
    "save_draft": (frozenset({S.DRAFT}), gettext_lazy("暂存")),
    "submit": (frozenset({S.DRAFT}), gettext_lazy("提交申请")),
    "withdraw": (
        frozenset({S.DRAFT, S.SUBMITTED, S.CORRECTION, S.IN_PROGRESS, S.SUSPENDED}),
        gettext_lazy("撤回申请"),
    ),
    "pre_review": (frozenset({S.SUBMITTED}), gettext_lazy("网上预审")),
    "accept": (frozenset({S.SUBMITTED}), gettext_lazy("受理")),
    "not_accept": (frozenset({S.SUBMITTED, S.CORRECTION}), gettext_lazy("不予受理")),
    "request_correction": (frozenset({S.SUBMITTED, S.IN_PROGRESS}), gettext_lazy("补正告知")),
    "correction_submit": (frozenset({S.CORRECTION}), gettext_lazy("提交补正材料")),
    "claim": (frozenset({S.SUBMITTED, S.IN_PROGRESS, S.APPROVED, S.DENIED}), gettext_lazy("认领")),
    "assign": (
        frozenset({S.SUBMITTED, S.IN_PROGRESS, S.APPROVED, S.DENIED, S.SUSPENDED}),
        gettext_lazy("分派"),
    ),
    "forward": (frozenset({S.IN_PROGRESS}), gettext_lazy("转下一环节")),
    "return": (frozenset({S.IN_PROGRESS}), gettext_lazy("退回上一环节")),
    "approve": (frozenset({S.IN_PROGRESS}), gettext_lazy("准予许可")),
    "deny": (frozenset({S.IN_PROGRESS}), gettext_lazy("不予许可")),
    "override": (frozenset({S.APPROVED, S.DENIED}), gettext_lazy("人工改判")),
    "suspend": (frozenset({S.IN_PROGRESS}), gettext_lazy("启动特别程序")),
    "resume": (frozenset({S.SUSPENDED}), gettext_lazy("结束特别程序")),
    "extend": (frozenset({S.IN_PROGRESS, S.SUSPENDED}), gettext_lazy("申请延长审批")),
    "supply_material": (
        frozenset({S.IN_PROGRESS, S.SUSPENDED, S.APPROVED, S.DENIED}),
        gettext_lazy("补齐容缺材料"),
    ),
    "complete": (frozenset({S.APPROVED, S.DENIED}), gettext_lazy("办结")),
    "deliver": (frozenset({S.COMPLETED}), gettext_lazy("送达")),
}

# Where each action leads (None: the status does not change, or depends on the workflow).
TARGET: dict[str, str | None] = {
    "submit": S.SUBMITTED,
    "withdraw": S.WITHDRAWN,
    "accept": S.IN_PROGRESS,
    "not_accept": S.NOT_ACCEPTED,
    "request_correction": S.CORRECTION,
    "correction_submit": None,  # back to SUBMITTED, or IN_PROGRESS when corrected after acceptance
    "approve": S.APPROVED,
    "deny": S.DENIED,
    "suspend": S.SUSPENDED,
    "resume": S.IN_PROGRESS,
    "complete": S.COMPLETED,
    "deliver": S.DELIVERED,
}


def action_label(action: str) -> str:
    entry = ACTIONS.get(action)
    return str(entry[1]) if entry else action


def can(action: str, status: str) -> bool:
    entry = ACTIONS.get(action)
    return entry is not None and status in entry[0]


def require_action(action: str, status: str) -> None:
    """Refuse an action the current status does not allow, naming both (Conflict, 409)."""
    if not can(action, status):
        raise Conflict(
            _("办件当前状态为“%(status)s”，不能执行“%(action)s”。请刷新页面查看最新状态。")
            % {"status": CaseStatus(status).label, "action": action_label(action)},
            code="invalid_transition",
        )
