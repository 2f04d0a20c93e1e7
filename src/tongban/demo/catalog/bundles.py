"""The 13 national “高效办成一件事” key bundles (国办发〔2024〕3号, first batch), with members
named as in the matter tables (catalog name or alias; `catalog_data.matter_by_name` resolves
them). A stage's members are handled in parallel, stages in order. Shared fields are asked once
for the whole bundle; a shared material stands in for the materials it `replaces` in the
members' guides (names no member asks for are dropped when the dataset is built)."""

from __future__ import annotations

from dataclasses import dataclass

from tongban.demo.catalog.spec import Json, fld

PERSONAL = "personal"
CORPORATE = "corporate"


@dataclass(frozen=True)
class Bundle:
    code: str
    name: str
    audience: str  # ThemeAudience: personal / corporate
    summary: str
    promised_days: int
    # Stages in order: (stage name, ((matter name or alias, note), …)).
    stages: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    shared_fields: tuple[Json, ...] = ()
    shared_materials: tuple[Json, ...] = ()


def shared(name: str, *replaces: str, license_type: str = "") -> Json:
    return {"name": name, "license_type_code": license_type, "replaces": list(replaces)}


_APPLICANT = (
    fld("applicant_name", "申请人姓名", prefill="applicant.name", max_length=50),
    fld("citizen_id", "公民身份号码", "citizen_id", prefill="applicant.id_number"),
    fld("phone", "联系电话", "phone", prefill="applicant.phone"),
)
_COMPANY = (
    fld("org_name", "单位名称", prefill="legal_person.name", max_length=200),
    fld("credit_code", "统一社会信用代码", "credit_code", prefill="legal_person.credit_code"),
    fld("contact_name", "经办人姓名", prefill="applicant.name", max_length=50),
    fld("phone", "经办人联系电话", "phone", prefill="applicant.phone"),
)
_ID = shared(
    "申请人居民身份证",
    "申请人居民身份证",
    "申请人身份证明",
    "本人居民户口簿",
    "参保人居民身份证",
    "缴存职工居民身份证",
    "残疾人居民身份证",
    "退役军人居民身份证",
    "退役士兵居民身份证",
    "迁移人居民身份证",
    "买卖双方居民身份证",
    license_type="CN-LIC-ID-CARD",
)
_LEGAL_REP = shared(
    "法定代表人（负责人）居民身份证",
    "法定代表人（负责人）居民身份证",
    "申请人身份证明",
    license_type="CN-LIC-ID-CARD",
)
_LICENSE = shared("营业执照", "营业执照", license_type="CN-LIC-BUSINESS-LICENSE")
_REAL_ESTATE = shared(
    "不动产权证书",
    "不动产权证书",
    "用电（水、气、网）地址的产权证明或使用证明",
    "不动产权证书（新产权人）",
    license_type="CN-LIC-REAL-ESTATE",
)
_COURT = shared("人民法院指定管理人的决定书", "人民法院指定管理人的决定书")

