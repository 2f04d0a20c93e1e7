import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongban.audit.models import AuditEntry
from tongban.catalog import importer
from tongban.catalog.excel import (
    INSTRUCTIONS,
    dataset_to_workbook,
    read_workbook,
    template,
    workbook_to_dataset,
)
from tongban.catalog.exporter import catalog_export_dataset, catalog_export_json
from tongban.catalog.guide_schema import guide_to_json, parse_guide
from tongban.catalog.importer import (
    FORMAT,
    ImportProblem,
    ImportRejected,
    catalog_import,
    catalog_import_file,
)
from tongban.catalog.models import (
    BasicItem,
    Bundle,
    BundleMember,
    GuideStatus,
    GuideVersion,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.catalog.services import (
    basic_item_create,
    bundle_create,
    guide_draft_save,
    guide_review,
    guide_submit,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.core.identifiers import credit_code_build
from tongban.core.models import StaffRole
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
)
from tongban.testing.factories import UserFactory

FOOD = "000107001000"
MEDICINE = "000107002000"
CATERING = "000107003000"


@dataclass
class World:
    admin: Any  # platform administrator of the home province (unrestricted)
    reviewer: Any  # a second provincial catalog administrator (four eyes)
    county_admin: Any  # catalog administrator of 锦江区 only
    jinjiang: Any  # a county body (level 4)
    qingyang: Any  # another county's body
    chengdu: Any  # a city body (level 3)
    regions: dict[str, Any]


def _credit(region: str, body8: str) -> str:
    return credit_code_build(department="1", category="1", region_code=region, org_body8=body8)


def _staff(username: str, role: str, region: Any) -> Any:
    user = UserFactory(username=username, kind="staff")
    staff_membership_grant(actor=None, user=user, role=role, region=region)
    return user


def _body(region: Any, name: str, body8: str) -> Any:
    department = department_create(
        actor=None, region=region, name=name, credit_code=_credit(region.code, "D" + body8[1:])
    )
    return implementing_body_create(
        actor=None, department=department, name=name, credit_code=_credit(region.code, body8)
    )


@pytest.fixture
def world(regions):
    return World(
        admin=_staff("admin", StaffRole.PLATFORM_ADMIN, regions["sichuan"]),
        reviewer=_staff("reviewer", StaffRole.CATALOG_ADMIN, regions["sichuan"]),
        county_admin=_staff("jj_catalog", StaffRole.CATALOG_ADMIN, regions["jinjiang"]),
        jinjiang=_body(regions["jinjiang"], "锦江区市场监督管理局", "MB000001"),
        qingyang=_body(regions["qingyang"], "青羊区市场监督管理局", "MB000002"),
        chengdu=_body(regions["chengdu"], "成都市市场监督管理局", "MB000003"),
        regions=regions,
    )


def basic_row(code: str = FOOD, name: str = "食品经营许可", **overrides: Any) -> dict[str, Any]:
    row = {
        "code": code,
        "name": name,
        "item_type": "01",
        "parent_code": "",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "competent_department": "国家市场监督管理总局",
        "service_objects": ["2"],
        "exercise_levels": ["3", "4"],
        "source": "国家基本目录",
    }
    row.update(overrides)
    return row


def item_row(body: Any, basic: str = FOOD, **guide_overrides: Any) -> dict[str, Any]:
    level = "3" if body.region.level == 2 else "4"
    return {
        "basic_code": basic,
        "body_credit_code": body.credit_code,
        "guide": guide_content(**{"exercise_level": level, **guide_overrides}),
    }


def dataset(items=(), basics=None, bundles=()) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "basic_items": [basic_row()] if basics is None else list(basics),
        "items": list(items),
        "bundles": list(bundles),
    }


def counts() -> tuple[int, ...]:
    return (
        BasicItem.objects.count(),
        ImplementationItem.objects.count(),
        GuideVersion.objects.count(),
        ItemFacet.objects.count(),
        Bundle.objects.count(),
        AuditEntry.objects.count(),
    )


