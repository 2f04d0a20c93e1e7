"""The demo catalog: its tables (no database: the full province's dataset is built in memory
once) and its load into the database (a few counties, once for the module)."""

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tongban.audit.models import AuditEntry
from tongban.catalog.guide_schema import parse_guide
from tongban.catalog.models import (
    BasicItem,
    Bundle,
    GuideStatus,
    ImplementationItem,
    ItemStatus,
)
from tongban.catalog.quality import guide_quality
from tongban.core.codes import ON_APPLICATION_ITEM_TYPES
from tongban.core.identifiers import validate_credit_code
from tongban.core.models import Department, ImplementingBody
from tongban.demo.catalog.departments import plan_organisations
from tongban.demo.catalog.spec import COUNTY, LEVEL_CODES
from tongban.demo.catalog_build import (
    build_dataset,
    demo_places,
    load_demo_catalog,
    used_organisations,
)
from tongban.demo.catalog_data import BUNDLES, LICENSE_TYPES, MATTERS, matter_by_name
from tongban.identity.models import User

REQUIRED_NAMES = (
    "居民身份证换领",
    "户口迁移",
    "出生医学证明办理",
    "生育登记",
    "结婚登记",
    "机动车驾驶证有效期满换证",
    "普通护照签发",
    "社会保障卡申领",
    "城乡居民基本养老保险参保登记",
    "失业保险金申领",
    "住房公积金提取",
    "基本医疗保险参保登记",
    "异地就医备案",
    "教师资格认定",
    "最低生活保障",
    "残疾人证办理",
    "不动产转移登记",
    "无犯罪记录证明",
    "企业设立登记",
    "个体工商户设立登记",
    "企业注销登记",
    "食品经营许可",
    "药品经营许可",
    "公共场所卫生许可",
    "公众聚集场所投入使用营业前消防安全检查",
    "建筑工程施工许可证核发",
    "道路运输经营许可",
    "排污许可",
    "取水许可",
    "烟草专卖零售许可证核发",
    "医疗机构执业登记",
    "劳务派遣经营许可",
)
NATIONAL_KEY_BUNDLES = (
    "新生儿出生",
    "开办餐饮店",
    "企业信息变更",
    "退休",
    "二手房转移登记及水电气网联合过户",
    "教育入学",
    "军人退役",
    "残疾人服务",
    "社会保障卡居民服务",
    "水电气网联合报装",
    "信用修复",
    "开办运输企业",
    "企业破产信息核查",
)
LOADED_COUNTIES = ("510104", "510121")  # 锦江区 (行政审批局, 街道) and 金堂县 (乡镇)


@pytest.fixture(scope="module")
def planned():
    return used_organisations(plan_organisations(demo_places()))


@pytest.fixture(scope="module")
def dataset(planned):
    return build_dataset(planned)


def _implementation_code(item):
    return item["body_credit_code"] + item["guide"]["exercise_level"] + item["basic_code"]


# --- The tables ---------------------------------------------------------------------------------


def test_at_least_150_matters_cover_every_type_people_apply_for(dataset):
    basics = dataset["basic_items"]
    assert len(basics) >= 150
    assert len({b["code"] for b in basics}) == len(basics)
    assert len({b["name"] for b in basics}) == len(basics)
    assert {b["item_type"] for b in basics} >= set(ON_APPLICATION_ITEM_TYPES)


def test_every_required_matter_is_in_the_catalog():
    missing = []
    for name in REQUIRED_NAMES:
        try:
            matter_by_name(name)
        except KeyError:
            missing.append(name)
    assert missing == []


def test_basic_codes_follow_the_national_pattern():
    for matter in MATTERS:
        code = matter.code
        assert re.fullmatch(r"\d{12}", code), code
        assert code.startswith("00" + matter.item_type), code
        assert code.endswith("000"), code


def test_every_guide_passes_the_guide_schema(dataset):
    # One guide per matter and level: the guides of one matter at one level differ only in the
    # body's place, hours and phones.
    seen = set()
    for item in dataset["items"]:
        key = (item["basic_code"], item["guide"]["exercise_level"])
        if key in seen:
            continue
        seen.add(key)
        guide = parse_guide(item["guide"])
        assert guide.workflow.total_days <= guide.legal_days or guide.case_kind == "1"
    assert {code for code, _level in seen} == {m.code for m in MATTERS}


