from dataclasses import dataclass
from typing import Any

import pytest

from tongban.catalog.guide_schema import parse_guide
from tongban.catalog.models import GuideVersion
from tongban.catalog.quality import (
    QualityIssue,
    catalog_quality_for_admin,
    guide_quality,
    item_score,
    quality_report,
)
from tongban.catalog.selectors import item_list_for_admin
from tongban.catalog.services import (
    basic_item_create,
    content_digest,
    guide_review,
    guide_submit,
    guide_withdraw,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.core.errors import PermissionDenied
from tongban.core.identifiers import credit_code_build
from tongban.core.models import StaffRole
from tongban.core.services.organizations import (
    department_create,
    implementing_body_create,
    staff_membership_grant,
)
from tongban.testing.factories import UserFactory

FOOD_CODE = "000107001000"


@dataclass(frozen=True)
class Ref:
    code: str
    item_type: str = "01"


# The body's credit code + level 4 + a basic code whose positions 3–4 say 行政许可 (01).
ITEM = Ref(
    credit_code_build(department="1", category="1", region_code="510104", org_body8="MB000001")
    + "4"
    + FOOD_CODE
)


def kinds(issues: list[QualityIssue]) -> list[tuple[str, str, str]]:
    return [(i.kind, i.severity, i.path) for i in issues]


# --- One guide ---------------------------------------------------------------------------------


def test_a_complete_guide_has_no_issues():
    assert guide_quality(guide_content(), ITEM) == []


def test_a_parsed_guide_is_checked_the_same_way():
    assert guide_quality(parse_guide(guide_content()), ITEM) == []


def test_promised_above_legal_is_an_error():
    issues = guide_quality(guide_content(promised_days=30, legal_days=20))
    assert ("promised_exceeds_legal", "error", "promised_days") in kinds(issues)
    assert "30" in issues[0].message
    assert "20" in issues[0].message


def test_content_changed_after_its_digest_was_fixed_is_an_error():
    content = guide_content()
    digest = content_digest(content)
    assert guide_quality(content, ITEM, digest=digest) == []
    content["place"] = "别处"
    assert kinds(guide_quality(content, ITEM, digest=digest)) == [
        ("digest_mismatch", "error", "__all__")
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"forms": []}, ("material_without_form", "error", "materials[1].forms")),
        ({"source": ""}, ("material_without_source", "error", "materials[1].source")),
        ({"source": "unknown"}, ("material_without_source", "error", "materials[1].source")),
        ({"name": ""}, ("material_without_name", "error", "materials[1].name")),
    ],
)
def test_materials_need_a_name_a_form_and_a_source(change, expected):
    content = guide_content()
    content["materials"][1].update(change)
    assert expected in kinds(guide_quality(content, ITEM))


def test_a_material_missing_its_source_key_entirely_is_reported():
    content = guide_content()
    del content["materials"][0]["source"]
    del content["materials"][0]["forms"]
    assert kinds(guide_quality(content, ITEM)) == [
        ("material_without_form", "error", "materials[0].forms"),
        ("material_without_source", "error", "materials[0].source"),
    ]


def test_fees_charged_without_items_or_basis():
    charged_empty = guide_content(fees={"charged": True, "items": []})
    assert kinds(guide_quality(charged_empty, ITEM)) == [
        ("fee_items_missing", "error", "fees.items")
    ]
    no_basis = guide_content(
        fees={"charged": True, "items": [{"name": "工本费", "standard": "每证10元"}]}
    )
    issues = guide_quality(no_basis, ITEM)
    assert kinds(issues) == [("fee_without_basis", "error", "fees.items[0].legal_basis")]
    assert "工本费" in issues[0].message
    no_standard = guide_content(
        fees={"charged": True, "items": [{"name": "工本费", "legal_basis": "价格文件"}]}
    )
    assert kinds(guide_quality(no_standard, ITEM)) == [
        ("fee_without_standard", "error", "fees.items[0].standard")
    ]


def test_free_service_listing_fee_items_is_contradictory():
    content = guide_content(
        fees={
            "charged": False,
            "items": [{"name": "工本费", "standard": "每证10元", "legal_basis": "价格文件"}],
        }
    )
    assert kinds(guide_quality(content, ITEM)) == [("fee_items_but_free", "error", "fees.charged")]


@pytest.mark.parametrize(
    ("overrides", "claims"),
    [
        ({"online_depth": ["1", "2", "3", "4"], "channels": []}, "互联网受理"),
        ({"online_depth": ["1", "5"], "channels": []}, "互联网办理"),
        ({"online_depth": ["1"], "channels": ["online"]}, "online channel"),
    ],
)
def test_online_handling_claimed_without_a_form_is_an_error(overrides, claims):
    content = guide_content(form={"fields": []}, **overrides)
    assert kinds(guide_quality(content, ITEM)) == [("online_without_form", "error", "form.fields")]


def test_consultation_only_needs_no_form():
    content = guide_content(form={"fields": []}, online_depth=["1", "2", "3"], channels=[])
    assert guide_quality(content, ITEM) == []