def places(problems: list[ImportProblem]) -> list[tuple[str, int, str]]:
    return [(p.sheet, p.row, p.column) for p in problems]


def rejected(**kwargs: Any) -> list[ImportProblem]:
    before = counts()
    with pytest.raises(ImportRejected) as info:
        catalog_import(**kwargs)
    assert counts() == before
    assert info.value.code == "import_rejected"
    return info.value.problems


# --- JSON ----------------------------------------------------------------------------------------


def _catalog_through_services(world: World) -> None:
    """The state an export starts from, built the way administrators build it."""
    for code, name in ((FOOD, "食品经营许可"), (MEDICINE, "药品零售许可")):
        basic_item_create(
            actor=world.admin,
            code=code,
            name=name,
            item_type="01",
            legal_basis="依据",
            service_objects=["2"],
            exercise_levels=["3", "4"],
        )
    basic_item_create(
        actor=world.admin,
        code="000107001001",
        name="食品经营许可（新办）",
        item_type="01",
        service_objects=["2"],
        exercise_levels=["4"],
        parent_code=FOOD,
    )
    for body, basic, overrides in (
        (world.jinjiang, FOOD, {}),
        (world.qingyang, FOOD, {"person_themes": ["040"], "service_objects": ["1", "2"]}),
        (world.chengdu, MEDICINE, {"exercise_level": "3", "name": "药品零售许可"}),
    ):
        item = implementation_item_create(
            actor=world.admin,
            basic_item=BasicItem.objects.get(code=basic),
            body=body,
            content=guide_content(**overrides),
        )
        guide_submit(actor=world.admin, item_code=item.code, number=1)
        guide_review(actor=world.reviewer, item_code=item.code, number=1, approve=True)
    bundle_create(
        actor=world.admin,
        code="YJS-SC-001",
        name="开办餐馆“一件事”",
        audience="corporate",
        summary="一次申请，同时办理食品经营和药品零售许可。",
        members=[(FOOD, 1, ""), (MEDICINE, 2, "取得食品经营许可后")],
        definition={"shared_fields": [{"key": "shop_name", "label": "店名", "type": "text"}]},
        promised_days=10,
    )


def _wipe_catalog() -> None:
    ImplementationItem.objects.update(published_version=None)
    GuideVersion.objects.all().delete()
    ImplementationItem.objects.all().delete()
    BundleMember.objects.all().delete()
    Bundle.objects.all().delete()
    BasicItem.objects.exclude(parent=None).delete()
    BasicItem.objects.all().delete()


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


def test_json_export_imports_into_an_empty_catalog_as_the_same_items_and_guides(world):
    _catalog_through_services(world)
    before = catalog_export_dataset()
    columns = sorted(
        ImplementationItem.objects.values_list(
            "code", "name", "status", "legal_days", "promised_days", "fully_online", "region_id"
        )
    )
    facets = sorted(ItemFacet.objects.values_list("item__code", "kind", "code"))
    assert len(before["items"]) == 3
    assert len(before["basic_items"]) == 3

    _wipe_catalog()
    report = catalog_import(actor=world.admin, dataset=json.loads(json.dumps(before)))

    assert (report.basic_items_created, report.items_created, report.bundles_created) == (3, 3, 1)
    assert _comparable(catalog_export_dataset()) == _comparable(before)
    assert (
        sorted(
            ImplementationItem.objects.values_list(
                "code", "name", "status", "legal_days", "promised_days", "fully_online", "region_id"
            )
        )
        == columns
    )
    assert sorted(ItemFacet.objects.values_list("item__code", "kind", "code")) == facets
    for item in ImplementationItem.objects.select_related("published_version"):
        version = item.published_version
        assert version.status == GuideStatus.PUBLISHED
        assert version.content_digest  # fixed at publication, checked by later reviews
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.summary["items_created"] == 3
    assert entry.actor == world.admin


