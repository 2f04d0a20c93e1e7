"""The departments a real locality of 四川省 has, and how each is named at each level.

A *kind* is either a department (部门, e.g. 市场监管) or an implementing body that belongs to one
(e.g. 出入境 of the 公安 department, a 社会保险事业管理局 of 人社). Names follow the official style:
a district's bureau carries its city's name (成都市锦江区市场监督管理局), a county's does not
(金堂县市场监督管理局), a district police bureau is a branch of the city's (成都市公安局锦江区分局),
tax bureaus belong to 国家税务总局 (国家税务总局成都市锦江区税务局).

Credit codes, phones and addresses made here are DEMO VALUES: well-formed (check characters
computed, real area codes) but made up."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tongban.core.identifiers import credit_code_build
from tongban.demo.catalog.spec import CITY, COUNTY, PROVINCE, TOWNSHIP

# Telephone area codes (长途区号) of Sichuan's cities and prefectures, and 重庆.
AREA_CODES: dict[str, str] = {
    "510100": "028",  # 成都
    "510300": "0813",  # 自贡
    "510400": "0812",  # 攀枝花
    "510500": "0830",  # 泸州
    "510600": "0838",  # 德阳
    "510700": "0816",  # 绵阳
    "510800": "0839",  # 广元
    "510900": "0825",  # 遂宁
    "511000": "0832",  # 内江
    "511100": "0833",  # 乐山
    "511300": "0817",  # 南充
    "511400": "028",  # 眉山
    "511500": "0831",  # 宜宾
    "511600": "0826",  # 广安
    "511700": "0818",  # 达州
    "511800": "0835",  # 雅安
    "511900": "0827",  # 巴中
    "512000": "028",  # 资阳
    "513200": "0837",  # 阿坝
    "513300": "0836",  # 甘孜
    "513400": "0834",  # 凉山
    "500000": "023",  # 重庆
    "510000": "028",  # 四川省 (省级机关在成都)
}

# 重庆市 districts in the demo (川渝通办). 江北区 and 渝北区 are not in the Ministry of Civil
# Affairs table shipped with the region loader, so 南岸区 and 大渡口区 stand in for them.
CHONGQING_DISTRICTS: tuple[str, ...] = ("500103", "500104", "500106", "500107", "500108")
# Counties whose 街道 and 乡镇 get their own bodies (乡级 matters): 锦江区, 青羊区, 渝中区, and
# 金堂县 for rural towns (宅基地, 乡村建设 are decided by a 镇人民政府, never by a 街道).
TOWNSHIP_COUNTIES: tuple[str, ...] = ("510104", "510105", "500103", "510121")

_STREETS = (
    "人民路",
    "建设路",
    "解放路",
    "文化路",
    "新华路",
    "滨江路",
    "府前街",
    "政通路",
    "和平路",
    "中山路",
    "光明路",
    "长安路",
)


@dataclass(frozen=True)
class Place:
    """A region as the naming rules need it."""

    code: str
    level: str  # PROVINCE, CITY, COUNTY, TOWNSHIP
    name: str
    full_name: str
    prefix: str  # what a department name starts with: 四川省 / 成都市 / 成都市锦江区 / 金堂县
    city_code: str  # the prefecture above (or 500000 for 重庆's districts); "" for a province
    city_name: str
    city_short: str  # 成都, 阿坝
    county_name: str = ""
    is_district: bool = False

    @property
    def area_code(self) -> str:
        return AREA_CODES.get(self.city_code or self.code, "028")

    @property
    def in_chengdu(self) -> bool:
        return self.code.startswith("5101")

    @property
    def has_approval_bureau(self) -> bool:
        """成都市 and its districts concentrate licensing in a 行政审批局 (相对集中行政许可权)."""
        return self.code == "510100" or (
            self.level == COUNTY and self.in_chengdu and self.is_district
        )

    @property
    def service_center(self) -> str:
        if self.level == TOWNSHIP:
            return f"{self.prefix}便民服务中心"
        return f"{self.prefix}政务服务中心"


def _short_city(name: str) -> str:
    for suffix in ("藏族羌族自治州", "藏族自治州", "彝族自治州", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def places_from_records(records: Iterable[tuple[int, str, str, str]]) -> list[Place]:
    """Places for region records `(level 1–4, code, parent_code, name)`, parents first."""
    rows = {code: (level, parent, name) for level, code, parent, name in records}
    places: dict[str, Place] = {}
    for code in sorted(rows, key=lambda c: (rows[c][0], c)):
        level, parent, name = rows[code]
        if level == 1:
            places[code] = Place(code, PROVINCE, name, name, name, "", "", "")
        elif level == 2:
            province = places[parent]
            places[code] = Place(
                code,
                CITY,
                name,
                province.full_name + name,
                name,
                code,
                name,
                _short_city(name),
            )
        elif level == 3:
            above = places[parent]
            district = name.endswith("区")
            if above.level == PROVINCE:  # a district of a municipality (重庆市渝中区)
                prefix, city_code, city_name = above.name + name, above.code, above.name
            else:
                prefix = above.name + name if district else name
                city_code, city_name = above.code, above.name
            places[code] = Place(
                code,
                COUNTY,
                name,
                above.full_name + name,
                prefix,
                city_code,
                city_name,
                _short_city(city_name),
                county_name=name,
                is_district=district,
            )
        elif level == 4:
            county = places[parent]
            places[code] = Place(
                code,
                TOWNSHIP,
                name,
                county.full_name + name,
                county.prefix + name,
                county.city_code,
                county.city_name,
                county.city_short,
                county_name=county.name,
                is_district=county.is_district,
            )
    return list(places.values())


# --- Kinds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How a department (or a body of one) is named at each level; None: not at that level.

    Placeholders: {p} the place's prefix, {c} the city's name, {cs} its short name, {n} the
    county's own name, {dept} the parent department's name (body kinds)."""

    key: str
    label: str  # shown on windows: 公安综合窗口
    province: str | None
    city: str | None
    county: str | None
    township: str | None = None
    district: str | None = None  # a district's name when it differs (公安分局)
    chengdu_city: str | None = None  # 成都's own name when it differs
    chengdu_county: str | None = None
    parent: str | None = None  # body kinds: the department kind they belong to
    registrar: str = "1"  # GB 32100 登记管理部门: 1 机构编制, 9 市场监管 (companies)
    category: str = "1"  # 1 机关, 2 事业单位, 3 群众团体 (机构编制); 1 企业 (市场监管)
    nature: str = "1"  # GB/T 39046 A.3: 1 法定机关, 2 授权组织, 9 其他
    only_with_approval_bureau: bool = False

    def name_at(self, place: Place, dept_name: str = "") -> str | None:
        level = place.level
        pattern: str | None
        if level == PROVINCE:
            pattern = self.province
        elif level == CITY:
            pattern = self.chengdu_city if place.in_chengdu and self.chengdu_city else self.city
        elif level == COUNTY:
            pattern = self.county
            if pattern and place.is_district and self.district:
                pattern = self.district
            if pattern and place.in_chengdu and self.chengdu_county:
                pattern = self.chengdu_county
        else:
            pattern = self.township
        if pattern is None:
            return None
        if self.only_with_approval_bureau and not place.has_approval_bureau:
            return None
        return pattern.format(
            p=place.prefix,
            c=place.city_name,
            cs=place.city_short,
            n=place.county_name,
            dept=dept_name,
            office="办事处" if place.name.endswith("街道") else "人民政府",
        )


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "gongan",
            "公安",
            "四川省公安厅",
            "{p}公安局",
            "{p}公安局",
            district="{c}公安局{n}分局",
        ),
        Kind(
            "crj",
            "出入境",
            None,
            "{dept}出入境管理支队",
            "{dept}出入境管理大队",
            chengdu_city="{dept}出入境管理局",
            parent="gongan",
        ),
        Kind(
            "jiaojing",
            "交通管理",
            None,
            "{dept}交通警察支队",
            "{dept}交通警察大队",
            chengdu_city="{dept}交通管理局",
            parent="gongan",
        ),
        Kind("minzheng", "民政", "四川省民政厅", "{p}民政局", "{p}民政局"),
        Kind(
            "renshe",
            "人力资源社会保障",
            "四川省人力资源和社会保障厅",
            "{p}人力资源和社会保障局",
            "{p}人力资源和社会保障局",
        ),
        Kind(
            "shebao",
            "社会保险",
            "四川省社会保险事业管理局",
            "{p}社会保险事业管理局",
            "{p}社会保险事业管理局",
            parent="renshe",
            category="2",
        ),
        Kind(
            "jiuye",
            "就业服务",
            "四川省就业服务管理局",
            "{p}就业服务管理局",
            "{p}就业服务管理局",
            parent="renshe",
            category="2",
        ),
        Kind("yibao", "医疗保障", "四川省医疗保障局", "{p}医疗保障局", "{p}医疗保障局"),
        Kind(
            "yibao_center",
            "医保经办",
            "四川省医疗保障事务中心",
            "{p}医疗保障事务中心",
            "{p}医疗保障事务中心",
            parent="yibao",
            category="2",
        ),
        Kind(
            "weijian",
            "卫生健康",
            "四川省卫生健康委员会",
            "{p}卫生健康委员会",
            "{p}卫生健康局",
        ),
        Kind("jiaoyu", "教育", "四川省教育厅", "{p}教育局", "{p}教育局"),
        Kind(
            "scjg",
            "市场监管",
            "四川省市场监督管理局",
            "{p}市场监督管理局",
            "{p}市场监督管理局",
        ),
        Kind("yaojian", "药品监管", "四川省药品监督管理局", None, None),
        Kind(
            "zhujian",
            "住房城乡建设",
            "四川省住房和城乡建设厅",
            "{p}住房和城乡建设局",
            "{p}住房和城乡建设局",
        ),
        Kind(
            "gjj",
            "住房公积金",
            None,
            "{p}住房公积金管理中心",
            None,
            chengdu_city="成都住房公积金管理中心",
            category="2",
        ),
        Kind("jiaotong", "交通运输", "四川省交通运输厅", "{p}交通运输局", "{p}交通运输局"),
        Kind("sthj", "生态环境", "四川省生态环境厅", "{p}生态环境局", None),
        Kind(
            "shuili",
            "水利",
            "四川省水利厅",
            "{p}水利局",
            "{p}水利局",
            chengdu_city="{p}水务局",
            chengdu_county="{p}水务局",
        ),
        Kind("yancao", "烟草专卖", "四川省烟草专卖局", "{p}烟草专卖局", "{p}烟草专卖局"),
        Kind("sifa", "司法行政", "四川省司法厅", "{p}司法局", "{p}司法局"),
        Kind(
            "fayuan",
            "法律援助",
            None,
            "{p}法律援助中心",
            "{p}法律援助中心",
            parent="sifa",
            category="2",
        ),
        Kind(
            "zrzy",
            "自然资源",
            "四川省自然资源厅",
            "{p}自然资源和规划局",
            "{p}自然资源局",
            chengdu_city="{p}规划和自然资源局",
            chengdu_county="{p}规划和自然资源局",
        ),
        Kind(
            "bdc",
            "不动产登记",
            None,
            "{p}不动产登记中心",
            "{p}不动产登记中心",
            parent="zrzy",
            category="2",
        ),
        Kind(
            "tuiyi",
            "退役军人服务",
            "四川省退役军人事务厅",
            "{p}退役军人事务局",
            "{p}退役军人事务局",
        ),
        Kind(
            "canlian",
            "残疾人服务",
            "四川省残疾人联合会",
            "{p}残疾人联合会",
            "{p}残疾人联合会",
            category="3",
            nature="2",
        ),
        Kind(
            "xiaofang",
            "消防",
            "四川省消防救援总队",
            "{p}消防救援支队",
            "{p}消防救援大队",
        ),
        Kind(
            "shuiwu",
            "税务",
            "国家税务总局四川省税务局",
            "国家税务总局{p}税务局",
            "国家税务总局{p}税务局",
        ),
        Kind(
            "wenlv",
            "文化旅游",
            "四川省文化和旅游厅",
            "{p}文化广播电视和旅游局",
            "{p}文化广播电视和旅游局",
        ),
        Kind(
            "chengguan",
            "城市管理",
            None,
            "{p}城市管理局",
            "{p}城市管理局",
            chengdu_city="{p}城市管理委员会",
        ),
        Kind("nongye", "农业农村", "四川省农业农村厅", "{p}农业农村局", "{p}农业农村局"),
        Kind("yingji", "应急管理", "四川省应急管理厅", "{p}应急管理局", "{p}应急管理局"),
        Kind(
            "fagai",
            "发展改革",
            "四川省发展和改革委员会",
            "{p}发展和改革委员会",
            "{p}发展和改革局",
        ),
        Kind(
            "shenpi",
            "综合受理",
            None,
            "{p}行政审批局",
            "{p}行政审批局",
            only_with_approval_bureau=True,
        ),
        Kind("jiedao", "便民服务", None, None, None, township="{p}{office}"),
        # Public utilities (公用事业): companies, so 9 (市场监管) 1 (企业) credit codes, nature 其他.
        Kind(
            "gongdian",
            "供电",
            None,
            "国网四川省电力公司{cs}供电公司",
            None,
            registrar="9",
            nature="9",
        ),
        Kind(
            "gongshui",
            "供水",
            None,
            "{p}自来水有限责任公司",
            None,
            chengdu_city="成都市自来水有限责任公司",
            registrar="9",
            nature="9",
        ),
        Kind(
            "ranqi",
            "燃气",
            None,
            "{p}燃气有限责任公司",
            None,
            chengdu_city="成都城市燃气有限责任公司",
            registrar="9",
            nature="9",
        ),
        Kind(
            "tongxin",
            "通信",
            None,
            "中国电信股份有限公司{cs}分公司",
            None,
            registrar="9",
            nature="9",
        ),
    )
}

