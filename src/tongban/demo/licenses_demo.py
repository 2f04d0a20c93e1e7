"""Demo data of the licenses app for `demo load`: idempotent (look up by natural key, create what is
missing), created through the app's services so the audit log shows it.

- the license catalog: every type of demo/catalog/licenses.py (the CN-LIC-… codes the demo guides
  name), with national type codes (defining ministry credit code + 3 digits; 住建部's code is the
  real one from standards.md §6.2, the others are DEMO codes with valid check characters), field
  schemas for the common ones, validity rules;
- an SM2-SM3 signing key for every demo department's implementing body (and the platform key);
- licenses for 张晓燕 (citizen_zhang) and for 成都蜀味餐饮管理有限公司 (the demo enterprise).
"""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

from tongban.core.identifiers import credit_code_build
from tongban.core.models import ImplementingBody
from tongban.demo.catalog.licenses import LICENSE_TYPES, ORGANISATION
from tongban.licenses import services
from tongban.licenses.models import IssuerKey, KeyStatus, LicenseType
from tongban.licenses.selectors import licenses_valid_for_holder

# 住房和城乡建设部: the real code (standards.md §6.2, e.g. 11100000000013338W011).
MINISTRY_CODES = {"住房和城乡建设部": "11100000000013338W"}


def ministry_code(name: str) -> str:
    """DEMO: a valid-looking credit code for a ministry (1 = 机构编制, 1 = 机关, 100000 = 中央)."""
    if name in MINISTRY_CODES:
        return MINISTRY_CODES[name]
    body = f"{zlib.crc32(name.encode()) % 10**8:08d}"
    return credit_code_build(department="1", category="1", region_code="100000", org_body8=body)