def test_streamed_json_export_equals_the_dataset(world):
    _catalog_through_services(world)
    out = io.StringIO()
    assert catalog_export_json(out) == 3
    assert _comparable(json.loads(out.getvalue())) == _comparable(catalog_export_dataset())


def test_importing_an_export_again_changes_nothing(world):
    _catalog_through_services(world)
    exported = catalog_export_dataset()
    versions = GuideVersion.objects.count()
    report = catalog_import(actor=world.admin, dataset=exported)
    assert (report.items_unchanged, report.items_created, report.items_updated) == (3, 0, 0)
    assert (report.basic_items_unchanged, report.bundles_unchanged) == (3, 1)
    assert GuideVersion.objects.count() == versions


def test_an_existing_item_gets_a_new_published_version(world):
    catalog_import(actor=world.admin, dataset=dataset([item_row(world.jinjiang)]))
    changed = dataset([item_row(world.jinjiang, promised_days=3, person_themes=["040"])])
    report = catalog_import(actor=world.admin, dataset=changed)
    assert (report.items_updated, report.versions_created) == (1, 1)
    item = ImplementationItem.objects.get()
    assert item.promised_days == 3
    assert list(item.versions.values_list("number", "status")) == [
        (2, GuideStatus.PUBLISHED),
        (1, GuideStatus.SUPERSEDED),
    ]
    assert item.published_version.number == 2
    assert item.facets.filter(kind="theme_p", code="040").exists()


def test_draft_import_submits_versions_for_review(world):
    report = catalog_import(
        actor=world.admin, dataset=dataset([item_row(world.jinjiang)]), publish=False
    )
    assert not report.publish
    item = ImplementationItem.objects.get()
    version = item.versions.get()
    assert item.status == ItemStatus.DRAFT
    assert item.published_version is None
    assert not item.facets.exists()
    assert (version.status, version.submitted_by) == (GuideStatus.SUBMITTED, world.admin)
    # Four eyes: another catalog administrator publishes it through the normal review.
    guide_review(actor=world.reviewer, item_code=item.code, number=1, approve=True)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIVE


def test_an_item_with_an_open_draft_is_not_overwritten(world):
    catalog_import(actor=world.admin, dataset=dataset([item_row(world.jinjiang)]))
    item = ImplementationItem.objects.get()
    guide_draft_save(actor=world.admin, item_code=item.code, content=guide_content(hours="全天"))
    problems = rejected(
        actor=world.admin, dataset=dataset([item_row(world.jinjiang, promised_days=4)])
    )
    assert places(problems) == [("items", 1, "code")]
    assert "第2版" in problems[0].message


def test_duplicate_item_in_the_file_is_reported(world):
    rows = [item_row(world.jinjiang), item_row(world.qingyang), item_row(world.jinjiang)]
    problems = rejected(actor=world.admin, dataset=dataset(rows))
    assert places(problems) == [("items", 3, "basic_code")]
    assert "与第1条是同一事项" in problems[0].message


def test_unknown_body_credit_code_is_reported(world):
    row = item_row(world.jinjiang)
    row["body_credit_code"] = _credit("510104", "MB009999")
    bad_format = item_row(world.qingyang)
    bad_format["body_credit_code"] = "12345"
    problems = rejected(actor=world.admin, dataset=dataset([row, bad_format]))
    assert places(problems) == [("items", 1, "body_credit_code"), ("items", 2, "body_credit_code")]
    assert "尚未登记" in problems[0].message
    assert "长度应为18位" in problems[1].message


def test_a_county_administrator_cannot_import_for_another_county(world):
    catalog_import(actor=world.admin, dataset=dataset())  # the basic item, by the province
    rows = [item_row(world.jinjiang), item_row(world.qingyang), item_row(world.chengdu)]
    problems = rejected(actor=world.county_admin, dataset=dataset(rows, basics=[]))
    assert places(problems) == [("items", 2, "body_credit_code"), ("items", 3, "body_credit_code")]
    assert all(p.message == "该实施主体不在您的管理范围内。" for p in problems)


