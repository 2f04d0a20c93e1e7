from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.catalog.models import ImplementationItem
from tongban.catalog.services import (
    basic_item_create,
    bundle_create,
    guide_draft_save,
    guide_review,
    guide_submit,
    guide_withdraw,
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

FOOD = "000107001000"  # 食品经营许可 (行政许可, positions 3–4 = 01)
NEWBORN = "002012003000"  # 新生儿入户 (公共服务, positions 3–4 = 20)


def uscc(region: str, n: int) -> str:
    return credit_code_build(
        department="1", category="1", region_code=region, org_body8=f"MB{n:06d}"
    )


def newborn_guide(**overrides: Any) -> dict[str, Any]:
    guide = guide_content(
        name="新生儿入户",
        item_type="20",
        legal_basis="《中华人民共和国户口登记条例》第七条",
        case_kind="1",
        legal_days=0,
        legal_days_note="",
        promised_days=0,
        service_objects=["1"],
        person_themes=["005", "010"],
        corporate_themes=[],
        handling_forms=["1"],
        online_depth=["1"],
        channels=[],
        visits=1,
        onsite_reason="需现场采集新生儿信息并核验出生医学证明原件。",
        result=None,
        workflow={
            "steps": [
                {
                    "key": "accept",
                    "name": "受理并办结",
                    "role": "window_clerk",
                    "actions": ["accept", "approve"],
                    "days": 0,
                }
            ]
        },
    )
    guide.update(overrides)
    return guide


@dataclass
class World:
    admin_a: Any
    admin_b: Any
    jinjiang_admin: Any
    jj_dept: Any
    jj_food: ImplementationItem
    jj_newborn: ImplementationItem
    qy_food: ImplementationItem
    cd_food: ImplementationItem
    jj_draft: ImplementationItem


def publish(world_admins: tuple[Any, Any], item: ImplementationItem, number: int = 1) -> None:
    submitter, reviewer = world_admins
    guide_submit(actor=submitter, item_code=item.code, number=number)
    guide_review(actor=reviewer, item_code=item.code, number=number, approve=True)


def staff(region: Any, role: str = StaffRole.CATALOG_ADMIN) -> Any:
    user = UserFactory(kind="staff")
    staff_membership_grant(actor=None, user=user, role=role, region=region)
    return user


@pytest.fixture
def world(regions) -> World:
    province, chengdu = regions["sichuan"], regions["chengdu"]
    jinjiang, qingyang = regions["jinjiang"], regions["qingyang"]
    admin_a, admin_b = staff(province), staff(province)
    jinjiang_admin = staff(jinjiang)

    def body(region: Any, n: int, name: str) -> Any:
        dept = department_create(
            actor=None, region=region, name=name, credit_code=uscc(region.code, n)
        )
        return dept, implementing_body_create(
            actor=None, department=dept, name=name, credit_code=uscc(region.code, n + 100)
        )

    jj_dept, jj_market = body(jinjiang, 1, "锦江区市场监督管理局")
    _, jj_police = body(jinjiang, 2, "锦江区公安分局")
    _, qy_market = body(qingyang, 3, "青羊区市场监督管理局")
    _, cd_market = body(chengdu, 4, "成都市市场监督管理局")
    food = basic_item_create(
        actor=admin_a,
        code=FOOD,
        name="食品经营许可",
        item_type="01",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        service_objects=["2"],
        exercise_levels=["3", "4"],
    )
    newborn = basic_item_create(
        actor=admin_a,
        code=NEWBORN,
        name="新生儿入户",
        item_type="20",
        service_objects=["1"],
        exercise_levels=["4"],
    )
    draft_basic = basic_item_create(
        actor=admin_a,
        code="000107002000",
        name="食品小作坊登记",
        item_type="01",
        service_objects=["2"],
        exercise_levels=["4"],
    )

    def item(basic: Any, body: Any, content: dict[str, Any]) -> ImplementationItem:
        return implementation_item_create(
            actor=admin_a, basic_item=basic, body=body, content=content
        )

    jj_food = item(food, jj_market, guide_content())
    jj_newborn = item(newborn, jj_police, newborn_guide())
    qy_food = item(food, qy_market, guide_content(place="青羊区政务服务中心"))
    cd_food = item(
        food,
        cd_market,
        guide_content(exercise_level="3", channels=[], online_depth=["1", "2"]),
    )
    jj_draft = item(draft_basic, jj_market, guide_content(name="食品小作坊登记"))
    for published in (jj_food, jj_newborn, qy_food, cd_food):
        publish((admin_a, admin_b), published)
    return World(
        admin_a=admin_a,
        admin_b=admin_b,
        jinjiang_admin=jinjiang_admin,
        jj_dept=jj_dept,
        jj_food=jj_food,
        jj_newborn=jj_newborn,
        qy_food=qy_food,
        cd_food=cd_food,
        jj_draft=jj_draft,
    )


def codes(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {i["code"] for i in response.json()["items"]}


# --- Basic catalog -----------------------------------------------------------------------------


def test_basic_items_are_public_and_filterable(client, world):
    body = client.get("/api/v1/catalog/basic-items").json()
    assert body["total"] == 3
    first = body["items"][0]
    assert first == {
        "code": FOOD,
        "name": "食品经营许可",
        "item_type": "01",
        "item_type_name": "行政许可",
        "parent_code": None,
        "service_objects": ["2"],
        "exercise_levels": ["3", "4"],
        "competent_department": "",
    }
    public = client.get("/api/v1/catalog/basic-items", {"item_type": "20"}).json()
    assert [i["code"] for i in public["items"]] == [NEWBORN]
    assert client.get("/api/v1/catalog/basic-items", {"q": "入户"}).json()["total"] == 1


def test_basic_items_bad_type_is_a_422_naming_the_field(client, world):
    response = client.get("/api/v1/catalog/basic-items", {"item_type": "77"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["fields"][0]["field"] == "item_type"


# --- Item list ---------------------------------------------------------------------------------


def test_items_list_shows_published_items_with_their_facts(client, world):
    response = client.get("/api/v1/catalog/items", {"limit": 50})
    assert codes(response) == {
        world.jj_food.code,
        world.jj_newborn.code,
        world.qy_food.code,
        world.cd_food.code,
    }
    body = response.json()
    assert body["total"] == 4
    assert body["total_exact"] is True
    row = next(i for i in body["items"] if i["code"] == world.jj_food.code)
    assert row == {
        "code": world.jj_food.code,
        "name": "食品经营许可",
        "region": {"code": "510104", "name": "锦江区"},
        "department": {"id": str(world.jj_dept.public_id), "name": "锦江区市场监督管理局"},
        "body_name": "锦江区市场监督管理局",
        "exercise_level": "4",
        "item_type": "01",
        "case_kind": "2",
        "legal_days": 20,
        "promised_days": 5,
        "visits": 0,
        "fully_online": True,
        "url": f"/services/{world.jj_food.code}/",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "510104"}, {"jj_food", "jj_newborn", "cd_food"}),
        ({"region": "510105"}, {"qy_food", "cd_food"}),
        ({"within": "510104"}, {"jj_food", "jj_newborn"}),
        ({"within": "510100"}, {"jj_food", "jj_newborn", "qy_food", "cd_food"}),
        ({"level": "3"}, {"cd_food"}),
        ({"person_theme": "005"}, {"jj_newborn"}),
        ({"corporate_theme": "010"}, {"jj_food", "qy_food", "cd_food"}),
        ({"service_object": "1"}, {"jj_newborn"}),
        ({"online_depth": "5"}, {"jj_food", "qy_food"}),
        ({"channel": "online"}, {"jj_food", "qy_food"}),
        ({"item_type": "20"}, {"jj_newborn"}),
        ({"q": "入户"}, {"jj_newborn"}),
        ({"region": "510104", "item_type": "01"}, {"jj_food", "cd_food"}),
    ],
)
def test_each_filter_returns_the_right_items(client, world, params, expected):
    response = client.get("/api/v1/catalog/items", params)
    assert codes(response) == {getattr(world, name).code for name in expected}


def test_department_filter(client, world):
    response = client.get("/api/v1/catalog/items", {"department": str(world.jj_dept.public_id)})
    assert codes(response) == {world.jj_food.code}


def test_pagination_is_stable_and_counts_everything(client, world):
    seen = []
    for offset in range(4):
        body = client.get("/api/v1/catalog/items", {"limit": 1, "offset": offset}).json()
        assert body["total"] == 4
        assert len(body["items"]) == 1
        seen.append(body["items"][0]["code"])
    assert len(set(seen)) == 4
    past = client.get("/api/v1/catalog/items", {"limit": 1, "offset": 4}).json()
    assert past["items"] == []
    assert past["total"] == 4


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"level": "9"}, "level", "行使层级"),
        ({"item_type": "99"}, "item_type", "事项类型"),
        ({"person_theme": "080"}, "person_theme", "自然人主题"),
        ({"corporate_theme": "001"}, "corporate_theme", "法人主题"),
        ({"service_object": "7"}, "service_object", "服务对象"),
        ({"online_depth": "9"}, "online_depth", "网上办理深度"),
        ({"channel": "fax"}, "channel", "办理渠道"),
        ({"department": "not-a-uuid"}, "department", "部门"),
        ({"region": "51"}, "region", "区划"),
        ({"region": "999999"}, "region", "不存在"),
        ({"within": "abc"}, "within", "区划"),
    ],
)
def test_bad_filter_is_a_422_problem_naming_the_field(client, world, params, field, words):
    response = client.get("/api/v1/catalog/items", params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == [field]
    assert words in body["fields"][0]["message"]


def test_limit_above_200_is_refused(client, world):
    response = client.get("/api/v1/catalog/items", {"limit": 201})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "limit"


def test_list_query_count_does_not_grow_with_the_page(client, world, django_assert_max_num_queries):
    # The same filters with one row and with every row: no query per item.
    params = {"region": "510104", "corporate_theme": "010"}
    counts = []
    for limit in (1, 2):  # both pages are full, so both also count the matches
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/catalog/items", {**params, "limit": limit}).json()
        assert len(body["items"]) == limit
        assert body["total"] == 2
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(4):  # region check, facet filter, page, count
        client.get("/api/v1/catalog/items", {"limit": 200, "offset": 1})


# --- Item detail and JSON-LD -------------------------------------------------------------------


def test_detail_is_the_published_guide_with_item_metadata(client, world):
    item = world.jj_food
    response = client.get(f"/api/v1/catalog/items/{item.code}")
    assert response.status_code == 200
    body = response.json()
    item.refresh_from_db()
    assert body["guide"] == item.published_version.content
    assert body["version"] == 1
    assert body["published_at"] is not None
    assert body["basic_code"] == FOOD
    assert body["body"]["credit_code"] == item.body.credit_code
    assert body["region"] == {"code": "510104", "name": "锦江区"}
    assert body["item_type_name"] == "行政许可"
    assert body["content_digest"] == item.published_version.content_digest
    assert body["jsonld_url"].endswith(f"/catalog/items/{item.code}/jsonld")


def test_detail_accepts_lowercase_codes(client, world):
    response = client.get(f"/api/v1/catalog/items/{world.jj_food.code.lower()}")
    assert response.status_code == 200


def test_unknown_draft_and_withdrawn_items_are_404_problems(client, world):
    unknown = uscc("510104", 999) + "4" + FOOD
    guide_withdraw(actor=world.admin_a, item_code=world.qy_food.code, reason="职能调整")
    for code in (unknown, world.jj_draft.code, world.qy_food.code):
        response = client.get(f"/api/v1/catalog/items/{code}")
        assert response.status_code == 404, code
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert world.qy_food.code not in codes(client.get("/api/v1/catalog/items"))


def test_malformed_code_is_a_422_with_the_reason(client, world):
    response = client.get("/api/v1/catalog/items/12345")
    assert response.status_code == 422
    body = response.json()
    assert "31位" in body["message"]
    assert body["fields"] == [{"field": "code", "message": "长度应为31位。"}]


def test_jsonld_is_a_cpsv_public_service(client, world):
    item = world.jj_food
    response = client.get(f"/api/v1/catalog/items/{item.code}/jsonld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    doc = response.json()
    assert doc["@context"]["cpsv"] == "http://purl.org/vocab/cpsv#"
    assert doc["@context"]["cv"] == "http://data.europa.eu/m8g/"
    assert doc["@type"] == "cpsv:PublicService"
    assert doc["@id"] == f"http://testserver/services/{item.code}/"
    assert doc["dct:identifier"] == item.code
    assert doc["dct:title"] == {"@language": "zh", "@value": "食品经营许可"}
    materials = guide_content()["materials"]
    inputs = doc["cpsv:hasInput"]
    assert [i["dct:title"]["@value"] for i in inputs] == [m["name"] for m in materials]
    assert all(i["@type"] == "cv:Evidence" for i in inputs)
    authority = doc["cv:hasCompetentAuthority"][0]
    assert authority["@type"] == "cv:PublicOrganisation"
    assert authority["dct:identifier"] == item.body.credit_code
    assert doc["cv:processingTime"] == {"@value": "P5D", "@type": "xsd:duration"}
    assert "工作日" in doc["dct:description"]["@value"]
    assert doc["cpsv:produces"][0]["dct:title"]["@value"] == "食品经营许可证"


def test_jsonld_of_a_withdrawn_item_is_404(client, world):
    guide_withdraw(actor=world.admin_a, item_code=world.jj_food.code, reason="职能调整")
    assert client.get(f"/api/v1/catalog/items/{world.jj_food.code}/jsonld").status_code == 404


# --- Bundles -----------------------------------------------------------------------------------


@pytest.fixture
def bundle(world):
    return bundle_create(
        actor=world.admin_a,
        code="YJS-SC-001",
        name="开办餐馆“一件事”",
        audience="corporate",
        summary="一次申请，办好食品经营许可和相关登记。",
        members=[(FOOD, 1, "先办许可"), (NEWBORN, 2, "")],
        definition={
            "shared_fields": [{"key": "shop_name", "label": "店名", "type": "text"}],
            "shared_materials": [{"name": "营业执照", "replaces": ["M002"]}],
        },
        is_national_key=True,
        promised_days=5,
    )


def test_bundles_list(client, bundle):
    response = client.get("/api/v1/catalog/bundles")
    assert response.status_code == 200
    [body] = response.json()
    assert body["code"] == "YJS-SC-001"
    assert body["audience_name"] == "法人服务"
    assert body["is_national_key"] is True
    assert body["stages"] == [
        {
            "stage": 1,
            "members": [
                {"basic_code": FOOD, "name": "食品经营许可", "note": "先办许可", "item": None}
            ],
        },
        {
            "stage": 2,
            "members": [{"basic_code": NEWBORN, "name": "新生儿入户", "note": "", "item": None}],
        },
    ]
    assert body["shared_fields"][0]["key"] == "shop_name"
    assert body["shared_materials"][0]["name"] == "营业执照"
    assert client.get("/api/v1/catalog/bundles", {"audience": "personal"}).json() == []
    assert client.get("/api/v1/catalog/bundles", {"audience": "x"}).status_code == 422


def test_bundle_members_resolve_to_the_nearest_item_for_the_region(client, world, bundle):
    jinjiang = client.get("/api/v1/catalog/bundles/YJS-SC-001", {"region": "510104"}).json()
    resolved = {m["basic_code"]: m["item"] for s in jinjiang["stages"] for m in s["members"]}
    # Both the county and the city offer the licence: the county's is nearer.
    assert resolved[FOOD]["code"] == world.jj_food.code
    assert resolved[FOOD]["url"] == f"/services/{world.jj_food.code}/"
    assert resolved[NEWBORN]["code"] == world.jj_newborn.code
    qingyang = client.get("/api/v1/catalog/bundles/YJS-SC-001", {"region": "510105"}).json()
    resolved = {m["basic_code"]: m["item"] for s in qingyang["stages"] for m in s["members"]}
    assert resolved[FOOD]["code"] == world.qy_food.code
    assert resolved[NEWBORN] is None


def test_unknown_bundle_and_bad_region(client, bundle):
    assert client.get("/api/v1/catalog/bundles/NOPE").status_code == 404
    response = client.get("/api/v1/catalog/bundles/YJS-SC-001", {"region": "5101"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "region"


# --- Staff endpoints ---------------------------------------------------------------------------


@pytest.fixture
def second_version(world):
    """Version 2 of 锦江's licence, published: promised 5 → 3 working days."""
    guide_draft_save(
        actor=world.admin_a,
        item_code=world.jj_food.code,
        content=guide_content(
            promised_days=3,
            workflow={
                "steps": [
                    {
                        "key": "accept",
                        "name": "受理",
                        "role": "window_clerk",
                        "actions": ["accept"],
                        "days": 1,
                    },
                    {
                        "key": "review",
                        "name": "审查",
                        "role": "reviewer",
                        "actions": ["approve", "reject"],
                        "days": 2,
                    },
                ]
            },
        ),
        change_note="压缩承诺时限",
    )
    publish((world.admin_a, world.admin_b), world.jj_food, number=2)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/catalog/quality",
        "/api/v1/catalog/items/{code}/versions",
        "/api/v1/catalog/items/{code}/versions/1/diff/1",
    ],
)
def test_staff_endpoints_require_sign_in(client, world, url):
    response = client.get(url.format(code=world.jj_food.code))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_versions_are_listed_newest_first(client, world, second_version):
    client.force_login(world.jinjiang_admin)
    response = client.get(f"/api/v1/catalog/items/{world.jj_food.code}/versions")
    assert response.status_code == 200
    body = response.json()
    assert [(v["number"], v["status"]) for v in body] == [(2, "published"), (1, "superseded")]
    assert body[0]["change_note"] == "压缩承诺时限"
    assert body[0]["submitted_by"] == world.admin_a.display_name
    assert body[0]["reviewed_by"] == world.admin_b.display_name


def test_diff_lists_changed_elements(client, world, second_version):
    client.force_login(world.jinjiang_admin)
    response = client.get(f"/api/v1/catalog/items/{world.jj_food.code}/versions/1/diff/2")
    assert response.status_code == 200
    changes = {c["path"]: c for c in response.json()["changes"]}
    assert changes["promised_days"] == {
        "path": "promised_days",
        "kind": "changed",
        "before": 5,
        "after": 3,
    }
    assert changes["workflow.steps[2].key"]["kind"] == "removed"
    missing = client.get(f"/api/v1/catalog/items/{world.jj_food.code}/versions/1/diff/9")
    assert missing.status_code == 404


def test_a_county_admin_cannot_see_another_countys_versions(client, world):
    client.force_login(world.jinjiang_admin)
    own = client.get(f"/api/v1/catalog/items/{world.jj_food.code}/versions")
    assert own.status_code == 200
    for url in (
        f"/api/v1/catalog/items/{world.qy_food.code}/versions",
        f"/api/v1/catalog/items/{world.qy_food.code}/versions/1/diff/1",
        f"/api/v1/catalog/items/{world.cd_food.code}/versions",  # the city above is not theirs
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_staff_without_a_catalog_role_gets_nothing(client, world, regions):
    clerk = staff(regions["jinjiang"], role=StaffRole.WINDOW_CLERK)
    client.force_login(clerk)
    assert client.get(f"/api/v1/catalog/items/{world.jj_food.code}/versions").status_code == 404
    response = client.get("/api/v1/catalog/quality")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_quality_report_is_scoped_to_the_admin(client, world):
    client.force_login(world.jinjiang_admin)
    response = client.get("/api/v1/catalog/quality")
    assert response.status_code == 200
    body = response.json()
    assert {b["body"] for b in body["bodies"]} == {"锦江区市场监督管理局", "锦江区公安分局"}
    # The published licence, the newborn registration and the unpublished draft.
    assert body["items"] == 3
    assert body["kind_names"]["promised_exceeds_legal"] == "承诺时限超过法定时限"


def test_quality_report_lists_problems_of_the_province(client, world):
    client.force_login(world.admin_a)
    body = client.get("/api/v1/catalog/quality").json()
    assert body["items"] == 5
    assert body["items_with_errors"] == 0
    assert body["score"] == 100.0
    assert body["problem_items"] == []
    narrowed = client.get("/api/v1/catalog/quality", {"within": "510105"}).json()
    assert narrowed["items"] == 1
    bad = client.get("/api/v1/catalog/quality", {"within": "5101"})
    assert bad.status_code == 422


def test_catalog_operations_have_explicit_ids(client, db):
    doc = client.get("/api/openapi.json").json()
    ops = {
        op["operationId"]: op
        for path, item in doc["paths"].items()
        if "/catalog/" in path
        for op in item.values()
    }
    assert set(ops) == {
        "catalog_basic_items_list",
        "catalog_items_list",
        "catalog_items_get",
        "catalog_items_jsonld",
        "catalog_bundles_list",
        "catalog_bundles_get",
        "catalog_quality_report",
        "catalog_item_versions_list",
        "catalog_item_versions_diff",
    }
    public = {k for k, op in ops.items() if not op.get("security")}
    assert public == {
        "catalog_basic_items_list",
        "catalog_items_list",
        "catalog_items_get",
        "catalog_items_jsonld",
        "catalog_bundles_list",
        "catalog_bundles_get",
    }
