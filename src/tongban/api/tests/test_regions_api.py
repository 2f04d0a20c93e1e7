import pytest

from tongban.core.identifiers import citizen_id_with_check
from tongban.core.services.regions import regions_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing(regions):
    """The small 四川/重庆 tree plus real 北京 county codes, the abolished 崇文区 included."""
    regions_load(prefixes=["1101"], township_prefixes=[], village_sample_prefixes=[])
    return regions


def test_search_by_name_is_public_and_paginated(client, regions):
    response = client.get("/api/v1/regions", {"q": "锦江"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["limit"] == 50
    assert body["items"][0]["code"] == "510104"
    assert body["items"][0]["full_name"] == "四川省成都市锦江区"
    assert body["items"][0]["level_label"] == "县级"


def test_list_by_parent_with_limit_and_offset(client, regions):
    first = client.get("/api/v1/regions", {"parent": "510100", "limit": 1}).json()
    second = client.get("/api/v1/regions", {"parent": "510100", "limit": 1, "offset": 1}).json()
    assert first["count"] == second["count"] == 2
    assert [first["items"][0]["code"], second["items"][0]["code"]] == ["510104", "510105"]


def test_limit_above_200_is_refused_as_problem_json(client, regions):
    response = client.get("/api/v1/regions", {"limit": 500})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["fields"][0]["field"] == "limit"


def test_unknown_parent_is_404(client, regions):
    response = client.get("/api/v1/regions", {"parent": "519999"})
    assert response.status_code == 404


def test_detail_with_path_and_children_count(client, regions):
    response = client.get("/api/v1/regions/510100")
    assert response.status_code == 200
    body = response.json()
    assert [r["code"] for r in body["path"]] == ["510000", "510100"]
    assert body["children_count"] == 2
    assert body["source"] == "test"


def test_missing_region_is_a_404_problem(client, regions):
    response = client.get("/api/v1/regions/519999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["code"] == "region_not_found"
    assert "519999" in body["message"]


def test_children(client, regions):
    response = client.get("/api/v1/regions/510100/children")
    assert [r["name"] for r in response.json()] == ["锦江区", "青羊区"]
    assert client.get("/api/v1/regions/519999/children").status_code == 404


def test_historical_codes_on_request(client, beijing):
    assert client.get("/api/v1/regions", {"q": "崇文"}).json()["count"] == 0
    body = client.get("/api/v1/regions", {"q": "崇文", "include_historical": "true"}).json()
    assert body["items"][0]["code"] == "110103"
    assert body["items"][0]["is_current"] is False
    assert body["items"][0]["valid_until"] == 2010
    detail = client.get("/api/v1/regions/110103").json()
    assert detail["path"][0]["name"] == "北京市"


def test_citizen_id_check_does_not_echo_the_number(client, beijing):
    number = citizen_id_with_check("11010319850307002")
    response = client.get("/api/v1/identifiers/citizen-id/validate", {"value": number})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["normalized"] == "110103********" + number[-4:]
    assert number not in response.content.decode()
    assert body["birth_date"] == "1985-03-07"
    assert body["sex"] == "2"
    assert body["region_name"] == "北京市崇文区"
    assert body["region_note"] == "2010年撤销"


def test_citizen_id_check_explains_the_problem(client, db):
    response = client.get("/api/v1/identifiers/citizen-id/validate", {"value": "5101041990"})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["message"] == "公民身份号码长度应为18位，您填写了10位。"
    assert body["normalized"] is None


def test_credit_code_check(client, regions):
    bad = client.get(
        "/api/v1/identifiers/credit-code/validate", {"value": "91110000600037341M"}
    ).json()
    assert bad["valid"] is False
    assert "校验码（第18位）错误" in bad["message"]
    good = client.get(
        "/api/v1/identifiers/credit-code/validate", {"value": "91110000600037341l"}
    ).json()
    assert good == {
        "valid": True,
        "normalized": "91110000600037341L",
        "message": "代码有效。",
        "region_code": "110000",
        "region_name": None,
    }


def test_operations_have_explicit_ids(client, db):
    doc = client.get("/api/openapi.json").json()
    ids = {
        op["operationId"]
        for path, item in doc["paths"].items()
        if "regions" in path or "identifiers" in path
        for op in item.values()
    }
    assert ids == {
        "regions_list",
        "regions_get",
        "regions_children",
        "identifiers_citizen_id_validate",
        "identifiers_credit_code_validate",
    }