def test_a_county_administrator_imports_items_of_their_county(world):
    catalog_import(actor=world.admin, dataset=dataset())  # the basic item, by the province
    report = catalog_import(
        actor=world.county_admin, dataset=dataset([item_row(world.jinjiang)], basics=[])
    )
    assert report.items_created == 1


def test_only_provincial_administrators_add_basic_items(world):
    problems = rejected(actor=world.county_admin, dataset=dataset([item_row(world.jinjiang)]))
    assert places(problems) == [("basic_items", 1, "code")]


def test_every_problem_of_every_row_is_reported_with_its_path(world):
    bad_guide = item_row(world.jinjiang, promised_days=30, legal_days=20)
    bad_guide["guide"]["materials"][1]["copy_copies"] = 0
    bad_guide["guide"]["materials"][0]["forms"] = ["paper"]
    wrong_level = item_row(world.chengdu, basic=MEDICINE)
    late = item_row(world.qingyang, promised_days=30, legal_days=20)
    rows = [bad_guide, wrong_level, late]
    basics = [basic_row(), basic_row(MEDICINE, "药品零售许可", exercise_levels=["4"])]
    problems = rejected(actor=world.admin, dataset=dataset(rows, basics=basics))
    # Rules across fields (promised ≤ legal) run once the fields themselves are valid: item 1
    # reports its materials now and its time limit after they are fixed.
    assert places(problems) == [
        ("items", 2, "body_credit_code"),
        ("items", 1, "guide.materials[0].forms[0]"),
        ("items", 1, "guide.materials[1].copy_copies"),
        ("items", 3, "guide.promised_days"),
    ]
    assert "基本目录未将该事项设定在市级" in problems[0].message
    assert problems[3].message == "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。"


def _material_optional_without_condition(guide):
    guide["materials"][2]["condition"] = ""


def _select_without_options(guide):
    guide["form"]["fields"][3]["options"] = []


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (_material_optional_without_condition, "guide.materials[2].condition"),
        (_select_without_options, "guide.form.fields[3].options"),
        (lambda g: g.update(visits=1), "guide.onsite_reason"),
        (lambda g: g.update(online_depth=["1", "2"]), "guide.online_depth"),
        (lambda g: g.update(case_kind="1"), "guide.promised_days"),
        (lambda g: g.update(fees={"charged": True, "items": []}), "guide.fees.charged"),
        (lambda g: g["workflow"]["steps"][1].update(days=30), "guide.workflow.steps"),
    ],
)
def test_rules_over_several_fields_name_the_field_to_change(world, change, column):
    row = item_row(world.jinjiang)
    change(row["guide"])
    problems = rejected(actor=world.admin, dataset=dataset([row]))
    assert places(problems) == [("items", 1, column)]


def test_guide_must_agree_with_the_basic_item_and_the_body_level(world):
    row = item_row(world.jinjiang, item_type="20", exercise_level="3")
    problems = rejected(actor=world.admin, dataset=dataset([row]))
    assert places(problems) == [
        ("items", 1, "guide.item_type"),
        ("items", 1, "guide.exercise_level"),
    ]


def test_a_given_implementation_code_must_be_the_derived_one(world):
    row = item_row(world.jinjiang)
    row["code"] = world.qingyang.credit_code + "4" + FOOD
    problems = rejected(actor=world.admin, dataset=dataset([row]))
    assert places(problems) == [("items", 1, "code")]
    assert world.jinjiang.credit_code + "4" + FOOD in problems[0].message


