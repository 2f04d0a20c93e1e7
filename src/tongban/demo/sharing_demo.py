"""Demo data of the sharing app for `demo load`: idempotent (look up by natural key, create what is
missing), created through the app's services so the audit log shows it.

- the base registries as resources (人口, 法人, 电子证照, 社保, 不动产, 信用) and three
  verification services (身份核验, 营业执照核验, 婚姻登记核验), provided by Sichuan's provincial
  departments; two open datasets of Chengdu
- records for the demo people and company, and a few hundred synthetic residents
- requests in every state: approved with fewer fields (锦江区民政局 · 社会救助系统), pending
  (锦江区人社局), refused with a reason, and the platform's own case system granted the
  population resource so 免提交 works for citizen_zhang
- a few look-ups by the social-assistance system, so citizen_zhang's "我的数据使用记录" page
  has entries, and a verified bulk exchange of an open dataset
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tongban.core.identifiers import citizen_id_with_check
from tongban.core.models import Department
from tongban.sharing import bulk, services
from tongban.sharing.models import (
    BulkJob,
    ConsumerApp,
    DataResource,
    ExchangeLog,
    RequestStatus,
    SharingRequest,
)
from tongban.sharing.services import FieldSpec
from tongban.sharing.sources import PLATFORM_SYSTEM_NAME

P, INT, PI, S = "public", "internal", "personal", "sensitive"

RESOURCES: list[dict[str, Any]] = [
    {
        "code": "DR-510000-0001",
        "name": "人口基本信息",
        "provider": "四川省公安厅",
        "base_registry": "population",
        "category": "base",
        "share_type": "conditional",
        "share_condition": "仅限履行法定职责、办理政务服务事项时按需查询。",
        "legal_basis": "《中华人民共和国居民身份证法》；《政务数据共享条例》",
        "key_kind": "id_number",
        "key_field": "id_number",
        "update_frequency": "realtime",
        "summary": "四川省户籍人口的姓名、性别、出生日期、民族、户籍地址等基本信息。",
        "fields": [
            ("id_number", "公民身份号码", "string", PI),
            ("name", "姓名", "string", PI),
            ("gender", "性别", "string", PI),
            ("birth_date", "出生日期", "date", PI),
            ("ethnicity", "民族", "string", S),
            ("address", "户籍地址", "string", PI),
        ],
    },
    {
        "code": "DR-510000-0002",
        "name": "法人单位基本信息",
        "provider": "四川省市场监督管理局",
        "base_registry": "legal_person",
        "category": "base",
        "share_type": "unconditional",
        "legal_basis": "《中华人民共和国市场主体登记管理条例》",
        "key_kind": "credit_code",
        "key_field": "credit_code",
        "update_frequency": "daily",
        "summary": "市场主体的统一社会信用代码、名称、类型、法定代表人、成立日期、登记状态和住所。",
        "fields": [
            ("credit_code", "统一社会信用代码", "string", P),
            ("name", "名称", "string", P),
            ("entity_type", "类型", "string", P),
            ("representative", "法定代表人", "string", INT),
            ("established_on", "成立日期", "date", P),
            ("status", "登记状态", "string", P),
            ("address", "住所", "string", P),
        ],
    },
    {
        "code": "DR-510000-0003",
        "name": "电子证照目录信息",
        "provider": "四川省市场监督管理局",
        "base_registry": "license",
        "category": "base",
        "share_type": "conditional",
        "legal_basis": "《国务院关于在线政务服务的若干规定》第十三条",
        "key_kind": "license_number",
        "key_field": "license_number",
        "update_frequency": "realtime",
        "summary": "电子证照的证照编号、类型、持证主体、签发机构和有效期（不含证照文件）。",
        "fields": [
            ("license_number", "证照编号", "string", INT),
            ("license_type", "证照类型", "string", INT),
            ("holder", "持证主体", "string", PI),
            ("issuer", "签发机构", "string", INT),
            ("valid_until", "有效期至", "date", INT),
        ],
    },
    {
        "code": "DR-510000-0004",
        "name": "社会保险参保信息",
        "provider": "四川省人力资源和社会保障厅",
        "base_registry": "social_security",
        "category": "base",
        "share_type": "conditional",
        "legal_basis": "《中华人民共和国社会保险法》",
        "key_kind": "id_number",
        "key_field": "id_number",
        "update_frequency": "monthly",
        "summary": "个人参保险种、参保状态、参保单位和首次参保年月。",
        "fields": [
            ("id_number", "公民身份号码", "string", PI),
            ("name", "姓名", "string", PI),
            ("insurance", "参保险种", "string", PI),
            ("status", "参保状态", "string", PI),
            ("employer", "参保单位", "string", PI),
            ("since", "首次参保年月", "string", PI),
        ],
    },
    {
        "code": "DR-510000-0005",
        "name": "不动产登记信息",
        "provider": "四川省住房和城乡建设厅",
        "base_registry": "real_estate",
        "category": "base",
        "share_type": "conditional",
        "legal_basis": "《不动产登记暂行条例》第二十七条",
        "key_kind": "id_number",
        "key_field": "id_number",
        "update_frequency": "daily",
        "summary": "权利人名下不动产的坐落、用途、面积和登记时间。",
        "fields": [
            ("id_number", "权利人证件号码", "string", PI),
            ("owner", "权利人", "string", PI),
            ("location", "坐落", "string", PI),
            ("use", "用途", "string", INT),
            ("area", "建筑面积（平方米）", "number", INT),
            ("registered_on", "登记日期", "date", INT),
        ],
    },
    {
        "code": "DR-510000-0006",
        "name": "公共信用信息",
        "provider": "四川省市场监督管理局",
        "base_registry": "credit",
        "category": "base",
        "share_type": "unconditional",
        "legal_basis": "《企业信息公示暂行条例》",
        "key_kind": "credit_code",
        "key_field": "credit_code",
        "update_frequency": "daily",
        "summary": "市场主体的经营异常名录、严重违法失信名单和行政处罚信息。",
        "fields": [
            ("credit_code", "统一社会信用代码", "string", P),
            ("abnormal", "列入经营异常名录", "boolean", P),
            ("dishonest", "严重违法失信", "boolean", P),
            ("penalties", "行政处罚（件）", "integer", P),
        ],
    },
    {
        "code": "DR-510000-0101",
        "name": "居民身份信息核验",
        "provider": "四川省公安厅",
        "base_registry": "population",
        "category": "base",
        "share_type": "unconditional",
        "legal_basis": "《中华人民共和国居民身份证法》",
        "key_kind": "id_number",
        "verifier": "person_name_id",
        "update_frequency": "realtime",
        "summary": "核验姓名与公民身份号码是否一致，只答复“一致/不一致”，不返回任何数据。",
        "fields": [("result", "核验结果", "boolean", INT)],
    },
    {
        "code": "DR-510000-0102",
        "name": "营业执照有效性核验",
        "provider": "四川省市场监督管理局",
        "base_registry": "license",
        "category": "base",
        "share_type": "unconditional",
        "legal_basis": "《中华人民共和国市场主体登记管理条例》",
        "key_kind": "credit_code",
        "verifier": "business_licence",
        "update_frequency": "realtime",
        "summary": "核验市场主体是否持有有效的营业执照，只答复“一致/不一致”。",
        "fields": [("result", "核验结果", "boolean", INT)],
    },
    {
        "code": "DR-510000-0103",
        "name": "婚姻登记信息核验",
        "provider": "四川省民政厅",
        "base_registry": "license",
        "category": "base",
        "share_type": "conditional",
        "legal_basis": "《婚姻登记条例》",
        "key_kind": "id_number",
        "verifier": "marriage",
        "update_frequency": "realtime",
        "summary": "核验当事人是否有有效的结婚登记，只答复“一致/不一致”，不返回配偶等信息。",
        "fields": [("result", "核验结果", "boolean", INT)],
    },
    {
        "code": "DR-510100-0501",
        "name": "成都市政务服务大厅名录",
        "provider": "成都市行政审批局",
        "category": "theme",
        "share_type": "unconditional",
        "open_type": "open",
        "legal_basis": "《中华人民共和国政府信息公开条例》",
        "update_frequency": "monthly",
        "format": "file",
        "keywords": "政务服务,办事大厅,成都",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "summary": "成都市各区（市）县政务服务中心的名称、地址、办公时间和咨询电话。",
        "fields": [
            ("name", "名称", "string", P),
            ("district", "所在区县", "string", P),
            ("address", "地址", "string", P),
            ("hours", "办公时间", "string", P),
            ("phone", "咨询电话", "string", P),
        ],
    },
    {
        "code": "DR-510100-0502",
        "name": "成都市食品经营许可公示信息",
        "provider": "成都市市场监督管理局",
        "category": "department",
        "share_type": "unconditional",
        "open_type": "open",
        "legal_basis": "《食品经营许可和备案管理办法》",
        "update_frequency": "daily",
        "format": "file",
        "keywords": "食品经营许可,市场监管",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "summary": "成都市食品经营许可证的许可证编号、经营者名称、经营场所、主体业态和有效期。",
        "fields": [
            ("license_number", "许可证编号", "string", P),
            ("operator", "经营者名称", "string", P),
            ("premises", "经营场所", "string", P),
            ("business_type", "主体业态", "string", P),
            ("valid_until", "有效期至", "date", P),
        ],
    },
]


def _demo() -> Any:
    # loaders imports this module: read its demo people at call time, not at import.
    from tongban.demo import loaders

    return loaders


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华"
STREETS = ["春熙路", "红星路", "东大街", "书院街", "合江亭", "督院街", "牛市口路", "静安路"]
DISTRICTS = ["锦江区", "青羊区", "金牛区", "武侯区", "成华区", "高新区", "天府新区", "双流区"]


def _person_rows(rng: random.Random) -> list[dict[str, Any]]:
    demo = _demo()
    CITIZEN, AGENT = demo.CITIZEN, demo.AGENT  # noqa: N806
    _ENTERPRISE_CREDIT_CODE, _ENTERPRISE_NAME = demo.ENTERPRISE_CREDIT_CODE, demo.ENTERPRISE_NAME  # noqa: N806
    people = [
        (
            CITIZEN.id_number,
            CITIZEN.real_name,
            "女",
            "1990-03-07",
            "成都市锦江区春熙路街道红星路三段16号",
        ),
        (AGENT.id_number, AGENT.real_name, "男", "1992-08-15", "成都市青羊区少城街道宽巷子8号"),
    ]
    for n in range(300):
        year, month, day = 1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28)
        seq = f"{rng.randrange(1000):03d}"
        number = citizen_id_with_check(f"510104{year}{month:02d}{day:02d}{seq}")
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if n % 3 else "")
        gender = "男" if int(seq) % 2 else "女"
        address = f"成都市锦江区{rng.choice(STREETS)}{1 + rng.randrange(200)}号"
        people.append((number, name, gender, f"{year}-{month:02d}-{day:02d}", address))
    return [
        {
            "id_number": number,
            "name": name,
            "gender": gender,
            "birth_date": birth,
            "ethnicity": "汉族",
            "address": address,
        }
        for number, name, gender, birth, address in people
    ]


def _ensure_resources(actor: Any, departments: dict[str, Department]) -> int:
    created = 0
    for spec in RESOURCES:
        if DataResource.objects.filter(code=spec["code"]).exists():
            continue
        spec = dict(spec)
        provider = departments[spec.pop("provider")]
        fields = [FieldSpec(*f) for f in spec.pop("fields")]
        services.resource_create(actor=actor, provider=provider, fields=fields, **spec)
        created += 1
    return created


def _load_records(actor: Any) -> None:
    demo = _demo()
    CITIZEN, AGENT = demo.CITIZEN, demo.AGENT  # noqa: N806
    ENTERPRISE_CREDIT_CODE, ENTERPRISE_NAME = demo.ENTERPRISE_CREDIT_CODE, demo.ENTERPRISE_NAME  # noqa: N806
    rng = random.Random(9)  # noqa: S311 - reproducible demo data, not a secret
    by_code = {r.code: r for r in DataResource.objects.filter(code__startswith="DR-5101")}
    by_code.update({r.code: r for r in DataResource.objects.filter(code__startswith="DR-5100")})
    people = _person_rows(rng)
    loads: dict[str, list[dict[str, Any]]] = {
        "DR-510000-0001": people,
        "DR-510000-0002": [
            {
                "credit_code": ENTERPRISE_CREDIT_CODE,
                "name": ENTERPRISE_NAME,
                "entity_type": "有限责任公司（自然人投资或控股）",
                "representative": AGENT.real_name,
                "established_on": "2018-05-21",
                "status": "存续",
                "address": "成都市锦江区东大街紫东楼段35号",
            }
        ],
        "DR-510000-0004": [
            {
                "id_number": p["id_number"],
                "name": p["name"],
                "insurance": "城镇职工基本养老保险、基本医疗保险",
                "status": "正常参保",
                "employer": ENTERPRISE_NAME if i % 4 == 0 else "成都市锦江区某商贸有限公司",
                "since": f"{2005 + i % 18}-0{1 + i % 9}",
            }
            for i, p in enumerate(people[:120])
        ],
        "DR-510000-0005": [
            {
                "id_number": CITIZEN.id_number,
                "owner": CITIZEN.real_name,
                "location": "成都市锦江区红星路三段16号2栋1单元1203号",
                "use": "住宅",
                "area": 89.6,
                "registered_on": "2019-11-02",
            }
        ],
        "DR-510000-0006": [
            {
                "credit_code": ENTERPRISE_CREDIT_CODE,
                "abnormal": False,
                "dishonest": False,
                "penalties": 0,
            }
        ],
        "DR-510100-0501": [
            {
                "name": f"成都市{d}政务服务中心",
                "district": d,
                "address": f"成都市{d}{rng.choice(STREETS)}{1 + rng.randrange(300)}号",
                "hours": "周一至周五 9:00-12:00，13:30-17:00",
                "phone": f"028-{8000_0000 + rng.randrange(999_9999)}",
            }
            for d in DISTRICTS
        ],
        "DR-510100-0502": [
            {
                "license_number": f"JY15101{n:08d}",
                "operator": f"成都{rng.choice(['蜀香', '锦城', '天府', '芙蓉', '青城'])}{rng.choice(['餐饮', '食品', '小吃'])}店{n}",
                "premises": f"成都市{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{1 + rng.randrange(300)}号",
                "business_type": rng.choice(["餐饮服务经营者", "食品销售经营者", "单位食堂"]),
                "valid_until": f"{2027 + n % 4}-12-31",
            }
            for n in range(400)
        ],
    }
    for code, rows in loads.items():
        resource = by_code.get(code)
        if resource is not None and not resource.records.exists():
            services.records_load(actor=actor, resource=resource, rows=rows)


def _request(
    actor: Any,
    *,
    code: str,
    consumer: Department,
    system: str,
    purpose: str,
    basis: str,
    fields: list[str],
) -> tuple[SharingRequest, bool]:
    resource = DataResource.objects.get(code=code)
    existing = SharingRequest.objects.filter(
        resource=resource, consumer=consumer, system_name=system
    ).first()
    if existing is not None:
        return existing, False
    today = timezone.localdate()
    req = services.request_submit(
        actor=actor,
        resource=resource,
        consumer=consumer,
        system_name=system,
        purpose=purpose,
        legal_basis=basis,
        fields=fields,
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=335),
    )
    return req, True


def _ensure_requests(actor: Any, departments: dict[str, Department]) -> int:
    created = 0
    jj_civil = departments["成都市锦江区民政局"]
    req, new = _request(
        actor,
        code="DR-510000-0001",
        consumer=jj_civil,
        system="锦江区社会救助系统",
        purpose="最低生活保障、特困人员供养申请审核：核对申请人及家庭成员户籍信息",
        basis="《社会救助暂行办法》第十一条；《四川省最低生活保障实施办法》",
        fields=["name", "gender", "birth_date", "ethnicity", "address"],
    )
    if new:
        services.request_decide(
            actor=actor,
            request=req,
            decision="approve",
            fields=["name", "gender", "birth_date", "address"],
            reply="同意共享；民族属敏感个人信息，低保审核不需要，不予提供。",
        )
        created += 1
    for code in ("DR-510000-0101", "DR-510000-0002"):
        _r, new = _request(
            actor,
            code=code,
            consumer=jj_civil,
            system="锦江区社会救助系统",
            purpose="社会救助申请人身份核验、申请人经营情况核对",
            basis="《社会救助暂行办法》",
            fields=["result"] if code.endswith("0101") else ["name", "status"],
        )
        created += new
    _r, new = _request(
        actor,
        code="DR-510000-0004",
        consumer=departments["成都市锦江区人力资源和社会保障局"],
        system="锦江区就业服务系统",
        purpose="灵活就业人员社保补贴申请审核",
        basis="《四川省就业补助资金管理办法》",
        fields=["name", "insurance", "status", "since"],
    )
    created += new
    req, new = _request(
        actor,
        code="DR-510000-0005",
        consumer=departments["成都市青羊区民政局"],
        system="青羊区养老服务平台",
        purpose="统计辖区老年人住房情况",
        basis="内部工作要求",
        fields=["owner", "location", "area"],
    )
    if new:
        services.request_decide(
            actor=actor,
            request=req,
            decision="refuse",
            reply="统计用途不属于办理具体政务服务事项，且申请依据不是法律法规；请改用统计部门的汇总数据。",
        )
        created += 1
    # 免提交: the platform's case system (成都市行政审批局) reads the population resource.
    req, new = _request(
        actor,
        code="DR-510000-0001",
        consumer=departments["成都市行政审批局"],
        system=PLATFORM_SYSTEM_NAME,
        purpose="办件材料免提交：经申请人授权读取户籍信息代替户口簿复印件",
        basis="《政务数据共享条例》；《国务院关于在线政务服务的若干规定》",
        fields=["name", "gender", "birth_date", "address"],
    )
    if new and req.status == RequestStatus.PENDING:
        services.request_decide(actor=actor, request=req, decision="approve")
        created += 1
    return created


def _demo_calls(actor: Any) -> int:
    demo = _demo()
    CITIZEN, AGENT = demo.CITIZEN, demo.AGENT  # noqa: N806
    _ENTERPRISE_CREDIT_CODE, _ENTERPRISE_NAME = demo.ENTERPRISE_CREDIT_CODE, demo.ENTERPRISE_NAME  # noqa: N806
    app = ConsumerApp.objects.filter(name="锦江区社会救助系统").first()
    if app is None or ExchangeLog.objects.filter(app=app).exists():
        return 0
    if not app.secrets.exists():
        services.app_secret_issue(actor=actor, app=app)
    calls = 0
    for reason, key in (
        ("锦民低保〔2026〕0412号", CITIZEN.id_number),
        ("锦民低保〔2026〕0412号（复核）", CITIZEN.id_number),
        ("锦民特困〔2026〕0077号", AGENT.id_number),
    ):
        services.exchange_lookup(app=app, resource_code="DR-510000-0001", key=key, reason=reason)
        calls += 1
    services.exchange_verify(
        app=app,
        resource_code="DR-510000-0101",
        payload={"name": CITIZEN.real_name, "id_number": CITIZEN.id_number},
        reason="锦民低保〔2026〕0412号",
    )
    return calls + 1


def _demo_bulk(actor: Any, departments: dict[str, Department]) -> int:
    resource = DataResource.objects.filter(code="DR-510100-0502").first()
    if resource is None or BulkJob.objects.filter(resource=resource).exists():
        return 0
    job = bulk.bulk_job_create(
        actor=actor,
        resource=resource,
        consumer=departments["成都市锦江区市场监督管理局"],
        format="csv",
        schedule="weekly",
    )
    bulk.bulk_job_run(job_id=job.public_id)
    return 1


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    departments = {d.name: d for d in Department.objects.all()}
    needed = {"四川省公安厅", "成都市锦江区民政局", "成都市行政审批局"}
    if not needed <= set(departments):
        return 0
    created = _ensure_resources(actor, departments)
    _load_records(actor)
    created += _ensure_requests(actor, departments)
    created += _demo_calls(actor)
    created += _demo_bulk(actor, departments)
    return created