BUNDLES: tuple[Bundle, ...] = (
    Bundle(
        code="YJS-GJ-001",
        name="新生儿出生“一件事”",
        audience=PERSONAL,
        summary="新生儿出生后，一次申请办理出生医学证明、生育登记、户口登记、医保参保和社会保障卡申领。",
        promised_days=5,
        stages=(
            ("出生医学证明", (("出生医学证明办理", "由助产机构在出院前签发"),)),
            ("户口和生育登记", (("出生登记", "随父或随母落户"), ("生育登记", ""))),
            (
                "参保办卡",
                (
                    ("基本医疗保险参保登记", "新生儿参加城乡居民医保"),
                    ("社会保障卡申领", "制卡后邮寄"),
                ),
            ),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("child_name", "新生儿姓名", max_length=50),
            fld("child_birth_date", "出生日期", "date"),
            fld("child_sex", "性别", "select", options=("男", "女")),
            fld("settle_with", "随父或随母落户", "select", options=("随父", "随母")),
            fld("mail_address", "证件邮寄地址", "address"),
        ),
        shared_materials=(
            shared(
                "出生医学证明", "出生医学证明", "原出生医学证明", license_type="CN-LIC-BIRTH-CERT"
            ),
            shared(
                "父母双方居民身份证",
                "父母双方居民身份证",
                "新生儿父母居民身份证",
                "登记人居民身份证",
                license_type="CN-LIC-ID-CARD",
            ),
            shared("结婚证", "结婚证", license_type="CN-LIC-MARRIAGE-CERT"),
        ),
    ),
    Bundle(
        code="YJS-GJ-002",
        name="开办餐饮店“一件事”",
        audience=CORPORATE,
        summary="开办餐饮店一次申请，营业执照、食品经营许可、消防安全检查、户外招牌设置和排水许可并联办理。",
        promised_days=5,
        stages=(
            (
                "主体登记",
                (
                    ("个体工商户设立登记", "以个体工商户经营的办理"),
                    ("企业设立登记", "以企业形式经营的办理"),
                ),
            ),
            (
                "准营许可",
                (
                    ("食品经营许可", "餐饮服务经营者"),
                    (
                        "公众聚集场所投入使用营业前消防安全检查",
                        "营业面积或人员密集达到公众聚集场所标准的",
                    ),
                    ("户外招牌设置", "设置店招标牌的"),
                    ("城镇污水排入排水管网许可", "餐饮排水户"),
                ),
            ),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("shop_name", "店铺名称", max_length=60),
            fld("premises", "经营场所", "address"),
            fld("area", "经营面积（平方米）", "number"),
            fld("seats", "就餐座位数", "number"),
        ),
        shared_materials=(
            shared("经营场所使用证明", "经营场所使用证明"),
            _LICENSE,
            shared(
                "法定代表人（负责人）或经营者居民身份证",
                "法定代表人（负责人）居民身份证",
                "经营者居民身份证",
                license_type="CN-LIC-ID-CARD",
            ),
        ),
    ),
    Bundle(
        code="YJS-GJ-003",
        name="企业信息变更“一件事”",
        audience=CORPORATE,
        summary="企业变更登记后，税务、社保、公积金登记信息同步变更，不再分别申请。",
        promised_days=1,
        stages=(
            ("变更登记", (("企业变更登记", ""),)),
            (
                "关联信息同步变更",
                (
                    ("纳税人信息变更", "由市场监管部门推送"),
                    ("单位参保信息变更", ""),
                    ("住房公积金单位缴存信息变更", ""),
                ),
            ),
        ),
        shared_fields=(
            *_COMPANY,
            fld(
                "changed_items",
                "变更事项",
                "multiselect",
                options=("名称", "住所", "法定代表人", "注册资本", "经营范围"),
            ),
        ),
        shared_materials=(_LICENSE,),
    ),
    Bundle(
        code="YJS-GJ-004",
        name="退休“一件事”",
        audience=PERSONAL,
        summary="职工退休一次申请，退休审批、养老金申领、住房公积金提取等联动办理。",
        promised_days=15,
        stages=(
            ("退休审批", (("职工正常退休申请", ""),)),
            ("待遇办理", (("企业职工基本养老保险待遇申领", ""), ("离退休提取住房公积金", "可选"))),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("bank_account", "待遇发放账户（社会保障卡金融账户）", max_length=30),
        ),
        shared_materials=(
            _ID,
            shared("社会保障卡", "社会保障卡", license_type="CN-LIC-SOCIAL-SECURITY-CARD"),
        ),
    ),
    Bundle(
        code="YJS-GJ-005",
        name="二手房转移登记及水电气网联合过户“一件事”",
        audience=PERSONAL,
        summary="二手房交易在不动产登记窗口一次提交，转移登记与水、电、气、网过户同步办理。",
        promised_days=3,
        stages=(
            ("转移登记", (("不动产转移登记", "税费一窗缴纳"),)),
            (
                "联合过户",
                (("用水过户", ""), ("用电过户", ""), ("用气过户", ""), ("宽带过户", "")),
            ),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("property_address", "房屋坐落", "address"),
            fld("certificate_no", "不动产权证书号", max_length=40),
        ),
        shared_materials=(_REAL_ESTATE, _ID),
    ),
    Bundle(
        code="YJS-GJ-006",
        name="教育入学“一件事”",
        audience=PERSONAL,
        summary="义务教育入学网上报名，户籍、住房、居住证、社保等信息由部门共享核验，家长不再开具证明。",
        promised_days=20,
        stages=(
            (
                "入学信息核验",
                (
                    ("不动产登记资料查询", "核验住房情况（数据共享）"),
                    ("居住证申领", "随迁子女家庭核验居住证"),
                    ("社会保险个人权益记录查询打印", "随迁子女家庭核验社保缴纳"),
                ),
            ),
            ("入学报名", (("义务教育阶段学校入学", ""),)),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("child_name", "儿童姓名", max_length=50),
            fld("child_id", "儿童公民身份号码", "citizen_id"),
            fld("stage", "入学学段", "select", options=("小学一年级", "初中一年级")),
            fld("home_address", "实际居住地址", "address"),
        ),
        shared_materials=(
            shared(
                "居民户口簿", "儿童及监护人居民户口簿", license_type="CN-LIC-HOUSEHOLD-REGISTER"
            ),
            shared("居住证明", "居住证明", license_type="CN-LIC-RESIDENCE-PERMIT"),
        ),
    ),
    Bundle(
        code="YJS-GJ-007",
        name="军人退役“一件事”",
        audience=PERSONAL,
        summary="退役军人到安置地一次报到，落户、补助金、优待证和社保关系接续一并办理。",
        promised_days=20,
        stages=(
            (
                "报到落户",
                (("退役军人报到", ""), ("户口迁移", "退役士兵落户")),
            ),
            (
                "待遇和关系接续",
                (
                    ("自主就业退役士兵一次性经济补助金给付", "选择自主就业的"),
                    ("退役军人优待证申领", ""),
                    ("基本养老保险关系转移接续", "军人退役养老保险关系转移"),
                    ("基本医疗保险关系转移接续", "军人退役医疗保险关系转移"),
                ),
            ),
        ),
        shared_fields=(
            *_APPLICANT,
            fld("discharge_date", "退出现役时间", "date"),
            fld(
                "placement", "安置方式", "select", options=("自主就业", "安排工作", "退休", "供养")
            ),
        ),
        shared_materials=(
            shared("退出现役证明", "退出现役证明", license_type="CN-LIC-DISCHARGE-CERT"),
            _ID,
        ),
    ),
    Bundle(
        code="YJS-GJ-008",
        name="残疾人服务“一件事”",
        audience=PERSONAL,
        summary="办理残疾人证后，两项补贴、康复救助等符合条件的待遇主动推送、一次申请。",
        promised_days=20,
        stages=(
            ("办证", (("残疾人证办理", ""),)),
            (
                "待遇申请",
                (
                    ("困难残疾人生活补贴和重度残疾人护理补贴", ""),
                    ("残疾儿童康复救助", "0—6岁残疾儿童"),
                    ("最低生活保障", "符合低保条件的"),
                ),
            ),
        ),
        shared_fields=(
            *_APPLICANT,
            fld(
                "disability_type",
                "残疾类别",
                "select",
                options=("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
            ),
        ),
        shared_materials=(
            shared(
                "中华人民共和国残疾人证",
                "中华人民共和国残疾人证",
                "残疾人证",
                license_type="CN-LIC-DISABILITY-CERT",
            ),
            _ID,
        ),
    ),
    Bundle(
        code="YJS-GJ-009",
        name="社会保障卡居民服务“一件事”",
        audience=PERSONAL,
        summary="以社会保障卡为载体，申领、补换、参保和权益查询一卡办理，就医购药、待遇领取一卡通用。",
        promised_days=1,
        stages=(
            ("办卡", (("社会保障卡申领", "首次申领"), ("社会保障卡补换", "遗失或损坏的"))),
            (
                "一卡通用",
                (
                    ("基本医疗保险参保登记", ""),
                    ("城乡居民基本养老保险参保登记", ""),
                    ("社会保险个人权益记录查询打印", ""),
                ),
            ),
        ),
        shared_fields=_APPLICANT,
        shared_materials=(_ID,),
    ),
    Bundle(
        code="YJS-GJ-010",
        name="水电气网联合报装“一件事”",
        audience=CORPORATE,
        summary="水、电、气、网报装一表申请、联合踏勘，外线工程涉及的占掘路审批并联办理。",
        promised_days=5,
        stages=(
            ("联合报装", (("用电报装", ""), ("用水报装", ""), ("用气报装", ""), ("宽带报装", ""))),
            ("外线工程审批", (("城市道路占用、挖掘审批", "涉及外线工程的，由供应企业代办"),)),
        ),
        shared_fields=(
            *_COMPANY,
            fld("service_address", "报装地址", "address"),
            fld("needs", "报装需求", "multiselect", options=("用电", "用水", "用气", "宽带")),
        ),
        shared_materials=(_REAL_ESTATE, _LEGAL_REP),
    ),
    Bundle(
        code="YJS-GJ-011",
        name="信用修复“一件事”",
        audience=CORPORATE,
        summary="一次申请，市场监管、税务、发展改革等部门的失信信息修复结果互认、同步更新。",
        promised_days=5,
        stages=(
            (
                "信用修复",
                (
                    ("市场监管领域行政处罚信息信用修复", ""),
                    ("经营异常名录移出", "被列入经营异常名录的"),
                    ("纳税信用修复", ""),
                    ("失信行为纠正后的信用信息修复", "信用中国网站公示信息"),
                ),
            ),
        ),
        shared_fields=(
            *_COMPANY,
            fld("decision_no", "行政处罚决定书文号", max_length=50, required=False),
        ),
        shared_materials=(shared("守信承诺书", "守信承诺书"), _LEGAL_REP),
    ),
    Bundle(
        code="YJS-GJ-012",
        name="开办运输企业“一件事”",
        audience=CORPORATE,
        summary="开办道路货运企业一次申请，营业执照、道路运输经营许可、车辆道路运输证和驾驶员从业资格证联办。",
        promised_days=7,
        stages=(
            ("主体登记", (("企业设立登记", ""),)),
            ("经营许可", (("道路运输经营许可", ""),)),
            (
                "车辆和人员",
                (
                    ("道路运输证配发", ""),
                    ("道路运输从业人员从业资格证核发", "驾驶员尚无从业资格证的"),
                ),
            ),
        ),
        shared_fields=(*_COMPANY, fld("vehicles", "拟投入车辆数", "number")),
        shared_materials=(
            _LICENSE,
            shared("机动车行驶证", "机动车行驶证", license_type="CN-LIC-VEHICLE-LICENSE"),
        ),
    ),
    Bundle(
        code="YJS-GJ-013",
        name="企业破产信息核查“一件事”",
        audience=CORPORATE,
        summary="破产管理人一次申请，集中查询破产企业的登记、不动产、车辆、社保、公积金和纳税信息。",
        promised_days=5,
        stages=(
            (
                "信息核查",
                (
                    ("企业登记档案查询", ""),
                    ("不动产登记资料查询", ""),
                    ("机动车登记信息查询", ""),
                    ("单位参保证明查询打印", ""),
                    ("住房公积金缴存信息查询", ""),
                    ("涉税信息查询", ""),
                ),
            ),
        ),
        shared_fields=(
            *_COMPANY,
            fld("debtor_name", "破产企业名称", max_length=200),
            fld("debtor_credit_code", "破产企业统一社会信用代码", "credit_code"),
            fld("court_decision_no", "指定管理人决定书文号", max_length=50),
        ),
        shared_materials=(_COURT,),
    ),
)
