"""Public utility services (水电气网 connection and transfer of ownership), offered by the utility
companies through the platform, and the vehicle-registration query a bankruptcy check needs.

Basic codes are DEMO codes in the national pattern `00 TT DD MMM SSS` (see spec.basic_code), not
the official ones."""

from __future__ import annotations

from tongban.demo.catalog.spec import (
    CITY,
    Matter,
    basic_code,
    fld,
    id_card,
    mat,
)

_CONNECT_CONDITIONS = (
    "用户在供应范围内新装、增容，产权清晰，具备接入条件；涉及外线工程的，相关占掘路等审批由"
    "供应企业代办、政府部门并联审批。",
)
_TRANSFER_CONDITIONS = (
    "房屋产权发生转移的，新产权人凭不动产权证书申请将用户名变更为本人，原户结清费用；可在办理"
    "不动产转移登记时一并申请。",
)
_PROPERTY = mat(
    "用电（水、气、网）地址的产权证明或使用证明",
    "ce",
    lic="CN-LIC-REAL-ESTATE",
    src="government",
    issuer="不动产登记机构",
    notes="不动产权证书通过电子证照核验；租赁的提交租赁合同和产权人同意书。",
)
_NEW_OWNER_CERT = mat(
    "不动产权证书（新产权人）",
    "e",
    src="government",
    issuer="不动产登记机构",
    lic="CN-LIC-REAL-ESTATE",
    notes="由不动产登记机构推送，无需提交。",
    key=False,
)
_APPLICANT_ID = mat(
    "申请人身份证明",
    "e",
    src="government",
    issuer="公安机关或登记机关",
    lic="CN-LIC-ID-CARD",
    notes="个人为居民身份证，单位为营业执照；网上申请经实名认证的免于提交。",
)
_ADDRESS = fld("service_address", "用户地址", "address")
_ACCOUNT = fld("account_no", "原用户编号", max_length=30)


def _connect(
    seq: int, name: str, kind: str, basis: str, days: int, aliases: tuple[str, ...], popularity: int
) -> Matter:
    return Matter(
        code=basic_code("20", "gongyong", seq),
        name=name,
        aliases=aliases,
        item_type="20",
        ministry="国家发展和改革委员会",
        at={CITY: kind},
        basis=basis,
        legal_days=days + 5,
        promised_days=days,
        promised_note="不含外线工程施工时间；无外线工程的低压（小型）用户在承诺时限内完成接入。",
        conditions=_CONNECT_CONDITIONS,
        materials=(_APPLICANT_ID, _PROPERTY),
        objects=("1", "2"),
        person_themes=("140",),
        corporate_themes=("160",),
        online=True,
        content=f"{name}：受理、现场勘查、方案答复、施工接入一站式办理。",
        popularity=popularity,
        fields=(
            _ADDRESS,
            fld("user_type", "用户类型", "select", options=("居民", "非居民")),
            fld("capacity", "申请容量或用量", max_length=30, required=False),
        ),
    )


def _transfer(
    seq: int, name: str, kind: str, basis: str, aliases: tuple[str, ...], popularity: int
) -> Matter:
    return Matter(
        code=basic_code("20", "gongyong", seq),
        name=name,
        aliases=aliases,
        item_type="20",
        ministry="国家发展和改革委员会",
        at={CITY: kind},
        basis=basis,
        legal_days=5,
        promised_days=0,
        conditions=_TRANSFER_CONDITIONS,
        materials=(_APPLICANT_ID, _NEW_OWNER_CERT),
        objects=("1", "2"),
        person_themes=("140", "075"),
        corporate_themes=("160",),
        online=True,
        popularity=popularity,
        fields=(_ADDRESS, _ACCOUNT),
    )


_POWER = "《中华人民共和国电力法》第二十六条；《电力供应与使用条例》"
_WATER = "《城市供水条例》；《四川省城市供水条例》"
_GAS = "《城镇燃气管理条例》第十七条、第十八条"
_NET = "《中华人民共和国电信条例》"

MATTERS: tuple[Matter, ...] = (
    _connect(1, "用电报装", "gongdian", _POWER, 5, ("低压用电报装", "电力接入"), 150),
    _connect(2, "用水报装", "gongshui", _WATER, 5, ("供水报装",), 90),
    _connect(3, "用气报装", "ranqi", _GAS, 5, ("天然气报装", "燃气报装"), 90),
    _connect(4, "宽带报装", "tongxin", _NET, 3, ("互联网接入报装",), 120),
    _transfer(5, "用电过户", "gongdian", _POWER, ("电力更名过户",), 110),
    _transfer(6, "用水过户", "gongshui", _WATER, ("供水过户",), 100),
    _transfer(7, "用气过户", "ranqi", _GAS, ("燃气过户",), 100),
    _transfer(8, "宽带过户", "tongxin", _NET, ("有线电视和宽带过户",), 80),
    Matter(
        code=basic_code("20", "gongan", 18),
        name="机动车登记信息查询",
        aliases=("机动车档案信息查询",),
        item_type="20",
        ministry="公安部",
        at={CITY: "jiaojing"},
        basis="《机动车登记规定》（公安部令第164号）；《中华人民共和国企业破产法》第二十五条",
        legal_days=0,
        promised_days=0,
        conditions=(
            "机动车所有人查询本人名下机动车登记信息；人民法院指定的破产管理人查询破产企业名下机动车。",
        ),
        materials=(
            id_card("查询人"),
            mat(
                "人民法院指定管理人的决定书",
                "c",
                cond="破产管理人查询的",
                src="government",
                issuer="人民法院",
            ),
        ),
        objects=("1", "2"),
        person_themes=("095",),
        corporate_themes=("090",),
        online=True,
        result=("机动车登记信息查询结果", ""),
        popularity=60,
        fields=(
            fld("subject", "查询对象", "select", options=("本人名下", "单位名下", "破产企业名下")),
        ),
    ),
)
