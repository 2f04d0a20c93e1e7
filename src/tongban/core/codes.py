"""National code tables (国家标准代码表) used across the platform.

Codes and Chinese names are copied exactly from GB/T 39046-2020 Appendix A and the national
exchange schema (standards notes §1.2, §2.3, §2.4). Labels are the national names, wrapped for
translation so the English interface can show an English name; the stored value is always the
code. Later apps take their `choices` from here instead of re-typing the tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型代码, GB/T 39046 Table A.1 (2 digits; 11… and 21… are reserved for extensions)."""

    ADMINISTRATIVE_POWER = "00", _("行政权力事项")
    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    COERCION = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT_PAYMENT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他类别事项")
    PUBLIC_SERVICE = "20", _("公共服务事项")


# Items a citizen or company applies for (依申请): the rest are exercised ex officio (依职权) and
# are catalogued but never offered for application on the portal.
ON_APPLICATION_ITEM_TYPES = frozenset(
    {
        ItemType.LICENSING,
        ItemType.BENEFIT_PAYMENT,
        ItemType.CONFIRMATION,
        ItemType.REWARD,
        ItemType.ADJUDICATION,
        ItemType.OTHER_POWER,
        ItemType.PUBLIC_SERVICE,
    }
)


class ExerciseLevel(models.TextChoices):
    """行使层级代码, GB/T 39046 Table A.2."""

    NATIONAL = "1", _("国家级/局(署、会)")
    PROVINCIAL = "2", _("省级/直属")
    CITY = "3", _("市级/隶属")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("镇(乡、街道)级")
    VILLAGE = "6", _("村(社区)级")
    TIERED = "7", _("分级管理")


class BodyNature(models.TextChoices):
    """实施主体性质代码, GB/T 39046 Table A.3 (same values as core.models.organizations)."""

    STATUTORY = "1", _("法定机关")
    AUTHORIZED = "2", _("授权组织")
    ENTRUSTED = "3", _("受委托组织")
    OTHER = "9", _("其他")


class ServiceObject(models.TextChoices):
    """服务对象代码, GB/T 39046 Table A.4."""

    NATURAL_PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    PUBLIC_INSTITUTION = "3", _("事业法人")
    SOCIAL_ORGANIZATION = "4", _("社会组织法人")
    ADMINISTRATIVE_ORGAN = "5", _("行政机关")
    OTHER_ORGANIZATION = "6", _("其他组织")


# The national exchange schema numbers 服务对象 differently from A.4 (it adds 非法人企业 and moves
# 行政机关 and 其他组织). Imported rows carry the exchange code; store the A.4 code.
SERVICE_OBJECT_EXCHANGE: dict[str, str] = {
    "1": "自然人",
    "2": "企业法人",
    "3": "事业法人",
    "4": "社会组织法人",
    "5": "非法人企业",
    "6": "行政机关",
    "9": "其他组织",
}
SERVICE_OBJECT_FROM_EXCHANGE: dict[str, ServiceObject] = {
    "1": ServiceObject.NATURAL_PERSON,
    "2": ServiceObject.ENTERPRISE,
    "3": ServiceObject.PUBLIC_INSTITUTION,
    "4": ServiceObject.SOCIAL_ORGANIZATION,
    "5": ServiceObject.OTHER_ORGANIZATION,  # 非法人企业 has no A.4 code of its own
    "6": ServiceObject.ADMINISTRATIVE_ORGAN,
    "9": ServiceObject.OTHER_ORGANIZATION,
}


class HandlingForm(models.TextChoices):
    """办理形式代码, GB/T 39046 Table A.5 (also the 申报来源 of an application)."""

    WINDOW = "1", _("窗口办理")
    ONLINE_PC = "2", _("电脑端网上办理")
    ONLINE_MOBILE = "3", _("移动端网上申请")
    BY_POST = "4", _("快递申请")
    OTHER = "9", _("其他")