def test_basic_items_are_checked_with_the_service_rules(world):
    basics = [
        basic_row(),
        basic_row("12", "短编码"),
        basic_row(MEDICINE, "", item_type="99", service_objects=[]),
        basic_row(CATERING, "餐饮子项", parent_code=MEDICINE),
        basic_row(FOOD, "重复"),
    ]
    problems = rejected(actor=world.admin, dataset=dataset(basics=basics))
    assert places(problems) == [
        ("basic_items", 2, "code"),
        ("basic_items", 3, "name"),
        ("basic_items", 5, "code"),
    ]
    basics[2] = basic_row(MEDICINE, "药品", item_type="99", service_objects=[])
    problems = rejected(actor=world.admin, dataset=dataset(basics=basics[2:4]))
    assert places(problems) == [
        ("basic_items", 1, "item_type"),
        ("basic_items", 1, "service_objects"),
    ]


def test_an_existing_basic_item_with_other_content_is_not_changed(world):
    catalog_import(actor=world.admin, dataset=dataset())
    problems = rejected(actor=world.admin, dataset=dataset(basics=[basic_row(name="改了名字")]))
    assert places(problems) == [("basic_items", 1, "name")]


def test_unknown_fields_and_format_are_reported(world):
    data = dataset([{**item_row(world.jinjiang), "colour": "red"}])
    data["format"] = "other/1"
    problems = rejected(actor=world.admin, dataset=data)
    assert places(problems) == [("format", 0, "format"), ("items", 1, "colour")]


def test_guides_checked_in_worker_processes_give_the_same_answer(world, monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_CHUNK", 1)
    rows = [item_row(world.jinjiang), item_row(world.qingyang, promised_days=30)]
    single = rejected(actor=world.admin, dataset=dataset(rows))
    assert rejected(actor=world.admin, dataset=dataset(rows), workers=2) == single
    rows[1] = item_row(world.qingyang)
    calls = []
    report = catalog_import(
        actor=world.admin,
        dataset=dataset(rows),
        workers=2,
        progress=lambda done, total, phase: calls.append((done, total, phase)),
    )
    assert report.items_created == 2
    assert calls == [(1, 2, "validate"), (2, 2, "validate"), (2, 2, "write")]
    assert ImplementationItem.objects.get(body=world.qingyang).published_version.content_digest


def test_progress_is_reported_per_phase(world):
    calls = []
    catalog_import(
        actor=world.admin,
        dataset=dataset([item_row(world.jinjiang), item_row(world.qingyang)]),
        progress=lambda done, total, phase: calls.append((done, total, phase)),
    )
    assert calls == [(2, 2, "validate"), (2, 2, "write")]


def test_bundles_are_imported_with_their_members(world):
    bundle = {
        "code": "YJS-1",
        "name": "开办餐馆",
        "audience": "corporate",
        "members": [{"basic_code": FOOD, "stage": 1}, {"basic_code": MEDICINE, "stage": 2}],
    }
    basics = [basic_row(), basic_row(MEDICINE, "药品零售许可")]
    report = catalog_import(actor=world.admin, dataset=dataset(basics=basics, bundles=[bundle]))
    assert report.bundles_created == 1
    assert list(Bundle.objects.get().members.values_list("basic_item__code", "stage")) == [
        (FOOD, 1),
        (MEDICINE, 2),
    ]
    lonely = {**bundle, "code": "YJS-2", "members": [{"basic_code": "000199999000"}]}
    problems = rejected(actor=world.admin, dataset=dataset(basics=[], bundles=[lonely]))
    assert places(problems) == [("bundles", 1, "members")]


# --- Excel ---------------------------------------------------------------------------------------


def test_template_opens_and_imports_empty(world, tmp_path):
    path = tmp_path / "template.xlsx"
    template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == INSTRUCTIONS
    assert {"基本目录", "实施清单", "申请材料", "办理环节", "一件事成员"} <= set(
        workbook.sheetnames
    )
    items = workbook["实施清单"]
    headers = [c.value for c in items[1]]
    assert {"实施编码", "承诺办结时限", "法定办结时限", "受理条件"} <= set(headers)
    assert items.data_validations.dataValidation  # dropdowns for code columns
    assert workbook["实施清单"].max_row == 1
    info = [r[0] for r in workbook[INSTRUCTIONS].iter_rows(values_only=True)]
    assert "事项类型（GB/T 39046 A.1）" in info

    report = catalog_import_file(actor=world.admin, path=path)
    assert report.items_total == 0


def test_excel_round_trip_gives_the_same_dataset(world, tmp_path):
    _catalog_through_services(world)
    exported = catalog_export_dataset()
    path = tmp_path / "catalog.xlsx"
    dataset_to_workbook(exported, path)
    read, problems = workbook_to_dataset(path)
    assert problems == []
    # A blank cell is an absent value: compare what the importer makes of both.
    assert [_filled(i) for i in read["items"]] == [_filled(i) for i in exported["items"]]
    assert [guide_to_json(parse_guide(i["guide"])) for i in read["items"]] == [
        i["guide"] for i in exported["items"]
    ]
    assert [_filled(b) for b in read["basic_items"]] == [
        _filled(b) for b in exported["basic_items"]
    ]
    assert [_filled(b) for b in read["bundles"]] == [_filled(b) for b in exported["bundles"]]
    report = catalog_import(actor=world.admin, dataset=read)
    assert report.items_unchanged == 3


def _filled(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v) for k, v in value.items() if v not in ("", None, [], {})}
    if isinstance(value, list):
        return [_filled(v) for v in value]
    return value


