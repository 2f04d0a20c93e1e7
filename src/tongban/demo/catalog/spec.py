"""The shape of one matter in the demo catalog, and helpers that keep the tables short.

A `Matter` holds what every implementing body of that matter shares (legal basis, time limits,
materials, form, fees…); `tongban.demo.catalog_build` adds each body's own place, hours and
phone. Materials, form fields and fees are plain dicts in the shape of
`tongban.catalog.guide_schema` so the builder copies them into guides as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tongban.demo.catalog.licenses import LICENSE_TYPES

# Where a matter is exercised: the level of the implementing body's region.
PROVINCE = "province"
CITY = "city"
COUNTY = "county"
TOWNSHIP = "township"
LEVEL_CODES = {PROVINCE: "2", CITY: "3", COUNTY: "4", TOWNSHIP: "5"}
LEVEL_NAMES = {
    PROVINCE: "省级",
    CITY: "市（州）级",
    COUNTY: "县（市、区）级",
    TOWNSHIP: "乡镇（街道）",
}

Json = dict[str, Any]


@dataclass(frozen=True)
class Matter:
    """One matter of the basic catalog and everything its guides share."""

    code: str  # 12-character basic code, 00 TT DD MMM SSS (DEMO codes, see basic_code)
    name: str
    item_type: str  # GB/T 39046 A.1
    ministry: str  # 主管部门 (national)
    at: dict[str, str]  # level (PROVINCE…) → body kind (departments.KINDS) exercising it there
    basis: str  # 设定依据: the law and its article
    legal_days: int
    promised_days: int
    conditions: tuple[str, ...]
    materials: tuple[Json, ...]
    objects: tuple[str, ...] = ("1",)  # 服务对象 A.4
    person_themes: tuple[str, ...] = ()
    corporate_themes: tuple[str, ...] = ()
    online: bool = False  # 全程网办: no visit, online + mobile channels, a form
    onsite: str = ""  # why one visit is needed (required unless online)
    fees: tuple[Json, ...] = ()
    cross: Json | None = None  # 跨域通办
    fields: tuple[Json, ...] = ()  # matter-specific form fields (after the applicant's own)
    result: tuple[str, str] | None = None  # (result name, e-license type code or "")
    popularity: int = 100  # typical monthly cases of one county-level body
    aliases: tuple[str, ...] = ()  # other names people (and the issue) use for it
    content: str = ""  # 行使内容
    division: str = ""  # 权限划分 (derived from `at` when empty)
    legal_note: str = ""
    promised_note: str = ""
    faq: tuple[tuple[str, str], ...] = ()
    inspection: bool = False  # adds a 现场核查 step to the workflow
    express: bool = False  # results can be mailed (免费寄递)
    joint: tuple[str, ...] = ()  # 联办机构
    intermediary: str = ""
    special: str = ""  # 特别程序
    quantity: str = ""  # 数量限制
    mergeable: bool = True  # a 行政审批局 takes it over where one exists (licences only)
    extra_levels: tuple[str, ...] = field(default=())  # exercise levels without demo bodies
    kiosk: bool = False  # 自助办: the 政务服务中心's self-service terminals handle it too
    rural: bool = False  # at TOWNSHIP: only 乡镇 (a 街道 has no farmland or 宅基地)

    @property
    def immediate(self) -> bool:
        return self.promised_days == 0

    @property
    def exercise_levels(self) -> list[str]:
        return sorted({LEVEL_CODES[level] for level in self.at} | set(self.extra_levels))


# --- Basic codes -------------------------------------------------------------------------------

# DD of the DEMO basic codes `00 TT DD MMM SSS`: the competent field. The official catalog has its
# own sub-classification; these two digits only keep the demo's codes readable and unique.
DOMAINS: dict[str, str] = {
    "gongan": "01",
    "minzheng": "02",
    "renshe": "03",
    "yibao": "04",
    "weijian": "05",
    "jiaoyu": "06",
    "scjg": "07",
    "yaojian": "08",
    "zhujian": "09",
    "jiaotong": "10",
    "sthj": "11",
    "shuili": "12",
    "yancao": "13",
    "sifa": "14",
    "zrzy": "15",
    "tuiyi": "16",
    "canlian": "17",
    "xiaofang": "18",
    "shuiwu": "19",
    "wenlv": "20",
    "nongye": "21",
    "yingji": "22",
    "fagai": "23",
    "gjj": "24",
    "gongyong": "25",
}


def basic_code(item_type: str, domain: str, seq: int, sub: int = 0) -> str:
    """A DEMO basic code in the national pattern: 00 (national catalog), type, domain, main-item
    sequence, sub-item sequence."""
    return f"00{item_type}{DOMAINS[domain]}{seq:03d}{sub:03d}"


# --- Materials ----------------------------------------------------------------------------------

_FORMS = {"o": "original", "c": "copy", "e": "electronic"}


def mat(
    name: str,
    forms: str = "o",
    copies: int = 1,
    *,
    src: str = "applicant",
    lic: str = "",
    cond: str = "",
    spec: str = "",
    notes: str = "",
    issuer: str = "",
    key: bool = True,
    basis: str = "",
) -> Json:
    """A material. `forms` letters: o 原件, c 复印件, e 电子材料; `copies` counts each paper form.
    A `cond` makes it conditional (required only in that situation)."""
    if lic and lic not in LICENSE_TYPES:
        raise ValueError(f"unknown license type {lic}")
    chosen = [_FORMS[c] for c in forms]
    return {
        "name": name,
        "forms": chosen,
        "original_copies": copies if "original" in chosen else 0,
        "copy_copies": copies if "copy" in chosen else 0,
        "required": not cond,
        "condition": cond,
        "source": src,
        "issuer": issuer,
        "specification": spec,
        "notes": notes,
        "legal_basis": basis,
        "license_type_code": lic,
        "is_key": key and not cond,
    }


def id_card(holder: str = "申请人") -> Json:
    return mat(
        f"{holder}居民身份证",
        src="government",
        issuer="公安机关",
        lic="CN-LIC-ID-CARD",
        notes="核验原件后退还；已领取电子身份证照的可免于提交。",
    )


def household(holder: str = "申请人") -> Json:
    return mat(
        f"{holder}居民户口簿",
        src="government",
        issuer="公安机关",
        lic="CN-LIC-HOUSEHOLD-REGISTER",
        notes="核验户主页和本人页原件后退还。",
    )


def business_license(cond: str = "") -> Json:
    return mat(
        "营业执照",
        src="government",
        issuer="市场监督管理部门",
        lic="CN-LIC-BUSINESS-LICENSE",
        cond=cond,
        notes="可通过电子营业执照免于提交。",
    )


def application(name: str, *, notes: str = "") -> Json:
    return mat(
        name,
        "oe",
        spec="A4纸，可在办理地点领取或网上下载填写",
        notes=notes or "申请人签字（单位加盖公章）；网上申请时在线填写，无需另交纸质件。",
    )


def photo(spec: str, copies: int = 2, *, cond: str = "") -> Json:
    return mat("近期免冠照片", "o", copies, spec=spec, cond=cond)


def agent_materials(cond: str = "委托他人代为办理的") -> tuple[Json, ...]:
    return (
        mat("授权委托书", cond=cond, notes="写明委托事项、权限和期限，委托人签字（盖章）。"),
        mat(
            "受托人居民身份证",
            cond=cond,
            src="government",
            issuer="公安机关",
            lic="CN-LIC-ID-CARD",
        ),
    )


def legal_rep_id() -> Json:
    return mat(
        "法定代表人（负责人）居民身份证",
        src="government",
        issuer="公安机关",
        lic="CN-LIC-ID-CARD",
        notes="网上申请时经实名认证的可免于提交。",
    )


def premises_proof(cond: str = "") -> Json:
    return mat(
        "经营场所使用证明",
        "c",
        notes="自有房屋提交不动产权证书；租赁房屋提交租赁合同及出租方不动产权证书。",
        src="applicant",
        cond=cond,
    )


# --- Fees ---------------------------------------------------------------------------------------


def fee(
    name: str, standard: str, basis: str, *, reducible: bool = False, reduction: str = ""
) -> Json:
    return {
        "name": name,
        "standard": standard,
        "legal_basis": basis,
        "reducible": reducible,
        "reduction_basis": reduction,
    }


# --- Form fields --------------------------------------------------------------------------------


def fld(
    key: str,
    label: str,
    type_: str = "text",
    *,
    required: bool = True,
    options: tuple[str, ...] = (),
    help_text: str = "",
    prefill: str = "",
    visible_if: tuple[str, Any] | None = None,
    max_length: int | None = None,
) -> Json:
    return {
        "key": key,
        "label": label,
        "type": type_,
        "required": required,
        "help_text": help_text,
        "options": list(options),
        "pattern": "",
        "max_length": max_length,
        "visible_if": {"field": visible_if[0], "equals": visible_if[1]} if visible_if else None,
        "prefill": prefill,
    }


PERSON_FIELDS: tuple[Json, ...] = (
    fld("applicant_name", "申请人姓名", prefill="applicant.name", max_length=50),
    fld("citizen_id", "公民身份号码", "citizen_id", prefill="applicant.id_number"),
    fld("phone", "联系电话", "phone", prefill="applicant.phone"),
)

ORG_FIELDS: tuple[Json, ...] = (
    fld("org_name", "单位名称", prefill="legal_person.name", max_length=200),
    fld("credit_code", "统一社会信用代码", "credit_code", prefill="legal_person.credit_code"),
    fld("contact_name", "经办人姓名", prefill="applicant.name", max_length=50),
    fld("phone", "经办人联系电话", "phone", prefill="applicant.phone"),
)

# --- Cross-region handling (跨省通办, 川渝通办) ------------------------------------------------------


def cross(scope: str, *modes: str) -> Json:
    return {"scope": scope, "modes": list(modes), "partner_regions": []}


NATIONAL_ONLINE = cross("national", "online")
NATIONAL_PROXY = cross("national", "proxy")
NATIONAL_JOINT = cross("national", "joint")
CROSS_PROVINCE_ONLINE = cross("cross_province", "online")
CROSS_PROVINCE_PROXY = cross("cross_province", "proxy")
# 川渝通办: the two provinces' own list, handled by either side.
SICHUAN_CHONGQING = {
    "scope": "cross_province",
    "modes": ["online", "proxy"],
    "partner_regions": ["500000", "510000"],
}