# Licences these departments grant move to the 行政审批局 where one exists.
MERGED_INTO_APPROVAL_BUREAU = frozenset(
    {"scjg", "weijian", "zhujian", "jiaotong", "shuili", "wenlv", "renshe", "nongye", "yingji"}
)


# --- Planned organisations ----------------------------------------------------------------------


@dataclass
class PlannedBody:
    """A department and its own body, or a body of a department (`department` set)."""

    kind: str
    place: Place
    name: str
    credit_code: str
    nature: str
    phone: str
    address: str
    department: PlannedBody | None = None  # None: this is a department (and its own body)

    @property
    def is_department(self) -> bool:
        return self.department is None

    @property
    def short_name(self) -> str:
        name = self.name
        if self.place.level in (COUNTY, TOWNSHIP) and name.startswith(self.place.city_name):
            name = name[len(self.place.city_name) :]
        return name[:50]


def _digits(seed: str, n: int) -> int:
    return zlib.crc32(seed.encode()) % 10**n


def demo_phone(place: Place, seed: str) -> str:
    """A DEMO number in the place's area code: 8 digits in 成都/眉山/资阳 (028) and 重庆 (023),
    7 digits elsewhere."""
    area = place.area_code
    if area in ("028", "023"):
        first = "86" if area == "028" else "63"
        return f"{area}-{first}{_digits(seed, 6):06d}"
    return f"{area}-{2 + _digits(seed + '#', 1) % 6}{_digits(seed, 6):06d}"


