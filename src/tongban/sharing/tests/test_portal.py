"""Portal: the right-to-know page and open data with its DCAT-AP JSON-LD."""

from __future__ import annotations

import csv
import io
import json

import pytest
import rdflib  # what CKAN's DCAT harvester (ckanext-dcat) parses with
from django.test import Client

from tongban.identity.models import AccountKind, User
from tongban.sharing import services
from tongban.sharing.models import OpenType
from tongban.sharing.services import FieldSpec

pytestmark = pytest.mark.django_db


def test_right_to_know_page_lists_reads_of_my_data(world, granted):
    app, _raw = granted
    person = world.people[0]
    services.exchange_lookup(
        app=app, resource_code=world.population.code, key=person["id_number"], reason="MZ-2026-77"
    )
    services.exchange_lookup(
        app=app,
        resource_code=world.population.code,
        key=world.people[1]["id_number"],
        reason="OTHER-1",
    )
    me = User.objects.create_user(
        username="zhang",
        password=None,
        kind=AccountKind.CITIZEN,
        real_name=person["name"],
        id_number=person["id_number"],
    )
    client = Client()
    client.force_login(me)
    page = client.get("/my/data-access/").content.decode()
    assert "成都市锦江区民政局" in page
    assert "MZ-2026-77" in page
    assert "OTHER-1" not in page
    assert "姓名、户籍地址" in page
    assert "最低生活保障审核" in page
    assert Client().get("/my/data-access/").status_code == 302


@pytest.fixture
def open_resource(world):
    resource = services.resource_create(
        actor=world.provider_officer,
        provider=world.provider,
        code="DR-510100-0500",
        name="成都市派出所名录",
        summary="派出所名称、地址和办公电话。",
        legal_basis="《政府信息公开条例》",
        fields=[
            FieldSpec("name", "名称", sensitivity="public"),
            FieldSpec("address", "地址", sensitivity="public"),
        ],
        open_type=OpenType.OPEN,
        keywords="派出所,公安",
        license="https://creativecommons.org/licenses/by/4.0/",
    )
    services.records_load(
        actor=world.provider_officer,
        resource=resource,
        rows=[{"name": f"春熙路派出所{i}", "address": f"锦江区红星路{i}号"} for i in range(1500)],
    )
    return resource


def test_open_data_must_not_contain_personal_fields(world):
    with pytest.raises(services.ValidationFailed):
        services.resource_update(
            actor=world.provider_officer, resource=world.population, open_type=OpenType.OPEN
        )
    world.population.refresh_from_db()
    assert world.population.open_type == OpenType.CLOSED


def test_open_catalog_and_downloads(open_resource, world):
    client = Client()
    page = client.get("/open-data/").content.decode()
    assert "成都市派出所名录" in page
    assert "人口基本信息" not in page
    assert client.get(f"/open-data/{world.population.code}/").status_code == 404
    detail = client.get(f"/open-data/{open_resource.code}/").content.decode()
    assert "download.csv" in detail
    response = client.get(f"/open-data/{open_resource.code}/download.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1500
    assert rows[0]["name"].startswith("春熙路派出所")
    response = client.get(f"/open-data/{open_resource.code}/download.jsonl")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1500
    assert json.loads(lines[0])["address"]


def test_dcat_ap_jsonld_is_readable_rdf(open_resource):
    response = Client().get("/open-data/catalog.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=response.content.decode(), format="json-ld")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.namespace.DCTERMS
    catalogs = list(graph.subjects(rdflib.RDF.type, dcat.Catalog))
    datasets = list(graph.subjects(rdflib.RDF.type, dcat.Dataset))
    assert len(catalogs) == 1
    assert len(datasets) == 1
    assert (catalogs[0], dcat.dataset, datasets[0]) in graph
    assert str(graph.value(datasets[0], dct.identifier)) == open_resource.code
    assert str(graph.value(datasets[0], dct.title)) == "成都市派出所名录"
    downloads = sorted(
        str(graph.value(d, dcat.downloadURL)) for d in graph.objects(datasets[0], dcat.distribution)
    )
    assert downloads == [
        f"http://testserver/open-data/{open_resource.code}/download.csv",
        f"http://testserver/open-data/{open_resource.code}/download.jsonl",
    ]
    formats = {
        str(graph.value(d, dct["format"])) for d in graph.objects(datasets[0], dcat.distribution)
    }
    assert "http://publications.europa.eu/resource/authority/file-type/CSV" in formats
