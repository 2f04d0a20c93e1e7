"""E-license (电子证照) types the demo catalog refers to.

A material or result that names one of these codes can be replaced by (or is issued as) the
electronic license of that type. The codes are DEMO codes of the form `CN-LIC-…`: the national
证照类型代码 is the defining ministry's credit code plus a 3-digit sequence (standards.md §6.2),
which the licenses app maps these to. Keep this the single table of them: the licenses issue
reuses it."""

from __future__ import annotations

from dataclasses import dataclass

PERSON = "person"  # held by a natural person (持证主体代码类型 111 公民身份号码)
ORGANISATION = "organisation"  # held by a legal person (001 统一社会信用代码)
THING = "thing"  # about a thing (a vehicle, a property); held by its owner


@dataclass(frozen=True)
class LicenseType:
    code: str
    name: str
    defining_department: str
    holder: str


_TYPES: tuple[LicenseType, ...] = (
    LicenseType("CN-LIC-ID-CARD", "居民身份证", "公安部", PERSON),
    LicenseType("CN-LIC-HOUSEHOLD-REGISTER", "居民户口簿", "公安部", PERSON),
    LicenseType("CN-LIC-RESIDENCE-PERMIT", "居住证", "公安部", PERSON),
    LicenseType("CN-LIC-NO-CRIMINAL-RECORD", "无犯罪记录证明", "公安部", PERSON),
    LicenseType("CN-LIC-DRIVING-LICENSE", "机动车驾驶证", "公安部", PERSON),
    LicenseType("CN-LIC-VEHICLE-LICENSE", "机动车行驶证", "公安部", THING),
    LicenseType("CN-LIC-VEHICLE-INSPECTION", "机动车检验合格标志", "公安部", THING),
    LicenseType("CN-LIC-HOTEL-SPECIAL-TRADE", "特种行业许可证（旅馆业）", "公安部", ORGANISATION),
    LicenseType("CN-LIC-PASSPORT", "中华人民共和国普通护照", "国家移民管理局", PERSON),
    LicenseType("CN-LIC-HK-MACAO-PERMIT", "往来港澳通行证", "国家移民管理局", PERSON),
    LicenseType("CN-LIC-TAIWAN-PERMIT", "大陆居民往来台湾通行证", "国家移民管理局", PERSON),
    LicenseType("CN-LIC-MARRIAGE-CERT", "结婚证", "民政部", PERSON),
    LicenseType("CN-LIC-DIVORCE-CERT", "离婚证", "民政部", PERSON),
    LicenseType("CN-LIC-ADOPTION-CERT", "收养登记证", "民政部", PERSON),
    LicenseType("CN-LIC-SOCIAL-ORG-CERT", "社会团体法人登记证书", "民政部", ORGANISATION),
    LicenseType("CN-LIC-MINIMUM-LIVING", "最低生活保障证", "民政部", PERSON),
    LicenseType("CN-LIC-SOCIAL-SECURITY-CARD", "社会保障卡", "人力资源和社会保障部", PERSON),
    LicenseType("CN-LIC-EMPLOYMENT-CERT", "就业创业证", "人力资源和社会保障部", PERSON),
    LicenseType(
        "CN-LIC-LABOR-DISPATCH", "劳务派遣经营许可证", "人力资源和社会保障部", ORGANISATION
    ),
    LicenseType("CN-LIC-HR-SERVICE", "人力资源服务许可证", "人力资源和社会保障部", ORGANISATION),
    LicenseType("CN-LIC-WORK-INJURY", "认定工伤决定书", "人力资源和社会保障部", PERSON),
    LicenseType("CN-LIC-BIRTH-CERT", "出生医学证明", "国家卫生健康委员会", PERSON),
    LicenseType("CN-LIC-VACCINATION", "预防接种证", "国家卫生健康委员会", PERSON),
    LicenseType("CN-LIC-DEATH-CERT", "居民死亡医学证明（推断）书", "国家卫生健康委员会", PERSON),
    LicenseType(
        "CN-LIC-PUBLIC-PLACE-HYGIENE", "公共场所卫生许可证", "国家卫生健康委员会", ORGANISATION
    ),
    LicenseType(
        "CN-LIC-MEDICAL-INSTITUTION", "医疗机构执业许可证", "国家卫生健康委员会", ORGANISATION
    ),
    LicenseType("CN-LIC-PHYSICIAN", "医师执业证书", "国家卫生健康委员会", PERSON),
    LicenseType("CN-LIC-NURSE", "护士执业证书", "国家卫生健康委员会", PERSON),
    LicenseType("CN-LIC-ELDERLY-PREFERENTIAL", "老年人优待证", "国家卫生健康委员会", PERSON),
    LicenseType("CN-LIC-TEACHER-QUALIFICATION", "教师资格证书", "教育部", PERSON),
    LicenseType("CN-LIC-SCHOOL-BUS", "校车标牌", "教育部", THING),
    LicenseType("CN-LIC-BUSINESS-LICENSE", "营业执照", "国家市场监督管理总局", ORGANISATION),
    LicenseType("CN-LIC-FOOD-BUSINESS", "食品经营许可证", "国家市场监督管理总局", ORGANISATION),
    LicenseType("CN-LIC-FOOD-PRODUCTION", "食品生产许可证", "国家市场监督管理总局", ORGANISATION),
    LicenseType(
        "CN-LIC-SPECIAL-EQUIPMENT-USE", "特种设备使用登记证", "国家市场监督管理总局", THING
    ),
    LicenseType("CN-LIC-DRUG-BUSINESS", "药品经营许可证", "国家药品监督管理局", ORGANISATION),
    LicenseType("CN-LIC-DRUG-PRODUCTION", "药品生产许可证", "国家药品监督管理局", ORGANISATION),
    LicenseType(
        "CN-LIC-MEDICAL-DEVICE-BUSINESS",
        "医疗器械经营许可证",
        "国家药品监督管理局",
        ORGANISATION,
    ),
    LicenseType("CN-LIC-PHARMACIST", "执业药师注册证", "国家药品监督管理局", PERSON),
    LicenseType("CN-LIC-CONSTRUCTION-PERMIT", "建筑工程施工许可证", "住房和城乡建设部", THING),
    LicenseType("CN-LIC-PRESALE-PERMIT", "商品房预售许可证", "住房和城乡建设部", ORGANISATION),
    LicenseType(
        "CN-LIC-DRAINAGE-PERMIT", "城镇污水排入排水管网许可证", "住房和城乡建设部", ORGANISATION
    ),
    LicenseType("CN-LIC-GAS-BUSINESS", "燃气经营许可证", "住房和城乡建设部", ORGANISATION),
    LicenseType("CN-LIC-ROAD-TRANSPORT-PERMIT", "道路运输经营许可证", "交通运输部", ORGANISATION),
    LicenseType("CN-LIC-ROAD-TRANSPORT-CERT", "道路运输证", "交通运输部", THING),
    LicenseType("CN-LIC-ROAD-TRANSPORT-QUALIFICATION", "道路运输从业资格证", "交通运输部", PERSON),
    LicenseType(
        "CN-LIC-RIDE-HAILING-PERMIT", "网络预约出租汽车经营许可证", "交通运输部", ORGANISATION
    ),
    LicenseType("CN-LIC-POLLUTANT-DISCHARGE", "排污许可证", "生态环境部", ORGANISATION),
    LicenseType("CN-LIC-WATER-ABSTRACTION", "取水许可证", "水利部", ORGANISATION),
    LicenseType("CN-LIC-TOBACCO-RETAIL", "烟草专卖零售许可证", "国家烟草专卖局", ORGANISATION),
    LicenseType("CN-LIC-REAL-ESTATE", "不动产权证书", "自然资源部", THING),
    LicenseType("CN-LIC-REAL-ESTATE-PROOF", "不动产登记证明", "自然资源部", THING),
    LicenseType("CN-LIC-LAND-USE-PLANNING", "建设用地规划许可证", "自然资源部", ORGANISATION),
    LicenseType("CN-LIC-CONSTRUCTION-PLANNING", "建设工程规划许可证", "自然资源部", ORGANISATION),
    LicenseType("CN-LIC-RURAL-PLANNING", "乡村建设规划许可证", "自然资源部", PERSON),
    LicenseType(
        "CN-LIC-VETERAN-PREFERENTIAL",
        "退役军人和其他优抚对象优待证",
        "退役军人事务部",
        PERSON,
    ),
    LicenseType("CN-LIC-DISCHARGE-CERT", "退出现役证明", "退役军人事务部", PERSON),
    LicenseType("CN-LIC-DISABILITY-CERT", "中华人民共和国残疾人证", "中国残疾人联合会", PERSON),
    LicenseType(
        "CN-LIC-FIRE-SAFETY-CHECK",
        "公众聚集场所投入使用、营业消防安全检查合格证",
        "国家消防救援局",
        ORGANISATION,
    ),
    LicenseType("CN-LIC-ENTERTAINMENT-PERMIT", "娱乐经营许可证", "文化和旅游部", ORGANISATION),
    LicenseType("CN-LIC-PERFORMANCE-PERMIT", "营业性演出许可证", "文化和旅游部", ORGANISATION),
    LicenseType("CN-LIC-TRAVEL-AGENCY", "旅行社业务经营许可证", "文化和旅游部", ORGANISATION),
    LicenseType("CN-LIC-INTERNET-CAFE", "网络文化经营许可证", "文化和旅游部", ORGANISATION),
    LicenseType("CN-LIC-PESTICIDE-BUSINESS", "农药经营许可证", "农业农村部", ORGANISATION),
    LicenseType("CN-LIC-VETERINARY-DRUG", "兽药经营许可证", "农业农村部", ORGANISATION),
    LicenseType("CN-LIC-ANIMAL-EPIDEMIC", "动物防疫条件合格证", "农业农村部", ORGANISATION),
    LicenseType("CN-LIC-HAZARDOUS-CHEMICALS", "危险化学品经营许可证", "应急管理部", ORGANISATION),
    LicenseType(
        "CN-LIC-FIREWORKS-RETAIL", "烟花爆竹经营（零售）许可证", "应急管理部", ORGANISATION
    ),
)

LICENSE_TYPES: dict[str, LicenseType] = {t.code: t for t in _TYPES}


def license_name(code: str) -> str:
    return LICENSE_TYPES[code].name