def _bad_excel(world: World, tmp_path: Any) -> Any:
    good = item_row(world.jinjiang)
    good["code"] = world.jinjiang.credit_code + "4" + FOOD
    good["guide"]["materials"][1]["copy_copies"] = 0  # 复印件 without a number of copies
    late = item_row(world.qingyang, promised_days=30)
    late["code"] = world.qingyang.credit_code + "4" + FOOD
    basics = [basic_row(), basic_row(MEDICINE, "药品零售许可", item_type="99")]
    path = tmp_path / "bad.xlsx"
    dataset_to_workbook(dataset([good, late], basics=basics), path)
    return path


def test_excel_with_three_bad_rows_in_three_sheets_writes_nothing(world, tmp_path):
    path = _bad_excel(world, tmp_path)
    before = counts()
    with pytest.raises(ImportRejected) as info:
        catalog_import_file(actor=world.admin, path=path)
    assert counts() == before
    assert not AuditEntry.objects.filter(action="catalog.import").exists()
    problems = info.value.problems
    assert places(problems) == [
        ("基本目录", 3, "事项类型"),
        ("实施清单", 3, "承诺办结时限"),
        ("申请材料", 3, "复印件份数"),
    ]
    assert all(p.excel for p in problems)
    assert "不在「事项类型（GB/T 39046 A.1）」代码表中" in problems[0].message
    assert problems[1].text() == (
        "工作表 实施清单 第3行 「承诺办结时限」："
        "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。"
    )
    assert problems[2].message == "要求复印件时须写明复印件份数。"