def test_fully_online_with_visits_is_contradictory():
    content = guide_content(visits=1, onsite_reason="现场核验原件")
    assert kinds(guide_quality(content, ITEM)) == [("online_but_visits", "error", "visits")]


def test_visits_need_a_reason():
    content = guide_content(channels=["mobile"], visits=2, onsite_reason="")
    issues = guide_quality(content, ITEM)
    assert kinds(issues) == [("onsite_reason_missing", "error", "onsite_reason")]
    assert "2次" in issues[0].message


@pytest.mark.parametrize(
    ("key", "empty", "label"),
    [
        ("acceptance_conditions", [], "受理条件"),
        ("acceptance_conditions", ["  "], "受理条件"),
        ("place", "", "办理地点"),
        ("consult_phone", "", "咨询电话"),
        ("supervise_phone", None, "监督投诉电话"),
        ("hours", "", "办理时间"),
        ("steps", [], "办理流程"),
    ],
)
def test_missing_required_elements(key, empty, label):
    issues = guide_quality(guide_content(**{key: empty}), ITEM)
    assert kinds(issues) == [("element_missing", "error", key)]
    assert label in issues[0].message


def test_missing_legal_basis_is_an_error():
    assert kinds(guide_quality(guide_content(legal_basis=""), ITEM)) == [
        ("legal_basis_missing", "error", "legal_basis")
    ]


def test_basic_code_type_digits_that_disagree_are_only_a_warning():
    public_service_code = ITEM.code[:19] + "002012003000"  # positions 3–4 of the basic code: 20
    issues = guide_quality(guide_content(), Ref(public_service_code))
    assert kinds(issues) == [("basic_code_type_mismatch", "warning", "item_type")]
    assert "推断" in issues[0].message
    assert guide_quality(guide_content(), Ref("short")) == []  # no code, no check


def test_licensing_legal_days_above_20_need_a_note():
    content = guide_content(legal_days=30, legal_days_note="")
    issues = guide_quality(content, ITEM)
    assert kinds(issues) == [("legal_days_without_note", "warning", "legal_days_note")]
    assert "第四十二条" in issues[0].message
    assert guide_quality(guide_content(legal_days=30), ITEM) == []  # the factory cites its basis
    public_service = guide_content(item_type="20", legal_days=30, legal_days_note="")
    assert guide_quality(public_service) == []


def test_workflow_longer_than_the_promise_is_a_warning():
    content = guide_content(promised_days=4)
    issues = guide_quality(content, ITEM)
    assert kinds(issues) == [("workflow_exceeds_promised", "warning", "workflow.steps")]
    assert "5个工作日" in issues[0].message


def test_licensing_without_a_result_is_an_error():
    assert kinds(guide_quality(guide_content(result=None), ITEM)) == [
        ("result_missing", "error", "result")
    ]
    assert guide_quality(guide_content(item_type="20", result=None)) == []


def test_errors_come_before_warnings():
    content = guide_content(promised_days=4, result=None)
    assert [i.severity for i in guide_quality(content, ITEM)] == ["error", "warning"]


def test_legacy_dicts_with_wrong_types_are_checked_not_crashed():
    legacy: dict[str, Any] = {
        "name": "旧事项",
        "legal_days": "20",
        "promised_days": "25",
        "materials": "见附件",
        "fees": None,
        "visits": "abc",
        "channels": "online",
        "workflow": [],
        "result": "许可证",
    }
    found = {i.kind for i in guide_quality(legacy)}
    assert "promised_exceeds_legal" in found
    assert "legal_basis_missing" in found
    assert "element_missing" in found
    assert guide_quality(None) != []  # type: ignore[arg-type]
    assert guide_quality({}) != []


def test_item_score_formula():
    error = QualityIssue("x", "error", "a", "")
    warning = QualityIssue("y", "warning", "b", "")
    assert item_score([]) == 100
    assert item_score([error]) == 80
    assert item_score([error, warning, warning]) == 70
    assert item_score([error] * 6) == 0


# --- Reports over items built through the services -----------------------------------------------


def uscc(region: str, n: int) -> str:
    return credit_code_build(
        department="1", category="1", region_code=region, org_body8=f"MB{n:06d}"
    )