class CaseKind(models.TextChoices):
    """办件类型代码, GB/T 39046 Table A.6."""

    IMMEDIATE = "1", _("即办件")
    PROMISED = "2", _("承诺件")
    OTHER = "9", _("其他")


# Older exchange interfaces (INFOTYPE) also send these; map them to CaseKind.OTHER on import.
CASE_KIND_LEGACY: dict[str, str] = {"3": "联办件", "4": "上报件"}


class SpecialProcedureKind(models.TextChoices):
    """特别程序种类代码, GB/T 39046 Table A.7 (legacy exchange data uses A/B)."""

    EXTENSION = "1", _("延长审批")
    OTHER = "2", _("除延长审批之外的情况")


SPECIAL_PROCEDURE_LEGACY: dict[str, SpecialProcedureKind] = {
    "A": SpecialProcedureKind.EXTENSION,
    "B": SpecialProcedureKind.OTHER,
}


class Satisfaction(models.TextChoices):
    """满意度代码, GB/T 39046 Table A.8 (好差评: 1–3 count as good, 4–5 as bad)."""

    VERY_SATISFIED = "1", _("非常满意")
    SATISFIED = "2", _("满意")
    BASICALLY_SATISFIED = "3", _("基本满意")
    DISSATISFIED = "4", _("不满意")
    VERY_DISSATISFIED = "5", _("非常不满意")


class PowerSource(models.TextChoices):
    """权力来源 (national exchange schema; several vendors agree on these codes)."""

    STATUTORY = "1", _("法定本级行使")
    DELEGATED_FROM_ABOVE = "2", _("上级下放")
    AUTHORIZED_FROM_ABOVE = "3", _("上级授权")
    AUTHORIZED_BY_PEER = "4", _("同级授权")
    ENTRUSTED_FROM_ABOVE = "5", _("上级委托")
    ENTRUSTED_BY_PEER = "6", _("同级委托")


class OnlineDepth(models.TextChoices):
    """网上办理深度 (exchange schema `online_handle_depth`; multi-select, stored as a code list)."""

    CONSULTATION = "1", _("互联网咨询")
    RECEIPT = "2", _("互联网收件")
    PRE_REVIEW = "3", _("互联网预审")
    ACCEPTANCE = "4", _("互联网受理")
    HANDLING = "5", _("互联网办理")
    RESULT_FEEDBACK = "6", _("互联网办理结果信息反馈")
    LICENSE_FEEDBACK = "7", _("互联网电子证照反馈")
    OTHER = "8", _("其他")


class YesNo(models.TextChoices):
    """是否… flags in every national data set: 1 是 / 0 否."""

    YES = "1", _("是")
    NO = "0", _("否")


class NaturalPersonTheme(models.TextChoices):
    """自然人服务主题代码 (3 digits, step 5; 080 is unused)."""

    BIRTH_ADOPTION = "005", _("生育收养")
    HOUSEHOLD_REGISTRATION = "010", _("户籍办理")
    ETHNICITY_RELIGION = "015", _("民族宗教")
    EDUCATION_RESEARCH = "020", _("教育科研")
    MILITARY_SERVICE = "025", _("入伍服役")
    EMPLOYMENT_ENTREPRENEURSHIP = "030", _("就业创业")
    ESTABLISHMENT_CHANGE = "035", _("设立变更")
    BUSINESS_PERMITS = "040", _("准营准办")
    MORTGAGE_PLEDGE = "045", _("抵押质押")
    PROFESSIONAL_QUALIFICATIONS = "050", _("职业资格")
    ADMINISTRATIVE_FEES = "055", _("行政缴费")
    MARRIAGE_REGISTRATION = "060", _("婚姻登记")
    PREFERENTIAL_TREATMENT = "065", _("优待抚恤")
    PLANNING_CONSTRUCTION = "070", _("规划建设")
    HOUSING_SECURITY = "075", _("住房保障")
    SOCIAL_SECURITY = "085", _("社会保障（社会保险、社会救助）")
    CERTIFICATES = "090", _("证件办理")
    TRANSPORT = "095", _("交通出行")
    TOURISM = "100", _("旅游观光")
    ENTRY_EXIT = "105", _("出境入境")
    CONSUMER_RIGHTS = "110", _("消费维权")
    PUBLIC_SAFETY = "115", _("公共安全")
    JUSTICE_NOTARIZATION = "120", _("司法公证")
    INTELLECTUAL_PROPERTY = "125", _("知识产权")
    ENVIRONMENT_GREENING = "130", _("环保绿化")
    CULTURE_SPORTS = "135", _("文化体育")
    PUBLIC_UTILITIES = "140", _("公用事业")
    HEALTH_CARE = "145", _("医疗卫生")
    RESIGNATION_RETIREMENT = "150", _("离职退休")
    DEATH_FUNERAL = "155", _("死亡殡葬")
    LOCAL_SPECIAL = "998", _("地方特色分类")
    OTHER = "999", _("其他")


