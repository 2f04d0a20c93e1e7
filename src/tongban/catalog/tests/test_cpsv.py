import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from tongban.catalog.cpsv import CURRENCY_CNY, fee_amount, public_service_jsonld
from tongban.catalog.guide_schema import parse_guide
from tongban.catalog.tests.factories import guide_content

ITEM = SimpleNamespace(
    code="11510104MB0000018X4000107001000",
    body=SimpleNamespace(name="锦江区市场监督管理局", credit_code="11510104MB0000018X"),
    region=SimpleNamespace(code="510104", name="锦江区", full_name="四川省成都市锦江区"),
)


def jsonld(**overrides):
    return public_service_jsonld(item=ITEM, content=parse_guide(guide_content(**overrides)))


@pytest.mark.parametrize(
    ("standard", "amount"),
    [
        ("每证10元", 10.0),
        ("工本费 5.5 元/本", 5.5),
        ("按面积计收", None),
        ("5元/本，10元/套", None),
    ],
)
def test_fee_amount_only_when_the_standard_names_one(standard, amount):
    assert fee_amount(standard) == amount


def test_a_service_document_has_its_identity_and_place():
    doc = jsonld()
    assert doc["@id"] == f"urn:tongban:service:{ITEM.code}"
    assert doc["@type"] == "cpsv:PublicService"
    assert doc["dct:language"] == [
        {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"}
    ]
    assert doc["dct:spatial"][0]["dct:identifier"] == "510104"
    assert doc["dct:spatial"][0]["skos:prefLabel"]["@value"] == "四川省成都市锦江区"
    assert doc["dct:type"]["skos:prefLabel"]["@value"] == "行政许可"
    assert doc["cv:hasLegalResource"][0]["@type"] == "eli:LegalResource"
    assert "食品安全法" in doc["cv:hasLegalResource"][0]["dct:description"]["@value"]
    assert [c["cv:telephone"] for c in doc["cv:contactPoint"]] == ["028-12345", "028-12315"]
    conditions = doc["cv:holdsRequirement"]
    assert len(conditions) == 3
    assert all(c["@type"] == "cv:Requirement" for c in conditions)


def test_evidence_describes_form_copies_and_conditions():
    inputs = jsonld()["cpsv:hasInput"]
    assert inputs[0]["@id"] == f"urn:tongban:evidence:{ITEM.code}:M001"
    proxy = inputs[2]["dct:description"]["@value"]
    assert "原件1份" in proxy
    assert "复印件1份" in proxy
    assert "非必要材料" in proxy
    assert "委托他人办理的" in proxy
    assert inputs[0]["schema:url"].endswith("spjy-sqs.docx")


def test_costs_carry_amount_currency_and_basis():
    doc = jsonld(
        fees={
            "charged": True,
            "items": [
                {"name": "工本费", "standard": "每证10元", "legal_basis": "川价费〔2020〕1号"}
            ],
        }
    )
    [cost] = doc["cv:hasCost"]
    assert cost["cv:hasValue"] == {"@value": 10.0, "@type": "xsd:double"}
    assert cost["cv:currency"] == {"@id": CURRENCY_CNY}
    assert "川价费〔2020〕1号" in cost["dct:description"]["@value"]
    [free] = jsonld()["cv:hasCost"]
    assert free["cv:hasValue"]["@value"] == 0
    assert free["dct:description"]["@value"] == "不收费"


def test_channels_events_output_and_dates():
    doc = public_service_jsonld(
        item=ITEM,
        content=parse_guide(guide_content(person_themes=["030"])),
        service_url="https://zwfw.example.gov.cn/services/x/",
        version=3,
        published_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert doc["@id"] == "https://zwfw.example.gov.cn/services/x/"
    channels = {c["dct:identifier"]: c for c in doc["cv:hasChannel"]}
    assert set(channels) == {
        "handling_form:1",
        "handling_form:2",
        "channel:online",
        "channel:mobile",
    }
    assert "二楼市场监管窗口" in channels["handling_form:1"]["dct:description"]["@value"]
    assert channels["channel:online"]["schema:url"] == "https://example.gov.cn/apply/spjyxk"
    events = {(e["@type"], e["dct:identifier"]) for e in doc["cv:isGroupedBy"]}
    assert events == {("cv:LifeEvent", "030"), ("cv:BusinessEvent", "010")}
    assert doc["cpsv:produces"][0]["dct:identifier"] == "SPJYXKZ"
    assert doc["schema:version"] == "3"
    assert doc["dct:issued"]["@value"].startswith("2026-01-05")


def test_no_output_without_a_result():
    doc = jsonld(item_type="20", result=None)
    assert "cpsv:produces" not in doc


def test_only_web_links_and_site_paths_reach_the_document():
    # A parsed guide refuses such links; the export still must not trust whatever it is given.
    content = parse_guide(guide_content())
    content.online_url = "javascript:alert(1)"
    content.materials[0].blank_form_url = "javascript:alert(1)"
    content.materials[0].sample_url = "/media/forms/spjy-sample.pdf"
    content.materials[1].blank_form_url = "data:text/html,<script>alert(1)</script>"
    content.materials[2].sample_url = "//evil.example/form.docx"

    doc = public_service_jsonld(item=ITEM, content=content)

    inputs = doc["cpsv:hasInput"]
    assert inputs[0]["schema:url"] == "/media/forms/spjy-sample.pdf"
    assert "schema:url" not in inputs[1]
    assert "schema:url" not in inputs[2]
    assert [c for c in doc["cv:hasChannel"] if "schema:url" in c] == []
    text = json.dumps(doc, ensure_ascii=False)
    assert "javascript:" not in text
    assert "data:text" not in text
    assert "evil.example" not in text