def test_guides_pass_the_quality_check(dataset):
    seen = set()
    problems = []
    for item in dataset["items"]:
        key = (item["basic_code"], item["guide"]["exercise_level"])
        if key in seen:
            continue
        seen.add(key)
        issues = guide_quality(item["guide"])
        problems += [(item["guide"]["name"], i.kind) for i in issues]
    assert problems == []


def test_guides_agree_with_their_basic_item(dataset):
    basics = {b["code"]: b for b in dataset["basic_items"]}
    for item in dataset["items"]:
        basic, guide = basics[item["basic_code"]], item["guide"]
        assert guide["item_type"] == basic["item_type"]
        assert guide["exercise_level"] in basic["exercise_levels"]
        assert re.fullmatch(r"0\d{2,3}-\d{7,8}", guide["consult_phone"]), guide["consult_phone"]
        assert guide["supervise_phone"] == "12345"


def test_materials_and_results_name_known_license_types():
    for matter in MATTERS:
        codes = [m["license_type_code"] for m in matter.materials]
        codes.append(matter.result[1] if matter.result else "")
        assert {c for c in codes if c} <= set(LICENSE_TYPES), matter.name
        assert 1 <= len(matter.materials) <= 7, matter.name


def test_a_citizen_finds_what_to_bring_for_marriage_registration():
    marriage = matter_by_name("结婚登记")
    names = [m["name"] for m in marriage.materials]
    # Since the 2025 revision of 婚姻登记条例 the 户口簿 is no longer required, anywhere in China.
    assert not any("户口簿" in n for n in names)
    assert any("全国通办" in c for c in marriage.conditions)
    assert any("居民身份证" in n for n in names)
    photos = next(m for m in matter_by_name("结婚登记").materials if "合影" in m["name"])
    assert "3张2寸" in photos["name"]
    assert photos["original_copies"] == 3
    assert any("没有直系血亲和三代以内旁系血亲关系的签字声明" in n for n in names)


def test_real_fees_carry_their_legal_basis():
    id_fee = matter_by_name("居民身份证换领").fees[0]
    assert id_fee["standard"].startswith("每证20元")
    assert matter_by_name("居民身份证补领").fees[0]["standard"].startswith("每证40元")
    assert "居民身份证法" in id_fee["legal_basis"]
    passport_fee = matter_by_name("普通护照签发").fees[0]
    assert passport_fee["standard"] == "每本120元"
    assert all(f["legal_basis"] for m in MATTERS for f in m.fees)


def test_cross_region_matters_say_how(dataset):
    crossing = [m for m in MATTERS if m.cross]
    assert len(crossing) >= 20
    assert all(m.cross["modes"] for m in crossing)


def test_thirteen_national_key_bundles_with_existing_members(dataset):
    bundles = dataset["bundles"]
    basic_codes = {b["code"] for b in dataset["basic_items"]}
    assert len(bundles) == len(BUNDLES) == 13
    assert len({b["code"] for b in bundles}) == 13
    for key in NATIONAL_KEY_BUNDLES:
        assert any(b["name"].startswith(key + "“") for b in bundles), key
    for bundle in bundles:
        codes = [m["basic_code"] for m in bundle["members"]]
        assert len(codes) >= 2, bundle["name"]
        assert len(set(codes)) == len(codes), bundle["name"]
        assert set(codes) <= basic_codes
        assert bundle["definition"]["shared_fields"], bundle["name"]
        for material in bundle["definition"]["shared_materials"]:
            assert material["replaces"], (bundle["name"], material["name"])


def test_every_sichuan_county_and_city_has_departments(planned):
    departments = [b for b in planned if b.is_department]
    levels = Counter(
        (b.place.level, b.place.code[:2]) for b in {d.place.code: d for d in departments}.values()
    )
    assert levels[(COUNTY, "51")] == 183
    assert levels[("city", "51")] == 21
    assert levels[("province", "51")] == 1
    assert levels[(COUNTY, "50")] == 5