def _f(*pairs: str, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    fields = []
    for pair in pairs:
        key, label = pair.split(":")
        fields.append({"key": key, "label": label, "required": key in required})
    return fields


FIELDS: dict[str, list[dict[str, Any]]] = {
    "CN-LIC-ID-CARD": _f(
        "sex:性别",
        "ethnicity:民族",
        "birth_date:出生日期",
        "address:住址",
        "authority:签发机关",
        required=("sex", "birth_date", "address"),
    ),
    "CN-LIC-HOUSEHOLD-REGISTER": _f(
        "household_no:户号", "household_type:户别", "address:住址", "relation:与户主关系"
    ),
    "CN-LIC-MARRIAGE-CERT": _f(
        "spouse_name:配偶姓名",
        "registered_on:登记日期",
        "cert_no:结婚证字号",
        required=("spouse_name", "registered_on"),
    ),
    "CN-LIC-DIVORCE-CERT": _f(
        "former_spouse:对方姓名", "registered_on:登记日期", "cert_no:离婚证字号"
    ),
    "CN-LIC-BIRTH-CERT": _f(
        "sex:性别",
        "birth_date:出生日期",
        "birth_place:出生地点",
        "mother:母亲姓名",
        "father:父亲姓名",
    ),
    "CN-LIC-DRIVING-LICENSE": _f(
        "vehicle_class:准驾车型",
        "first_issued:初次领证日期",
        "file_no:档案编号",
        required=("vehicle_class",),
    ),
    "CN-LIC-SOCIAL-SECURITY-CARD": _f(
        "ss_number:社会保障号码", "card_no:卡号", "bank:发卡银行", required=("ss_number",)
    ),
    "CN-LIC-TEACHER-QUALIFICATION": _f("subject:任教学科", "stage:资格种类", "cert_no:证书号码"),
    "CN-LIC-DISABILITY-CERT": _f(
        "category:残疾类别", "grade:残疾等级", required=("category", "grade")
    ),
    "CN-LIC-BUSINESS-LICENSE": _f(
        "entity_type:类型",
        "legal_rep:法定代表人",
        "capital:注册资本",
        "established:成立日期",
        "address:住所",
        "scope:经营范围",
        required=("entity_type", "legal_rep", "address"),
    ),
    "CN-LIC-FOOD-BUSINESS": _f(
        "legal_rep:法定代表人（负责人）",
        "premises:经营场所",
        "category:主体业态",
        "items:经营项目",
        required=("premises", "category"),
    ),
    "CN-LIC-REAL-ESTATE": _f(
        "location:坐落",
        "unit_no:不动产单元号",
        "right_type:权利类型",
        "use:用途",
        "area:面积",
        "co_owners:共有情况",
    ),
    "CN-LIC-PASSPORT": _f("sex:性别", "birth_date:出生日期", "birth_place:出生地点"),
    "CN-LIC-RESIDENCE-PERMIT": _f("address:居住地址", "household_address:户籍地址"),
}

VALIDITY_YEARS = {
    "CN-LIC-ID-CARD": 20,
    "CN-LIC-DRIVING-LICENSE": 6,
    "CN-LIC-PASSPORT": 10,
    "CN-LIC-HK-MACAO-PERMIT": 10,
    "CN-LIC-TAIWAN-PERMIT": 10,
    "CN-LIC-RESIDENCE-PERMIT": 1,
    "CN-LIC-FOOD-BUSINESS": 5,
    "CN-LIC-FOOD-PRODUCTION": 5,
    "CN-LIC-DRUG-BUSINESS": 5,
    "CN-LIC-DRUG-PRODUCTION": 5,
    "CN-LIC-MEDICAL-DEVICE-BUSINESS": 5,
    "CN-LIC-HR-SERVICE": 5,
    "CN-LIC-LABOR-DISPATCH": 3,
    "CN-LIC-DISABILITY-CERT": 10,
    "CN-LIC-POLLUTANT-DISCHARGE": 5,
    "CN-LIC-TOBACCO-RETAIL": 5,
    "CN-LIC-NO-CRIMINAL-RECORD": 1,
    "CN-LIC-PUBLIC-PLACE-HYGIENE": 4,
    "CN-LIC-HAZARDOUS-CHEMICALS": 3,
}

NATIONAL_LEVEL = {"CN-LIC-PASSPORT", "CN-LIC-HK-MACAO-PERMIT", "CN-LIC-TAIWAN-PERMIT"}


def _default_fields(holder: str) -> list[dict[str, Any]]:
    if holder == ORGANISATION:
        return _f("legal_rep:法定代表人（负责人）", "address:住所（经营场所）", "scope:许可范围")
    return _f("remark:备注")


def _ensure_types(actor: Any) -> int:
    created = 0
    existing = set(LicenseType.objects.values_list("code", flat=True))
    sequence: dict[str, int] = {}
    for spec in LICENSE_TYPES.values():
        ministry = ministry_code(spec.defining_department)
        sequence[ministry] = sequence.get(ministry, 0) + 1
        if spec.code in existing:
            continue
        services.license_type_save(
            actor=actor,
            code=spec.code,
            national_code=f"{ministry}{sequence[ministry]:03d}",
            name=spec.name,
            defining_department=spec.defining_department,
            defining_department_code=ministry,
            holder_kind="organisation" if spec.holder == ORGANISATION else "person",
            issuing_level="1" if spec.code in NATIONAL_LEVEL else "4",
            validity_years=VALIDITY_YEARS.get(spec.code),
            fields=FIELDS.get(spec.code) or _default_fields(spec.holder),
            replaces_materials=[spec.name],
        )
        created += 1
    return created


def _demo_body_codes() -> dict[str, str]:
    # Imported here: demo.loaders imports this module at its top.
    from tongban.demo.loaders import DEPARTMENTS, demo_credit_code

    return {d.name: demo_credit_code(d) for d in DEPARTMENTS}


def _body(name: str) -> ImplementingBody:
    return ImplementingBody.objects.get(credit_code=_demo_body_codes()[name])


def _ensure_keys(actor: Any) -> int:
    created = 0
    codes = list(_demo_body_codes().values())
    with_keys = set(
        IssuerKey.objects.filter(status=KeyStatus.ACTIVE, body__credit_code__in=codes).values_list(
            "body__credit_code", flat=True
        )
    )
    for body in ImplementingBody.objects.filter(credit_code__in=codes):
        if body.credit_code in with_keys:
            continue
        services.issuer_key_generate(actor=None, body=body, algorithm="SM2-SM3")
        created += 1
    return created


CITIZEN_LICENSES: tuple[tuple[str, str, date, dict[str, str]], ...] = (
    (
        "CN-LIC-ID-CARD",
        "成都市公安局",
        date(2016, 4, 12),
        {
            "sex": "女",
            "ethnicity": "汉",
            "birth_date": "1990-03-07",
            "address": "四川省成都市锦江区春熙路街道总府路2号",
            "authority": "成都市公安局锦江区分局",
        },
    ),
    (
        "CN-LIC-MARRIAGE-CERT",
        "成都市锦江区民政局",
        date(2018, 5, 20),
        {"spouse_name": "李明", "registered_on": "2018-05-20", "cert_no": "J510104-2018-003217"},
    ),
    (
        "CN-LIC-DRIVING-LICENSE",
        "成都市公安局",
        date(2021, 9, 3),
        {"vehicle_class": "C1", "first_issued": "2015-09-03", "file_no": "510100123456"},
    ),
    (
        "CN-LIC-SOCIAL-SECURITY-CARD",
        "成都市人力资源和社会保障局",
        date(2019, 11, 15),
        {"ss_number": "", "card_no": "A51000123", "bank": "中国工商银行成都春熙支行"},
    ),
    (
        "CN-LIC-TEACHER-QUALIFICATION",
        "成都市锦江区人力资源和社会保障局",
        date(2013, 7, 1),
        {
            "subject": "小学语文",
            "stage": "小学教师资格",
            "cert_no": "20135101042000123",
        },
    ),
)

COMPANY_LICENSES: tuple[tuple[str, str, date, dict[str, str]], ...] = (
    (
        "CN-LIC-BUSINESS-LICENSE",
        "成都市锦江区市场监督管理局",
        date(2021, 3, 18),
        {
            "entity_type": "有限责任公司（自然人投资或控股）",
            "legal_rep": "李建国",
            "capital": "伍佰万元整",
            "established": "2021-03-18",
            "address": "四川省成都市锦江区春熙路街道红星路三段8号",
            "scope": "餐饮服务；餐饮管理；食品销售（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
        },
    ),
    (
        "CN-LIC-FOOD-BUSINESS",
        "成都市锦江区市场监督管理局",
        date(2024, 4, 2),
        {
            "legal_rep": "李建国",
            "premises": "四川省成都市锦江区春熙路街道红星路三段8号1层",
            "category": "餐饮服务经营者（中型餐馆）",
            "items": "热食类食品制售；冷食类食品制售（不含生食）",
        },
    ),
)


def _ensure_licenses(actor: Any) -> int:
    from tongban.demo.loaders import CITIZEN, ENTERPRISE_CREDIT_CODE, ENTERPRISE_NAME

    created = 0
    plan = [(spec, CITIZEN.id_number, CITIZEN.real_name) for spec in CITIZEN_LICENSES]
    plan += [(spec, ENTERPRISE_CREDIT_CODE, ENTERPRISE_NAME) for spec in COMPANY_LICENSES]
    for (code, body_name, issued_on, content), holder_key, holder_name in plan:
        if licenses_valid_for_holder(license_type_code=code, holder_key=holder_key):
            continue
        if code == "CN-LIC-SOCIAL-SECURITY-CARD":  # the social security number is the ID number
            content = {**content, "ss_number": holder_key}
        services.license_issue(
            actor=actor,
            license_type=LicenseType.objects.get(code=code),
            issuer=_body(body_name),
            holder_key=holder_key,
            holder_name=holder_name,
            content=content,
            issued_on=issued_on,
        )
        created += 1
    return created


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    return _ensure_types(actor) + _ensure_keys(actor) + _ensure_licenses(actor)
