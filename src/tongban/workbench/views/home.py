"""The workbench home (工作台首页): who I am, where I work, what I can open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core.context_processors import is_staff_user
from tongban.core.models import StaffRole
from tongban.core.selectors.organizations import staff_membership_list_own


@dataclass(frozen=True)
class Tile:
    """A workbench entry point. `url_name` stays empty until the feature ships (即将上线)."""

    key: str
    title: str | Promise
    description: str | Promise
    url_name: str = ""


TILES = {
    "acceptance": Tile(
        "acceptance",
        gettext_lazy("窗口受理"),
        gettext_lazy("一窗受理申请，核验材料，出具受理凭证"),
        "workbench:cases_window",
    ),
    "review": Tile(
        "review",
        gettext_lazy("审核办理"),
        gettext_lazy("在承诺时限内审查并作出决定"),
        "workbench:cases_queue",
    ),
    "cases": Tile(
        "cases",
        gettext_lazy("办件查询"),
        gettext_lazy("查询本部门办件的进度和记录"),
        "workbench:cases_queue",
    ),
    "appointments": Tile(
        "appointments",
        gettext_lazy("预约到场"),
        gettext_lazy("查看服务大厅当日预约，登记到场"),
        "workbench:cases_appointments",
    ),
    "supervision": Tile(
        "supervision",
        gettext_lazy("效能监察"),
        gettext_lazy("临近超期和已超期办件，督办预警"),
        "workbench:cases_supervision",
    ),
    "case_settings": Tile(
        "case_settings",
        gettext_lazy("秒批与办件设置"),
        gettext_lazy("容缺、告知承诺和秒批规则"),
        "workbench:cases_items",
    ),
    "catalog": Tile(
        "catalog",
        gettext_lazy("事项管理"),
        gettext_lazy("维护实施清单和办事指南"),
        "workbench:catalog_items",
    ),
    "licenses": Tile(
        "licenses",
        gettext_lazy("电子证照"),
        gettext_lazy("证照目录、制证签发、批量导入和信任列表"),
        "workbench:licenses",
    ),
    "hotline": Tile(
        "hotline",
        gettext_lazy("12345工单"),
        gettext_lazy("接听、答复、派发和回访热线诉求"),
        "workbench:feedback_desk",
    ),
    "feedback": Tile(
        "feedback",
        gettext_lazy("诉求与评价待办"),
        gettext_lazy("办理派发到本部门的工单和差评整改"),
        "workbench:feedback_department",
    ),
    "visit_rating": Tile(
        "visit_rating",
        gettext_lazy("现场评价"),
        gettext_lazy("为窗口服务生成评价二维码"),
        "workbench:feedback_visit",
    ),
    "sharing": Tile(
        "sharing",
        gettext_lazy("数据共享"),
        gettext_lazy("发布数据资源，审批共享申请"),
        "workbench:sharing_resources",
    ),
    "search": Tile(
        "search",
        gettext_lazy("搜索词库"),
        gettext_lazy("同义词、俗称和无结果搜索词"),
        "workbench:search_synonyms",
    ),
    "staff": Tile("staff", gettext_lazy("人员岗位"), gettext_lazy("管理本部门人员和岗位")),
    "audit": Tile(
        "audit", gettext_lazy("审计日志"), gettext_lazy("查阅操作记录和个人信息访问记录")
    ),
    "analytics": Tile(
        "analytics",
        gettext_lazy("好差评统计"),
        gettext_lazy("好差评、热线和办件时效的统计"),
        "workbench:feedback_rates",
    ),
}

ROLE_TILES: dict[str, tuple[str, ...]] = {
    StaffRole.WINDOW_CLERK: ("acceptance", "cases", "appointments", "visit_rating", "licenses"),
    StaffRole.REVIEWER: ("review", "cases", "feedback"),
    StaffRole.DEPARTMENT_ADMIN: (
        "staff",
        "cases",
        "supervision",
        "case_settings",
        "feedback",
        "licenses",
        "analytics",
    ),
    StaffRole.CATALOG_ADMIN: ("catalog", "case_settings", "search", "licenses"),
    StaffRole.HOTLINE_OPERATOR: ("hotline", "analytics"),
    StaffRole.DATA_OFFICER: ("sharing",),
    StaffRole.AUDITOR: ("audit",),
    StaffRole.PLATFORM_ADMIN: tuple(TILES),
}


def tiles_for_roles(roles: list[str]) -> list[Tile]:
    """The tiles of every role held, each once, in the order of the first role that grants it."""
    keys: dict[str, None] = {}
    for role in roles:
        for key in ROLE_TILES.get(role, ()):
            keys.setdefault(key, None)
    return [TILES[key] for key in keys]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not is_staff_user(user):
        raise PermissionDenied(
            _(
                "工作台仅供政务服务工作人员使用。如果您是办事群众或企业，请回到门户首页办理业务；"
                "如果您是工作人员，请联系本单位管理员为您开通工作台账号。"
            )
        )
    memberships = list(staff_membership_list_own(actor=user))
    roles = [m.role for m in memberships]
    context = {
        "memberships": memberships,
        "tiles": tiles_for_roles(roles),
        "show_admin": user.is_staff,
    }
    return render(request, "workbench/home.html", context)
