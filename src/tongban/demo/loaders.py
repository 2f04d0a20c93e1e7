"""Demo data for `./dev.sh run`: real divisions, realistic departments of 四川省 and 重庆市, and one
account per staff role plus a citizen and an enterprise agent.

Idempotent: everything is looked up by a natural key first and created only when missing, so a
second `demo load` creates nothing (and writes no audit entry). State is created through the
services (regions_load, department_create, …), so the audit log shows the demo's history too.

All identifiers below are DEMO VALUES: the credit codes and ID numbers are well-formed (check
digits computed) but made up; they do not identify real organisations or people.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tongban.core.identifiers import citizen_id_with_check, credit_code_build
from tongban.core.models import Department, ImplementingBody, Region, StaffMembership, StaffRole
from tongban.core.models.organizations import BodyNature
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
)
from tongban.core.services.regions import regions_load
from tongban.demo import cases_demo, feedback_demo, licenses_demo, search_demo, sharing_demo
from tongban.demo.catalog_build import load_demo_catalog
from tongban.identity.models import AccountKind, AgentScope, AssuranceLevel, LegalPerson, User
from tongban.identity.selectors import agent_grants_active_for
from tongban.identity.services import (
    account_verify_by_operator,
    agent_grant_create,
    legal_person_verify,
    registry_legal_persons_import,
    registry_persons_import,
)

DEMO_PASSWORD = "Tongban@2026"  # noqa: S105 - printed for the demo; demo databases only


@dataclass(frozen=True)
class DemoDepartment:
    region: str
    name: str
    short_name: str
    phone: str = ""
    address: str = ""


# Department names follow the official style (a district bureau carries its city's name).
DEPARTMENTS: tuple[DemoDepartment, ...] = (
    # 四川省 (省级)
    DemoDepartment("510000", "四川省市场监督管理局", "省市场监管局", "028-12315", "成都市青羊区"),
    DemoDepartment("510000", "四川省公安厅", "省公安厅", "028-86302110", "成都市锦江区"),
    DemoDepartment("510000", "四川省人力资源和社会保障厅", "省人社厅", "028-12333", "成都市青羊区"),
    DemoDepartment("510000", "四川省民政厅", "省民政厅", "028-86623150", "成都市青羊区"),
    DemoDepartment(
        "510000", "四川省卫生健康委员会", "省卫生健康委", "028-86136521", "成都市武侯区"
    ),
    DemoDepartment("510000", "四川省住房和城乡建设厅", "省住建厅", "028-83337121", "成都市青羊区"),
    # 成都市 (市级)
    DemoDepartment("510100", "成都市市场监督管理局", "市市场监管局", "028-12315", "成都市锦江区"),
    DemoDepartment("510100", "成都市公安局", "市公安局", "028-86407110", "成都市武侯区"),
    DemoDepartment("510100", "成都市人力资源和社会保障局", "市人社局", "028-12333", "成都市高新区"),
    DemoDepartment("510100", "成都市行政审批局", "市行政审批局", "028-12345", "成都市高新区"),
    DemoDepartment("510100", "成都市民政局", "市民政局", "028-61885701", "成都市青羊区"),
    # 成都市锦江区 (县级)
    DemoDepartment("510104", "成都市锦江区行政审批局", "锦江区行政审批局", "028-86658000"),
    DemoDepartment("510104", "成都市锦江区市场监督管理局", "锦江区市场监管局", "028-84719315"),
    DemoDepartment("510104", "成都市锦江区民政局", "锦江区民政局", "028-86659263"),
    DemoDepartment("510104", "成都市锦江区人力资源和社会保障局", "锦江区人社局", "028-86664433"),
    # 成都市青羊区 (县级)
    DemoDepartment("510105", "成都市青羊区行政审批局", "青羊区行政审批局", "028-61881234"),
    DemoDepartment("510105", "成都市青羊区市场监督管理局", "青羊区市场监管局", "028-86150315"),
    DemoDepartment("510105", "成都市青羊区民政局", "青羊区民政局", "028-61881123"),
    # 重庆市 and 渝中区 (川渝通办)
    DemoDepartment("500000", "重庆市市场监督管理局", "重庆市市场监管局", "023-12315"),
    DemoDepartment("500103", "重庆市渝中区市场监督管理局", "渝中区市场监管局", "023-63765315"),
    DemoDepartment("500103", "重庆市渝中区民政局", "渝中区民政局", "023-63847132"),
    DemoDepartment("500103", "重庆市渝中区人力资源和社会保障局", "渝中区人社局", "023-63706300"),
    # 街道 (乡级): the codes are the real township codes of the Ministry's table.
    DemoDepartment("510104003", "成都市锦江区春熙路街道办事处", "春熙路街道", "028-86652345"),
    DemoDepartment("510105015", "成都市青羊区少城街道办事处", "少城街道", "028-86256543"),
    DemoDepartment("500103003", "重庆市渝中区解放碑街道办事处", "解放碑街道", "023-63831234"),
)


def demo_credit_code(department: DemoDepartment) -> str:
    """DEMO VALUE. 1 (机构编制) 1 (机关) + the department's county-level region code + an
    organisation code body (MB…, the series assigned to government bodies since 2015) derived
    from the name, with its GB 11714 and GB 32100 check characters computed."""
    org_body8 = f"MB{zlib.crc32(department.name.encode()) % 10**6:06d}"
    return credit_code_build(
        department="1", category="1", region_code=department.region[:6], org_body8=org_body8
    )


@dataclass(frozen=True)
class DemoStaff:
    username: str
    real_name: str
    role: str
    region: str
    department: str | None = None
    superuser: bool = False


STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("clerk_jinjiang", "王芳", StaffRole.WINDOW_CLERK, "510104", "成都市锦江区行政审批局"),
    DemoStaff("clerk_qingyang", "刘洋", StaffRole.WINDOW_CLERK, "510105", "成都市青羊区行政审批局"),
    DemoStaff(
        "reviewer_jinjiang", "陈静", StaffRole.REVIEWER, "510104", "成都市锦江区市场监督管理局"
    ),
    DemoStaff(
        "deptadmin_jinjiang",
        "赵磊",
        StaffRole.DEPARTMENT_ADMIN,
        "510104",
        "成都市锦江区行政审批局",
    ),
    DemoStaff("catalog_chengdu", "周敏", StaffRole.CATALOG_ADMIN, "510100"),
    DemoStaff("hotline_chengdu", "吴倩", StaffRole.HOTLINE_OPERATOR, "510100"),
    DemoStaff("data_sichuan", "孙浩", StaffRole.DATA_OFFICER, "510000"),
    DemoStaff("auditor_sichuan", "黄丽", StaffRole.AUDITOR, "510000"),
    DemoStaff("admin_sichuan", "郑伟", StaffRole.PLATFORM_ADMIN, "510000", superuser=True),
)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    real_name: str
    kind: str
    id_number: str
    phone: str
    address: str
    region: str


# DEMO VALUES: check digits computed; 510104 = 锦江区, 510105 = 青羊区; the 17th digit is even for
# a woman and odd for a man (GB 11643).
CITIZEN = DemoPerson(
    username="citizen_zhang",
    real_name="张晓燕",
    kind=AccountKind.CITIZEN,
    id_number=citizen_id_with_check("51010419900307002"),
    phone="13812345678",
    address="四川省成都市锦江区春熙路街道总府路2号",
    region="510104",
)
AGENT = DemoPerson(
    username="agent_li",
    real_name="李建国",
    kind=AccountKind.ENTERPRISE,
    id_number=citizen_id_with_check("51010519920815003"),
    phone="13980012345",
    address="四川省成都市青羊区少城街道宽巷子18号",
    region="510105",
)
# A second agent (经办人) of the enterprise, authorised by its representative 李建国.
AGENT_STAFF = DemoPerson(
    username="agent_wang",
    real_name="王晓红",
    kind=AccountKind.ENTERPRISE,
    id_number=citizen_id_with_check("51010419950612004"),
    phone="13900001111",
    address="四川省成都市锦江区春熙路街道红星路三段8号",
    region="510104",
)
ENTERPRISE_NAME = "成都蜀味餐饮管理有限公司"
# 李建国 (agent_li) is the enterprise's legal representative, proved against the demo 法人库;
# 王晓红 (agent_wang) acts for it under his grant.
ENTERPRISE_REPRESENTATIVE = AGENT.real_name
AGENT_GRANT_SCOPES = (AgentScope.APPLY, AgentScope.CASES, AgentScope.LICENSES)
# DEMO VALUE: 9 (市场监管) 1 (企业) 510104 (锦江区) + MA6… organisation code body.
ENTERPRISE_CREDIT_CODE = credit_code_build(
    department="9", category="1", region_code="510104", org_body8="MA6CJ8K2"
)


@dataclass
class DemoLoadResult:
    regions_created: int = 0
    departments: int = 0
    bodies: int = 0
    users: int = 0
    memberships: int = 0
    catalog_items: int = 0
    catalog_bundles: int = 0
    identity_changes: int = 0
    other_created: int = 0  # licenses, shared data, cases, search entries
    password_hash: str | None = field(default=None, repr=False)

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.regions_created,
                self.departments,
                self.bodies,
                self.users,
                self.memberships,
                self.catalog_items,
                self.identity_changes,
                self.other_created,
            )
        )


def _ensure_departments(result: DemoLoadResult) -> dict[str, Department]:
    regions = {r.code: r for r in Region.objects.filter(code__in={d.region for d in DEPARTMENTS})}
    by_name: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        region = regions[spec.region]
        department = Department.objects.filter(region=region, name=spec.name).first()
        code = demo_credit_code(spec)
        if department is None:
            department = department_create(
                actor=None,
                region=region,
                name=spec.name,
                short_name=spec.short_name,
                credit_code=code,
                phone=spec.phone,
                address=spec.address,
            )
            result.departments += 1
        if not ImplementingBody.objects.filter(credit_code=department.credit_code).exists():
            implementing_body_create(
                actor=None,
                department=department,
                name=spec.name,
                credit_code=department.credit_code,
                nature=BodyNature.STATUTORY,
            )
            result.bodies += 1
        by_name[spec.name] = department
    return by_name


def _ensure_user(result: DemoLoadResult, username: str, **fields: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    if result.password_hash is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, **fields)
        result.password_hash = user.password
    else:
        # Every demo account has the same published password: hash it once, not eleven times
        # (PBKDF2 costs about a second per hash, which `./dev.sh run` would feel).
        user = User.objects.create_user(username=username, password=None, **fields)
        user.password = result.password_hash
        user.save(update_fields=["password"])
    result.users += 1
    return user


def _ensure_staff(result: DemoLoadResult, departments: dict[str, Department]) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in={s.region for s in STAFF})}
    for spec in STAFF:
        user = _ensure_user(
            result,
            spec.username,
            real_name=spec.real_name,
            kind=AccountKind.STAFF,
            is_staff=spec.superuser,
            is_superuser=spec.superuser,
            region=regions[spec.region],
        )
        department = departments[spec.department] if spec.department else None
        exists = StaffMembership.objects.filter(
            user=user, role=spec.role, region=regions[spec.region], department=department
        ).exists()
        if not exists:
            staff_membership_grant(
                actor=None,
                user=user,
                role=spec.role,
                region=regions[spec.region],
                department=department,
            )
            result.memberships += 1


def _ensure_public_users(result: DemoLoadResult) -> None:
    regions = {
        r.code: r
        for r in Region.objects.filter(code__in={p.region for p in (CITIZEN, AGENT, AGENT_STAFF)})
    }
    _ensure_user(
        result,
        CITIZEN.username,
        real_name=CITIZEN.real_name,
        kind=CITIZEN.kind,
        id_number=CITIZEN.id_number,
        phone=CITIZEN.phone,
        address=CITIZEN.address,
        region=regions[CITIZEN.region],
    )
    company, _created = LegalPerson.objects.get_or_create(
        credit_code=ENTERPRISE_CREDIT_CODE,
        defaults={
            "name": ENTERPRISE_NAME,
            "legal_representative": ENTERPRISE_REPRESENTATIVE,
            "region": Region.objects.get(code="510104"),
        },
    )
    _ensure_user(
        result,
        AGENT.username,
        real_name=AGENT.real_name,
        kind=AGENT.kind,
        id_number=AGENT.id_number,
        phone=AGENT.phone,
        address=AGENT.address,
        region=regions[AGENT.region],
        legal_person=company,
    )
    _ensure_user(
        result,
        AGENT_STAFF.username,
        real_name=AGENT_STAFF.real_name,
        kind=AGENT_STAFF.kind,
        id_number=AGENT_STAFF.id_number,
        phone=AGENT_STAFF.phone,
        address=AGENT_STAFF.address,
        region=regions[AGENT_STAFF.region],
        legal_person=company,
    )
    _ensure_identity(result, company)


def _ensure_identity(result: DemoLoadResult, company: LegalPerson) -> None:
    """The demo people in the embedded 人口库, the enterprise in the 法人库, everyone at L2,
    李建国 proved as the representative and 王晓红 authorised by him — each step only when
    missing, so a second load changes nothing."""
    people = (CITIZEN, AGENT, AGENT_STAFF)
    for report in (
        registry_persons_import(
            actor=None,
            rows=[
                {"name": p.real_name, "id_number": p.id_number, "status": "normal"} for p in people
            ],
            source="demo",
        ),
        registry_legal_persons_import(
            actor=None,
            rows=[
                {
                    "name": ENTERPRISE_NAME,
                    "credit_code": ENTERPRISE_CREDIT_CODE,
                    "representative_name": AGENT.real_name,
                    "representative_id_number": AGENT.id_number,
                    "status": "active",
                }
            ],
            source="demo",
        ),
    ):
        result.identity_changes += report.created + report.updated
    users = {u.username: u for u in User.objects.filter(username__in=[p.username for p in people])}
    for person in people:
        user = users[person.username]
        if user.assurance_level < AssuranceLevel.L2:
            account_verify_by_operator(actor=None, user=user, level=AssuranceLevel.L2)
            result.identity_changes += 1
    representative = users[AGENT.username]
    if company.representative_id != representative.pk or company.verified_at is None:
        company = legal_person_verify(
            user=representative, credit_code=ENTERPRISE_CREDIT_CODE, name=ENTERPRISE_NAME
        )
        result.identity_changes += 1
    agent = users[AGENT_STAFF.username]
    if not agent_grants_active_for(agent).filter(legal_person=company).exists():
        agent_grant_create(
            actor=representative,
            legal_person=company,
            agent=agent,
            scopes=list(AGENT_GRANT_SCOPES),
            valid_until=timezone.now() + timedelta(days=365),
        )
        result.identity_changes += 1


@transaction.atomic
def demo_load() -> DemoLoadResult:
    result = DemoLoadResult()
    regions = regions_load(actor=None)
    result.regions_created = regions.created
    departments = _ensure_departments(result)
    _ensure_staff(result, departments)
    _ensure_public_users(result)
    platform_admin = next(s for s in STAFF if s.role == StaffRole.PLATFORM_ADMIN)
    catalog = load_demo_catalog(User.objects.get(username=platform_admin.username))
    if catalog.report is not None:
        result.departments += catalog.departments
        result.bodies += catalog.bodies
        result.catalog_items = catalog.report.items_created
        result.catalog_bundles = catalog.report.bundles_created
    admin = User.objects.get(username=platform_admin.username)
    # Order matters: licenses and shared data exist before the demo cases that use them; the
    # search index is built last, over everything published.
    for module in (licenses_demo, sharing_demo, cases_demo, feedback_demo, search_demo):
        result.other_created += module.load(actor=admin)
    return result


@dataclass(frozen=True)
class DemoAccount:
    username: str
    real_name: str
    role: str
    scope: str
    exists: bool


def _level(user: User | None) -> str:
    return f"L{user.assurance_level}" if user is not None and user.assurance_level else ""


def demo_accounts() -> list[DemoAccount]:
    """One row per demo account, with its role and data scope as stored (not as specified), so
    the printout shows what the database really holds."""
    public = (CITIZEN, AGENT, AGENT_STAFF)
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[s.username for s in STAFF] + [p.username for p in public]
        ).select_related("legal_person")
    }
    memberships: dict[int, list[StaffMembership]] = {}
    for m in StaffMembership.objects.filter(
        user__in=list(users.values()), is_active=True
    ).select_related("region", "department"):
        memberships.setdefault(m.user_id, []).append(m)
    rows: list[DemoAccount] = []
    for spec in STAFF:
        user = users.get(spec.username)
        if user is None:
            rows.append(DemoAccount(spec.username, spec.real_name, "", "", exists=False))
            continue
        for m in memberships.get(user.pk, []):
            scope = m.region.full_name + (f" · {m.department.name}" if m.department else "")
            if spec.superuser:
                scope += "（超级用户，可登录管理后台）"
            rows.append(
                DemoAccount(user.username, user.real_name, m.get_role_display(), scope, True)
            )
    citizen = users.get(CITIZEN.username)
    rows.append(
        DemoAccount(
            CITIZEN.username,
            CITIZEN.real_name,
            " ".join(filter(None, ["自然人", _level(citizen)])),
            "本人事项",
            citizen is not None,
        )
    )
    agent = users.get(AGENT.username)
    company = agent.legal_person.name if agent is not None and agent.legal_person else ""
    rows.append(
        DemoAccount(
            AGENT.username,
            AGENT.real_name,
            " ".join(filter(None, ["法定代表人", _level(agent)])),
            company or ENTERPRISE_NAME,
            agent is not None,
        )
    )
    agent_staff = users.get(AGENT_STAFF.username)
    grant = agent_grants_active_for(agent_staff).first() if agent_staff is not None else None
    rows.append(
        DemoAccount(
            AGENT_STAFF.username,
            AGENT_STAFF.real_name,
            " ".join(filter(None, ["法人经办人", _level(agent_staff)])),
            (
                f"{grant.legal_person.name}（授权至 {timezone.localdate(grant.valid_until)}）"
                if grant is not None
                else ENTERPRISE_NAME
            ),
            agent_staff is not None,
        )
    )
    return rows


def demo_sign_in_notes() -> list[str]:
    """How to sign in to the demo, printed under the account table."""
    return [
        "登录：用户名、手机号或身份证号 + 密码；也可用短信验证码登录"
        "（开发环境验证码写在服务器日志 var/server.log 中）。",
        "工作人员首次登录须绑定动态口令：输入用户名和密码后，页面显示二维码和密钥，"
        "用手机上的身份验证器应用（FreeOTP、Microsoft Authenticator、Google 身份验证器等）"
        "扫码，输入6位动态码完成绑定；随后显示的10个恢复码请保存好。以后每次登录都要输入动态码。",
        "手机丢失时：./dev.sh manage identity mfa-reset <用户名> --reason 原因，下次登录重新绑定。",
    ]
