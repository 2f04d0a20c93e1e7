"""The search API (/api/v1/search, /suggest), the portal search page (grouped results, collapsed
implementations, did you mean, suggestions, click counting) and the workbench pages (synonyms,
query report), on the small hand-made catalog of conftest.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.core.models import StaffRole
from tongban.search.models import QueryStat, SearchDocument, Synonym
from tongban.testing.catalog_fixtures import make_staff

from .conftest import ID_CARD

API = "/api/v1/search"


def test_api_answers_total_and_ranked_results(client, indexed, regions):
    response = client.get(API, {"q": "身份證", "region": "510104"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    first = body["results"][0]
    assert {k: first[k] for k in ("type", "code", "name", "url")} == {
        "type": "item",
        "code": "",
        "name": "居民身份证换领",
        "url": "/x/JJ1/",
    }
    assert "<mark>身份证</mark>" in first["name_html"]
    assert first["others"] == 1
    assert f"group=basic%3A{ID_CARD}" in first["others_url"]
    assert QueryStat.objects.get(query="身份证").searches == 1


def test_api_uses_the_signed_in_users_home_region(client, indexed, regions):
    from tongban.testing.factories import UserFactory

    user = UserFactory(kind="citizen", region=regions["qingyang"])
    client.force_login(user)
    first = client.get(API, {"q": "身份证"}).json()["results"][0]
    assert first["region_code"] == "510105"


def test_api_type_and_page(client, indexed, regions):
    body = client.get(API, {"q": "社会保障卡", "type": "bundle"}).json()
    assert [r["type"] for r in body["results"]] == ["bundle"]
    assert client.get(API, {"q": "身份证", "page": 2}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "region": "51"}, "region"),
        ({"q": "x", "region": "999999"}, "region"),
        ({"q": "x", "type": "nope"}, "type"),
        ({"q": "x", "level": "9"}, "level"),
        ({"q": "x", "department": "not-a-uuid"}, "department"),
    ],
)
def test_api_names_the_wrong_parameter(client, indexed, regions, params, field):
    response = client.get(API, params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == [field]
    assert not QueryStat.objects.exists()


def test_suggest_by_pinyin_initials(client, indexed):
    body = client.get(API + "/suggest", {"q": "jdcjsz"}).json()
    assert "机动车驾驶证补领" in [s["text"] for s in body["suggestions"]]
    assert client.get(API + "/suggest", {"q": ""}).json() == {"suggestions": []}


# --- Portal -----------------------------------------------------------------------------------


def test_search_page_groups_results_by_type(client, indexed, regions):
    response = client.get(reverse("portal:search"), {"q": "社会保障卡 身份证", "region": "510104"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "办事事项" in html
    assert "一件事" in html
    assert html.index('id="section-item"') < html.index('id="section-bundle"')
    assert "<mark>身份证</mark>换领" in html
    assert "新生儿出生" in html
    assert "另有 1 个地区可办理" in html


def test_search_page_without_query_and_with_nothing_found(client, indexed, regions):
    assert "请输入您要办理的事项" in client.get(reverse("portal:search")).content.decode()
    html = client.get(reverse("portal:search"), {"q": "火星移民"}).content.decode()
    assert "没有找到相关的服务事项" in html
    assert QueryStat.objects.get(query="火星移民").zero_results == 1


def test_corrected_query_is_said(client, indexed, regions):
    html = client.get(
        reverse("portal:search"), {"q": "身分证", "region": "510104"}
    ).content.decode()
    assert "以下是“身份证”的搜索结果" in html


def test_group_page_lists_every_implementation_nearest_first(client, indexed, regions):
    html = client.get(
        reverse("portal:search"), {"group": f"basic:{ID_CARD}", "region": "510105"}
    ).content.decode()
    assert html.index("青羊区") < html.index("锦江区")
    assert client.get(reverse("portal:search"), {"group": "basic:nothing"}).status_code == 404


def test_a_click_is_counted_and_followed(client, indexed):
    doc = SearchDocument.objects.get(key="JJ1")
    response = client.get(reverse("portal:search-go", args=[doc.pk]), {"q": "身份证"})
    assert response.status_code == 302
    assert response["Location"] == "/x/JJ1/"
    assert QueryStat.objects.get(query="身份证").clicks == 1
    assert client.get(reverse("portal:search-go", args=[999999])).status_code == 404


def test_suggestions_partial_fills_the_datalist(client, indexed):
    html = client.get(reverse("portal:search-suggest"), {"q": "jdc"}).content.decode()
    assert '<option value="机动车驾驶证补领">' in html


# --- Workbench --------------------------------------------------------------------------------


def test_catalog_admin_adds_a_synonym_in_the_workbench(client, indexed, regions):
    admin = make_staff(regions["sichuan"], username="wb_syn_admin")
    client.force_login(admin)
    url = reverse("workbench:search_synonyms")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"term": "驾照", "expansions": "机动车驾驶证，驾驶证", "kind": "colloquial", "note": ""},
    )
    assert response.status_code == 302
    assert Synonym.objects.get(term="驾照").expansions == ["机动车驾驶证", "驾驶证"]
    bad = client.post(url, {"term": "驾照", "expansions": "驾驶证", "kind": "colloquial"})
    assert bad.status_code == 400
    assert "已在同义词表中" in bad.content.decode()
    synonym = Synonym.objects.get(term="驾照")
    edit = reverse("workbench:search_synonym_edit", args=[synonym.public_id])
    assert client.get(edit).status_code == 200
    client.post(edit, {"expansions": "驾驶证", "kind": "synonym", "note": "", "is_active": "on"})
    assert Synonym.objects.get(term="驾照").expansions == ["驾驶证"]
    client.post(reverse("workbench:search_synonym_delete", args=[synonym.public_id]))
    assert not Synonym.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="search.synonym").count() == 3


def test_report_page_lists_zero_result_queries(client, indexed, regions):
    client.get(reverse("portal:search"), {"q": "火星移民"})
    client.force_login(make_staff(regions["sichuan"], username="wb_report_admin"))
    html = client.get(reverse("workbench:search_report")).content.decode()
    assert "火星移民" in html


def test_a_window_clerk_cannot_open_search_maintenance(client, indexed, regions):
    clerk = make_staff(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="wb_syn_clerk")
    client.force_login(clerk)
    assert client.get(reverse("workbench:search_synonyms")).status_code == 403
    response = client.post(
        reverse("workbench:search_synonyms"), {"term": "x", "expansions": "y", "kind": "synonym"}
    )
    assert response.status_code == 403
    assert not Synonym.objects.exists()