def demo_address(place: Place, seed: str) -> str:
    street = _STREETS[_digits(seed, 4) % len(_STREETS)]
    number = 1 + _digits(seed + "#n", 3) % 299
    where = place.full_name if place.level != PROVINCE else place.full_name + "成都市"
    return f"{where}{street}{number}号"


def center_address(place: Place) -> str:
    """Where the place's 政务服务中心 (or 便民服务中心) is."""
    return demo_address(place, place.code + ":center")


class CreditCodes:
    """Deterministic DEMO credit codes, unique across what is already taken.

    1 (机构编制) + category + the county-level region code + `MB` and six digits from the name
    (the series given to government bodies since 2015) — the same rule as the foundation demo
    loader, so a department both create gets the same code. Companies get 9 1 … `MA`."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def make(self, *, name: str, region: str, registrar: str, category: str) -> str:
        series = "MA" if registrar == "9" else "MB"
        salt = ""
        for attempt in range(100):
            body = f"{series}{zlib.crc32((name + salt).encode()) % 10**6:06d}"
            code = credit_code_build(
                department=registrar, category=category, region_code=region[:6], org_body8=body
            )
            if code not in self.taken:
                self.taken.add(code)
                return code
            salt = f"#{attempt + 1}"
        raise RuntimeError(f"no free credit code for {name}")  # pragma: no cover


def plan_organisations(
    places: Sequence[Place],
    *,
    existing: dict[tuple[str, str], tuple[str, str, str]] | None = None,
    taken_codes: Iterable[str] = (),
) -> list[PlannedBody]:
    """Every department and body for `places`. `existing` maps (region code, name) to the
    (credit code, phone, address) of organisations already in the database: they are reused as
    they are, so a department the foundation demo created is not duplicated."""
    existing = existing or {}
    codes = CreditCodes(list(taken_codes) + [v[0] for v in existing.values()])
    planned: list[PlannedBody] = []
    for place in places:
        departments: dict[str, PlannedBody] = {}
        for kind in KINDS.values():
            parent = departments.get(kind.parent) if kind.parent else None
            if kind.parent and parent is None:
                continue
            name = kind.name_at(place, parent.name if parent else "")
            if name is None:
                continue
            found = existing.get((place.code, name))
            if found is not None:
                code, phone, address = found
                phone = phone or demo_phone(place, name)
                address = address or demo_address(place, name)
            else:
                code = codes.make(
                    name=name,
                    region=place.code,
                    registrar=kind.registrar,
                    category=kind.category,
                )
                phone = demo_phone(place, name)
                address = demo_address(place, name)
            body = PlannedBody(kind.key, place, name, code, kind.nature, phone, address, parent)
            if parent is None:
                departments[kind.key] = body
            planned.append(body)
    return planned