def test_excel_cells_accept_codes_names_and_numbers(world, tmp_path):
    path = tmp_path / "typed.xlsx"
    row = item_row(world.jinjiang)
    row["code"] = world.jinjiang.credit_code + "4" + FOOD
    dataset_to_workbook(dataset([row]), path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["实施清单"]
    column = {c.value: c.column for c in sheet[1]}
    sheet.cell(2, column["事项类型"]).value = "行政许可"  # a name instead of "01 行政许可"
    sheet.cell(2, column["办件类型"]).value = 2  # a number Excel made of the code
    sheet.cell(2, column["服务对象"]).value = "企业法人"
    sheet.cell(2, column["法人主题"]).value = 10  # 010 without its leading zero
    basics = workbook["基本目录"]
    basics.cell(2, 1).value = 107001000  # 000107001000 typed as a number
    sheet.cell(2, column["基本编码"]).value = 107001000
    workbook.save(path)
    data = read_workbook(path)
    assert data.problems == []
    guide = data.dataset["items"][0]["guide"]
    assert (guide["item_type"], guide["case_kind"], guide["corporate_themes"]) == (
        "01",
        "2",
        ["010"],
    )
    assert data.dataset["basic_items"][0]["code"] == FOOD
    assert catalog_import(actor=world.admin, dataset=data.dataset).items_created == 1


def test_excel_cell_problems_are_reported_once(world, tmp_path):
    path = tmp_path / "cells.xlsx"
    row = item_row(world.jinjiang)
    row["code"] = world.jinjiang.credit_code + "4" + FOOD
    dataset_to_workbook(dataset([row]), path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["实施清单"]
    column = {c.value: c.column for c in sheet[1]}
    sheet.cell(2, column["法定办结时限"]).value = "二十天"
    sheet.cell(2, column["支持预约"]).value = "也许"
    workbook["申请材料"].cell(4, 1).value = "不存在的编码"
    workbook.create_sheet("我的备注")
    workbook.save(path)
    with pytest.raises(ImportRejected) as info:
        catalog_import_file(actor=world.admin, path=path)
    assert places(info.value.problems) == [
        ("我的备注", 1, ""),
        ("实施清单", 2, "法定办结时限"),
        ("实施清单", 2, "支持预约"),
        ("申请材料", 4, "实施编码"),
    ]


def test_excel_text_that_looks_like_a_formula_stays_text(world, tmp_path):
    path = tmp_path / "formula.xlsx"
    row = item_row(world.jinjiang, place='=HYPERLINK("http://x")')
    row["code"] = world.jinjiang.credit_code + "4" + FOOD
    dataset_to_workbook(dataset([row]), path)
    data, problems = workbook_to_dataset(path)
    assert problems == []
    assert data["items"][0]["guide"]["place"] == '=HYPERLINK("http://x")'


# --- Command line --------------------------------------------------------------------------------


def test_cli_rejects_a_bad_file_with_exit_code_1_and_prints_every_problem(world, tmp_path):
    path = _bad_excel(world, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    before = counts()
    with pytest.raises(CommandError) as info:
        call_command("catalog", "import", str(path), stdout=out, stderr=err)
    assert info.value.returncode == 1
    assert counts() == before
    lines = out.getvalue().splitlines()
    assert lines[1] == (
        "工作表 实施清单 第3行 「承诺办结时限」："
        "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。"
    )
    assert len(lines) == 3
    assert "共3处问题" in str(info.value)


def test_cli_imports_exports_and_writes_the_template(world, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps(dataset([item_row(world.jinjiang)]), ensure_ascii=False), encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", "import", str(source), "--as", "admin", stdout=out, stderr=err)
    assert "实施清单新增1项" in out.getvalue()
    assert "校验 1/1" in err.getvalue()
    assert "写入 1/1" in err.getvalue()
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.summary["file"] == "in.json"

    exported = tmp_path / "out.json"
    call_command("catalog", "export", "--format", "json", str(exported), stdout=out)
    assert len(json.loads(exported.read_text(encoding="utf-8"))["items"]) == 1
    elsewhere = tmp_path / "cq.json"
    call_command("catalog", "export", str(elsewhere), "--region", "500000", stdout=out)
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["items"] == []
    workbook = tmp_path / "out.xlsx"
    call_command("catalog", "export", "--format", "xlsx", str(workbook), stdout=out)
    assert len(workbook_to_dataset(workbook)[0]["items"]) == 1
    blank = tmp_path / "blank.xlsx"
    call_command("catalog", "template", str(blank), stdout=out)
    assert openpyxl.load_workbook(blank).sheetnames[0] == INSTRUCTIONS


def test_cli_draft_import_and_json_syntax_errors(world, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "tongban.catalog/1", "items": [}', encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(broken), stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines() == ["文件：JSON格式错误（第1行第43列）：Expecting value"]

    source = tmp_path / "in.json"
    source.write_text(json.dumps(dataset([item_row(world.jinjiang)])), encoding="utf-8")
    call_command("catalog", "import", str(source), "--draft", stdout=out, stderr=io.StringIO())
    assert GuideVersion.objects.get().status == GuideStatus.SUBMITTED