@pytest.fixture
def catalog(regions):
    province, jinjiang, qingyang = regions["sichuan"], regions["jinjiang"], regions["qingyang"]
    admin_a, admin_b = UserFactory(kind="staff"), UserFactory(kind="staff")
    for admin in (admin_a, admin_b):
        staff_membership_grant(
            actor=None, user=admin, role=StaffRole.CATALOG_ADMIN, region=province
        )
    jj_admin = UserFactory(kind="staff")
    staff_membership_grant(actor=None, user=jj_admin, role=StaffRole.CATALOG_ADMIN, region=jinjiang)
    bodies = {}
    for n, (key, region, name) in enumerate(
        [
            ("jj", jinjiang, "锦江区市场监督管理局"),
            ("qy", qingyang, "青羊区市场监督管理局"),
        ],
        start=1,
    ):
        dept = department_create(
            actor=None, region=region, name=name, credit_code=uscc(region.code, n)
        )
        bodies[key] = implementing_body_create(
            actor=None, department=dept, name=name, credit_code=uscc(region.code, n + 50)
        )
    basics = [
        basic_item_create(
            actor=admin_a,
            code=code,
            name=name,
            item_type="01",
            service_objects=["2"],
            exercise_levels=["4"],
        )
        for code, name in [
            (FOOD_CODE, "食品经营许可"),
            ("000107002000", "食品小作坊登记"),
            ("000107003000", "食品摊贩登记"),
        ]
    ]
    items = {}
    for key in ("jj", "qy"):
        for basic in basics:
            items[(key, basic.code)] = implementation_item_create(
                actor=admin_a,
                basic_item=basic,
                body=bodies[key],
                content=guide_content(name=basic.name),
            )
    # Everything published except 锦江's 食品摊贩登记, which stays a draft.
    for (key, code), item in items.items():
        if (key, code) == ("jj", "000107003000"):
            continue
        guide_submit(actor=admin_a, item_code=item.code, number=1)
        guide_review(actor=admin_b, item_code=item.code, number=1, approve=True)
    return {"admin": admin_a, "jj_admin": jj_admin, "items": items}


def legacy_edit(item: Any, **changes: Any) -> None:
    """What an old import or a direct database edit leaves behind: stored content the services
    would refuse, written past them on purpose."""
    version = GuideVersion.objects.get(item=item, number=1)
    version.content.update(changes)
    GuideVersion.objects.filter(pk=version.pk).update(content=version.content)


def test_report_aggregates_per_body(catalog, django_assert_max_num_queries):
    items = catalog["items"]
    legacy_edit(items[("jj", FOOD_CODE)], promised_days=30)  # also breaks the digest
    legacy_edit(items[("jj", "000107003000")], consult_phone="")  # the draft: no digest yet
    legacy_edit(items[("qy", FOOD_CODE)], legal_days_note="", legal_days=25)
    with django_assert_max_num_queries(6):
        report = quality_report(item_list_for_admin(catalog["admin"]))
    by_body = {b.body: b for b in report.bodies}
    jinjiang = by_body["锦江区市场监督管理局"]
    assert (jinjiang.items, jinjiang.items_with_errors) == (3, 2)
    assert dict(jinjiang.issues_by_kind) == {
        "promised_exceeds_legal": 1,
        "digest_mismatch": 1,
        "element_missing": 1,
    }
    # (100 − 2×20) + 100 + (100 − 20) over three items.
    assert jinjiang.score == round((60 + 100 + 80) / 3, 1)
    qingyang = by_body["青羊区市场监督管理局"]
    # legal 25 > 20 without a note, and the edit broke the digest.
    assert dict(qingyang.issues_by_kind) == {"legal_days_without_note": 1, "digest_mismatch": 1}
    assert qingyang.items_with_errors == 1
    assert report.items_total == 6
    assert report.items_with_errors == 3
    assert report.items[0].code == items[("jj", FOOD_CODE)].code  # worst first
    assert report.bodies[0].body == "锦江区市场监督管理局"  # lower score first


def test_report_keeps_only_the_worst_items_when_capped(catalog):
    items = catalog["items"]
    legacy_edit(items[("jj", FOOD_CODE)], promised_days=30, place="")
    legacy_edit(items[("qy", FOOD_CODE)], place="")
    report = quality_report(item_list_for_admin(catalog["admin"]), max_items=1)
    assert [r.code for r in report.items] == [items[("jj", FOOD_CODE)].code]
    assert report.items_total == 6  # the aggregates still count every item
    assert quality_report(item_list_for_admin(catalog["admin"]), max_items=0).items == []
    assert len(quality_report(item_list_for_admin(catalog["admin"]), max_items=None).items) == 2


def test_withdrawn_items_are_left_out(catalog):
    item = catalog["items"][("qy", FOOD_CODE)]
    guide_withdraw(actor=catalog["admin"], item_code=item.code, reason="职能调整")
    report = quality_report(item_list_for_admin(catalog["admin"]))
    assert report.items_total == 5


def test_admin_report_is_scoped(catalog, regions):
    report = catalog_quality_for_admin(catalog["jj_admin"])
    assert {b.body for b in report.bodies} == {"锦江区市场监督管理局"}
    whole = catalog_quality_for_admin(catalog["admin"])
    assert whole.items_total == 6
    narrowed = catalog_quality_for_admin(catalog["admin"], region_prefix="510105")
    assert {b.body for b in narrowed.bodies} == {"青羊区市场监督管理局"}


@pytest.mark.parametrize("kind", ["citizen", "clerk", "anonymous"])
def test_report_is_refused_without_a_catalog_role(catalog, regions, kind):
    if kind == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        actor: Any = AnonymousUser()
    elif kind == "citizen":
        actor = UserFactory(kind="citizen")
    else:
        actor = UserFactory(kind="staff")
        staff_membership_grant(
            actor=None, user=actor, role=StaffRole.WINDOW_CLERK, region=regions["jinjiang"]
        )
    with pytest.raises(PermissionDenied):
        catalog_quality_for_admin(actor)