def test_credit_codes_are_valid_and_unique(planned):
    codes = [b.credit_code for b in planned]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert validate_credit_code(code) == code


def test_thousands_of_items_with_unique_implementation_codes(dataset, planned):
    items = dataset["items"]
    assert 8000 <= len(items) <= 20000
    codes = [_implementation_code(item) for item in items]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 31 for code in codes)
    levels = Counter(item["guide"]["exercise_level"] for item in items)
    assert set(levels) == {LEVEL_CODES[level] for level in ("province", "city", COUNTY, "township")}


def test_the_dataset_is_deterministic(dataset, planned):
    again = build_dataset(planned)
    assert again["items"][::500] == dataset["items"][::500]
    assert [b.credit_code for b in used_organisations(plan_organisations(demo_places()))] == [
        b.credit_code for b in planned
    ]


# --- The load -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """`demo load` with the catalog of two counties, once for the module, rolled back after."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(TONGBAN_DEMO_CATALOG=True, TONGBAN_DEMO_CATALOG_COUNTIES=LOADED_COUNTIES),
    ):
        call_command("demo", "load")
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_load_imports_the_published_catalog(loaded):
    assert BasicItem.objects.count() == len(MATTERS)
    assert Bundle.objects.filter(is_national_key=True).count() == 13
    items = ImplementationItem.objects.all()
    assert items.count() > 300
    assert not items.exclude(status=ItemStatus.ACTIVE).exists()
    assert not items.filter(published_version__isnull=True).exists()
    assert not items.exclude(published_version__status=GuideStatus.PUBLISHED).exists()


@pytest.mark.django_db
def test_organisations_are_created_in_bulk_under_one_audit_entry(loaded):
    entries = AuditEntry.objects.filter(action="demo.catalog.organizations")
    assert entries.count() == 1
    summary = entries.get().summary
    assert summary["departments"] > 50
    assert summary["bodies"] > summary["departments"]
    assert AuditEntry.objects.filter(action="catalog.import").count() == 1


@pytest.mark.django_db
def test_foundation_departments_are_reused_not_duplicated(loaded):
    assert Department.objects.filter(region_id="510104", name="成都市锦江区民政局").count() == 1
    marriage = ImplementationItem.objects.get(region_id="510104", name="结婚登记")
    assert marriage.body.name == "成都市锦江区民政局"
    assert marriage.published_version.content["consult_phone"] == "028-86659263"


@pytest.mark.django_db
def test_licences_go_to_the_approval_bureau_where_there_is_one(loaded):
    jinjiang = ImplementationItem.objects.get(region_id="510104", name="食品经营许可")
    jintang = ImplementationItem.objects.get(region_id="510121", name="食品经营许可")
    assert jinjiang.body.name == "成都市锦江区行政审批局"
    assert jintang.body.name == "金堂县市场监督管理局"
    # Rural matters are decided by a 镇, never by a 街道.
    towns = ImplementationItem.objects.filter(name="乡村建设规划许可证核发", exercise_level="5")
    assert towns.exists()
    assert not towns.filter(body__name__endswith="街道办事处").exists()


@pytest.mark.django_db
def test_bodies_have_valid_credit_codes_and_codes_match(loaded):
    for body in ImplementingBody.objects.all():
        assert validate_credit_code(body.credit_code) == body.credit_code
    for item in ImplementationItem.objects.select_related("body", "basic_item")[:500]:
        assert item.code == item.body.credit_code + item.exercise_level + item.basic_item.code


@pytest.mark.django_db
def test_a_second_load_changes_nothing(loaded):
    before = (ImplementationItem.objects.count(), AuditEntry.objects.count())
    admin = User.objects.get(username="admin_sichuan")
    with override_settings(TONGBAN_DEMO_CATALOG=True):
        result = load_demo_catalog(admin, counties=LOADED_COUNTIES)
    assert result.skipped
    assert (ImplementationItem.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_the_catalog_can_be_switched_off(loaded):
    admin = User.objects.get(username="admin_sichuan")
    with override_settings(TONGBAN_DEMO_CATALOG=False):
        assert load_demo_catalog(admin).skipped
