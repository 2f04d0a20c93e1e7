"""The Open311 service discovery document (http://wiki.open311.org/Service_Discovery/), in both
formats, with every field the spec requires, pointing at a working GeoReport v2 endpoint."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

REQUIRED = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}


@pytest.mark.django_db
def test_discovery_json_has_the_spec_fields_and_a_working_endpoint(client):
    response = client.get("/open311/v2/discovery.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == REQUIRED
    assert all(
        isinstance(body[k], str) and body[k] for k in ("changeset", "contact", "key_service")
    )
    [endpoint] = body["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert endpoint["url"] == "http://testserver/open311/v2"
    # A client appends the method to the endpoint url, as the spec says.
    services = client.get(urlsplit(endpoint["url"]).path + "/services.json")
    assert services.status_code == 200
    assert {s["service_code"] for s in services.json()} >= {"complaint", "consult"}


@pytest.mark.django_db
def test_discovery_xml_follows_the_spec_structure(client):
    response = client.get("/open311/v2/discovery.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's response
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert [e.tag for e in endpoints] == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert endpoint.findtext("changeset") == root.findtext("changeset")


@pytest.mark.django_db
def test_discovery_takes_the_configured_contact_and_type(client, settings):
    settings.TONGBAN_FEEDBACK = {
        "OPEN311_CONTACT": "四川省大数据中心 028-12345678",
        "OPEN311_KEY_SERVICE": "请发邮件至 open311@example.gov.cn 申请",
        "OPEN311_ENDPOINT_TYPE": "test",
    }

    body = client.get("/open311/v2/discovery.json").json()

    assert body["contact"] == "四川省大数据中心 028-12345678"
    assert body["key_service"] == "请发邮件至 open311@example.gov.cn 申请"
    assert body["endpoints"][0]["type"] == "test"


@pytest.mark.django_db
def test_unknown_format_is_an_open311_error(client):
    response = client.get("/open311/v2/discovery.html")

    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "format must be json or xml"}]
    assert client.post("/open311/v2/discovery.json").status_code == 405
