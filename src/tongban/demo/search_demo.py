"""Demo data of the search app for `demo load`: idempotent (look up by natural key, create what is
missing), created through the app's services so the audit log shows it.

The synonym table is seeded with what people actually type at a 政务服务 search box (the
colloquial names of licences and life events), then the index is built over the demo catalog —
only when it does not already hold every published document."""

from __future__ import annotations

from typing import Any

from tongban.demo.catalog_data import MATTERS
from tongban.search import registry
from tongban.search.models import SearchDocument, Synonym
from tongban.search.services import index_rebuild, synonyms_seed

S, C, A = Synonym.Kind.SYNONYM, Synonym.Kind.COLLOQUIAL, Synonym.Kind.ABBREVIATION

# (what people type, what the catalog calls it, kind)
SYNONYMS: list[tuple[str, tuple[str, ...], str]] = [
    # 证件 (papers)
    ("身份证", ("居民身份证",), A),
    ("驾照", ("机动车驾驶证", "驾驶证"), C),
    ("驾驶本", ("机动车驾驶证",), C),
    ("驾驶证", ("机动车驾驶证",), A),
    ("行驶证", ("机动车行驶证", "机动车注册登记"), A),
    ("户口本", ("居民户口簿", "户口"), C),
    ("护照", ("普通护照",), A),
    ("港澳通行证", ("往来港澳通行证",), A),
    ("香港", ("往来港澳通行证",), C),
    ("澳门", ("往来港澳通行证",), C),
    ("台湾", ("大陆居民往来台湾通行证",), C),
    ("老年证", ("老年人优待证",), C),
    ("慢性病", ("慢特病",), C),
    ("销户", ("注销户口", "户口注销"), C),
    ("台湾通行证", ("大陆居民往来台湾通行证",), A),
    ("暂住证", ("居住证",), C),
    ("良民证", ("无犯罪记录证明",), C),
    ("无犯罪证明", ("无犯罪记录证明",), A),
    ("残疾证", ("残疾人证",), A),
    ("出生证", ("出生医学证明",), A),
    ("准生证", ("生育登记", "生育服务登记"), C),
    ("房产证", ("不动产权证书", "不动产登记"), C),
    ("教师证", ("教师资格",), A),
    ("律师证", ("律师执业",), A),
    ("烟草证", ("烟草专卖零售许可证",), A),
    ("卫生许可证", ("公共场所卫生许可",), A),
    ("施工证", ("建筑工程施工许可",), A),
    ("结婚证", ("结婚登记",), S),
    ("完税证明", ("纳税记录", "涉税信息查询"), S),
    ("纳税证明", ("纳税记录", "涉税信息查询"), S),
    ("参保证明", ("社会保险个人权益记录", "参保证明"), S),
    ("社保证明", ("社会保险个人权益记录", "参保证明"), C),
    # 社保、医保、公积金
    ("社保", ("社会保险", "社会保障"), A),
    ("社保卡", ("社会保障卡",), A),
    ("医保", ("医疗保险", "基本医疗保险"), A),
    ("公积金", ("住房公积金",), A),
    ("养老金", ("基本养老保险待遇", "养老保险"), S),
    ("退休金", ("养老金", "基本养老保险待遇"), C),
    ("失业金", ("失业保险金",), A),
    ("异地看病", ("异地就医",), C),
    ("报销医药费", ("医疗费用报销",), C),
    ("产假工资", ("生育津贴",), C),
    ("房贷", ("个人住房公积金贷款", "抵押登记"), C),
    # 生活中的事
    ("生孩子", ("出生", "生育"), C),
    ("生小孩", ("出生", "生育"), C),
    ("生娃", ("出生", "生育"), C),
    ("上户口", ("出生登记", "户口"), C),
    ("落户", ("户口迁移", "户口迁入"), C),
    ("迁户口", ("户口迁移",), C),
    ("领证", ("结婚登记",), C),
    ("离婚", ("离婚登记",), S),
    ("上学", ("入学",), C),
    ("上小学", ("义务教育", "入学"), C),
    ("上初中", ("义务教育", "入学"), C),
    ("小学报名", ("义务教育", "入学"), C),
    ("低保", ("最低生活保障",), A),
    ("五保", ("特困人员",), C),
    ("高龄补贴", ("高龄津贴",), S),
    ("残疾人补贴", ("困难残疾人生活补贴", "重度残疾人护理补贴"), C),
    ("养老院", ("养老机构",), C),
    ("退伍", ("退役军人", "退役士兵"), C),
    ("当兵", ("义务兵",), C),
    ("买房", ("不动产转移登记", "住房公积金贷款"), C),
    ("二手房", ("不动产转移登记",), C),
    ("过户", ("转移登记", "过户"), S),
    ("上牌", ("机动车注册登记",), C),
    ("年检", ("机动车检验合格标志", "检验"), C),
    ("车检", ("机动车检验合格标志",), C),
    # 状态与动作
    ("到期", ("期满", "换证", "换领"), S),
    ("过期", ("期满", "换证", "换领"), C),
    ("丢了", ("补领", "补发"), C),
    ("丢失", ("补领", "补发"), S),
    ("遗失", ("补领", "补发"), S),
    ("补办", ("补领", "补发"), S),
    ("换证", ("换领",), S),
    ("通电", ("用电报装",), C),
    ("装电表", ("用电报装",), C),
    ("装水表", ("用水报装",), C),
    ("通燃气", ("用气报装",), C),
    ("装天然气", ("用气报装",), C),
    ("装宽带", ("宽带报装",), C),
    # 企业
    ("开公司", ("企业设立登记", "营业执照", "企业开办"), C),
    ("注册公司", ("企业设立登记",), C),
    ("办执照", ("营业执照",), C),
    ("营业执照", ("企业设立登记", "个体工商户设立登记"), S),
    ("关公司", ("企业注销",), C),
    ("注销公司", ("企业注销登记", "企业简易注销登记"), C),
    ("个体户", ("个体工商户",), A),
    ("摆摊", ("个体工商户",), C),
    ("开饭店", ("餐饮", "食品经营许可"), C),
    ("开餐馆", ("餐饮", "食品经营许可"), C),
    ("开饭馆", ("餐饮", "食品经营许可"), C),
    ("开药店", ("药品经营许可", "药品零售"), C),
    ("开诊所", ("医疗机构执业",), C),
    ("开宾馆", ("旅馆业", "公共场所卫生许可"), C),
    ("开旅馆", ("旅馆业", "公共场所卫生许可"), C),
    ("开网吧", ("互联网上网服务营业场所",), C),
    ("网吧", ("互联网上网服务营业场所",), C),
    ("卖烟", ("烟草专卖零售许可",), C),
    ("环评", ("环境影响",), A),
    ("消防检查", ("消防安全检查",), A),
    ("跑运输", ("道路运输经营许可", "道路货物运输"), C),
    ("网约车", ("网络预约出租汽车",), A),
    ("招工", ("劳务派遣", "人力资源服务"), C),
    ("第一次", ("首次",), C),
    ("开户", ("缴存登记", "参保登记", "开户"), C),
    ("房产", ("不动产",), C),
    ("交税", ("纳税", "涉税"), C),
]


def catalog_aliases() -> list[tuple[str, tuple[str, ...], str]]:
    """The other names of the demo catalog's matters (新车上牌 for 机动车注册登记): what people
    and older catalogs call them."""
    out = []
    for matter in MATTERS:
        for alias in matter.aliases:
            if alias != matter.name and len(alias) <= 50:
                out.append((alias, (matter.name,), S))
    return out


def _index_complete() -> bool:
    expected = 0
    for provider in registry.providers().values():
        count = getattr(provider, "count", None)
        if callable(count):
            expected += count()
    # Nothing to index (no catalog loaded) counts as complete: a second load must change nothing.
    return SearchDocument.objects.count() >= expected


def load(*, actor: Any) -> int:
    """Create what is missing; return how many objects were created."""
    created = synonyms_seed(actor=actor, pairs=SYNONYMS + catalog_aliases())
    if created or not _index_complete():
        report = index_rebuild(actor=actor)
        created += report.total
    return created