class LegalPersonTheme(models.TextChoices):
    """法人服务主题代码 (3 digits, step 5; 080 is unused)."""

    ESTABLISHMENT_CHANGE = "005", _("设立变更")
    BUSINESS_PERMITS = "010", _("准营准办")
    QUALIFICATION_CERTIFICATION = "015", _("资质认证")
    ANNUAL_INSPECTION = "020", _("年检年审")
    TAX_FINANCE = "025", _("税收财务")
    HUMAN_RESOURCES = "030", _("人力资源")
    SOCIAL_SECURITY = "035", _("社会保障")
    INVESTMENT_APPROVAL = "040", _("投资审批")
    FINANCING_CREDIT = "045", _("融资信贷")
    MORTGAGE_PLEDGE = "050", _("抵押质押")
    COMMERCE_TRADE = "055", _("商务贸易")
    TENDERING_AUCTION = "060", _("招标拍卖")
    CUSTOMS_PORTS = "065", _("海关口岸")
    FOREIGN_AFFAIRS = "070", _("涉外服务")
    AGRICULTURE = "075", _("农林牧渔")
    LAND_PLANNING_CONSTRUCTION = "085", _("国土和规划建设")
    TRANSPORTATION = "090", _("交通运输")
    ENVIRONMENT_GREENING = "095", _("环保绿化")
    CLIMATE_CHANGE = "100", _("应对气候变化")
    WATER_METEOROLOGY = "105", _("水务气象")
    HEALTH_CARE = "110", _("医疗卫生")
    SCIENCE_INNOVATION = "115", _("科技创新")
    CULTURE_SPORTS_EDUCATION = "120", _("文体教育")
    INTELLECTUAL_PROPERTY = "125", _("知识产权")
    ETHNICITY_RELIGION = "130", _("民族宗教")
    QUALITY_TECHNOLOGY = "135", _("质量技术")
    INSPECTION_QUARANTINE = "140", _("检验检疫")
    WORK_SAFETY = "145", _("安全生产")
    FIRE_SAFETY = "150", _("公安消防")
    JUSTICE_NOTARIZATION = "155", _("司法公证")
    PUBLIC_UTILITIES = "160", _("公用事业")
    DEREGISTRATION = "165", _("法人注销")
    ARCHIVES_RELICS = "170", _("档案文物")
    LOCAL_SPECIAL = "998", _("地方特色分类")
    OTHER = "999", _("其他")


class ThemeAudience(models.TextChoices):
    """Which theme table a theme code belongs to; also the URL segment of a theme page."""

    PERSONAL = "personal", _("个人服务")
    CORPORATE = "corporate", _("法人服务")


THEMES_BY_AUDIENCE: dict[str, type[models.TextChoices]] = {
    ThemeAudience.PERSONAL: NaturalPersonTheme,
    ThemeAudience.CORPORATE: LegalPersonTheme,
}


def theme_label(audience: str, code: str) -> str | None:
    """The (translated) name of a theme code in the audience's table, or None if it has none."""
    table = THEMES_BY_AUDIENCE.get(audience)
    if table is None or code not in table.values:
        return None
    return str(table(code).label)
