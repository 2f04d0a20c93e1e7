"""The index (documents in, ranked and collapsed results out, refresh and removal) on a small
hand-made catalog, the synonym table's services with their permission matrix and audit, and the
query statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.core.models import StaffRole
from tongban.search.models import QueryStat, SearchDocument, Synonym
from tongban.search.selectors import SearchFilters, group_members, query_report, search, suggest
from tongban.search.services import (
    click_record,
    index_clear,
    query_record,
    synonym_create,
    synonym_delete,
    synonym_update,
)
from tongban.testing.catalog_fixtures import make_staff
from tongban.testing.factories import UserFactory

from .conftest import ID_CARD


def names(page):
    return [(h.doc.doc_type, h.doc.name, h.doc.region_code) for h in page.hits]


def test_documents_are_indexed_and_counted(indexed):
    assert indexed == 6


def test_a_resident_sees_their_own_implementation_and_the_others_are_one_click_away(indexed):
    jinjiang = search(q="身份证", region="510104")
    assert names(jinjiang)[0] == ("item", "居民身份证换领", "510104")
    assert jinjiang.hits[0].others == 1
    assert jinjiang.hits[0].local
    assert jinjiang.total == 1  # the matter and its two implementations: one result
    qingyang = search(q="身份证", region="510105")
    assert names(qingyang)[0] == ("item", "居民身份证换领", "510105")
    head, members = group_members(group_key=f"basic:{ID_CARD}", region="510105")
    assert head.doc_type == "basic"
    assert [m.region_code for m in members] == ["510105", "510104"]


def test_elsewhere_the_matter_itself_stands_in(indexed):
    page = search(q="身份证", region="500103")
    assert names(page) == [("basic", "居民身份证换领", "")]
    assert page.hits[0].others == 2
    assert not page.hits[0].local


def test_city_items_serve_the_counties_below(indexed):
    page = search(q="驾驶证", region="510104")
    assert names(page)[0] == ("item", "机动车驾驶证补领", "510100")


def test_filters_and_types_are_applied_by_the_index(indexed):
    assert names(search(q="身份证 驾驶证", region="510104", filters=SearchFilters(level="3"))) == [
        ("item", "机动车驾驶证补领", "510100")
    ]
    assert search(q="身份证", region="510104", filters=SearchFilters(online=True)).total == 0
    bundles = search(q="社会保障卡", region="510104", types=["bundle"])
    assert [h.doc.doc_type for h in bundles.hits] == ["bundle"]
    assert search(q="身份证", region="510104", types=["nothing"]).total == 0


def test_snippets_and_names_are_highlighted(indexed):
    hit = search(q="身份证", region="510104").hits[0]
    assert any(mark and "身份证" in text for text, mark in hit.name_parts)


def test_nothing_found_offers_a_suggestion(indexed):
    page = search(q="居民身份", region="510104")
    assert page.total == 0 or page.hits
    empty = search(q="火星移民", region="510104")
    assert empty.total == 0
    assert empty.hits == []


def test_suggestions_by_prefix_pinyin_and_initials(indexed):
    assert suggest("居民")[0]["text"] == "居民身份证换领"
    assert "机动车驾驶证补领" in [s["text"] for s in suggest("jidongche")]
    assert "机动车驾驶证补领" in [s["text"] for s in suggest("jdcjszbl")]
    assert suggest("") == []


def test_rebuild_through_clear_leaves_nothing_behind(indexed):
    index_clear()
    assert SearchDocument.objects.count() == 0
    assert search(q="身份证", region="510104").total == 0


# --- Synonyms -------------------------------------------------------------------------------------


@pytest.fixture
def admins(regions):
    return {
        "catalog": make_staff(regions["sichuan"], username="syn_catalog"),
        "platform": make_staff(regions["sichuan"], StaffRole.PLATFORM_ADMIN, username="syn_pa"),
        "clerk": make_staff(regions["jinjiang"], StaffRole.WINDOW_CLERK, username="syn_clerk"),
        "citizen": UserFactory(kind="citizen"),
    }


def test_a_synonym_makes_a_colloquial_query_find_the_matter(indexed, admins):
    assert search(q="身份證到期", region="510104").total == 1  # 身份证 alone matches
    assert search(q="驾照", region="510104").total == 0
    synonym_create(
        actor=admins["catalog"], term="驾照", expansions=["机动车驾驶证"], kind="colloquial"
    )
    page = search(q="驾照", region="510104")
    assert names(page)[0][1] == "机动车驾驶证补领"
    entry = AuditEntry.objects.get(action="search.synonym.create")
    assert entry.summary["term"] == "驾照"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("catalog", True), ("platform", True), ("clerk", False), ("citizen", False), (None, False)],
)
def test_only_catalog_and_platform_admins_edit_synonyms(db, admins, who, allowed):
    actor = admins[who] if who else None
    if allowed:
        synonym_create(actor=actor, term="社保", expansions=["社会保险"])
        assert Synonym.objects.filter(term="社保").exists()
    else:
        with pytest.raises(PermissionDenied):
            synonym_create(actor=actor, term="社保", expansions=["社会保险"])
        assert not Synonym.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="search.synonym").exists()


def test_synonym_input_is_checked(db, admins):
    actor = admins["catalog"]
    with pytest.raises(ValidationFailed) as exc:
        synonym_create(actor=actor, term=" ", expansions=[])
    assert {p.field for p in exc.value.fields} == {"term", "expansions"}
    synonym_create(actor=actor, term="公积金", expansions=["住房公积金", "住房公积金"])
    assert Synonym.objects.get(term="公积金").expansions == ["住房公积金"]
    with pytest.raises(Conflict):
        synonym_create(actor=actor, term="公積金", expansions=["住房公积金"])
    assert Synonym.objects.count() == 1


def test_update_and_delete_are_audited(indexed, admins):
    actor = admins["catalog"]
    synonym = synonym_create(actor=actor, term="驾照", expansions=["驾驶证"])
    synonym_update(actor=actor, public_id=synonym.public_id, expansions=["驾驶证"], is_active=False)
    assert search(q="驾照", region="510104").total == 0  # switched off
    with pytest.raises(PermissionDenied):
        synonym_delete(actor=admins["clerk"], public_id=synonym.public_id)
    synonym_delete(actor=actor, public_id=synonym.public_id)
    assert not Synonym.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="search.synonym").values_list(
            "action", flat=True
        )
    )
    assert actions == ["search.synonym.create", "search.synonym.update", "search.synonym.delete"]


# --- Query statistics -------------------------------------------------------------------------------


def test_zero_result_and_low_click_queries_are_reported(db):
    today = dt.date(2026, 11, 20)
    for _ in range(4):
        query_record(query="火星移民", total=0, day=today)
        query_record(query="營業執照", total=12, day=today)
    click_record(query="营业执照", day=today)
    query_record(query="身份证", total=3, day=today)
    click_record(query="身份证", day=today)
    stat = QueryStat.objects.get(query="营业执照")  # traditional and simplified counted together
    assert (stat.searches, stat.zero_results, stat.clicks) == (4, 0, 1)
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)):
        report = query_report(days=7)
    assert [r.query for r in report["zero"]] == ["火星移民"]
    assert [r.query for r in report["low_click"]] == []  # 1 of 4 opened: 25 %
    for _ in range(8):
        query_record(query="营业执照", total=12, day=today)
    with time_machine.travel(dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)):
        assert [r.query for r in query_report(days=7)["low_click"]] == ["营业执照"]


def test_search_command_rebuilds_and_queries(db, capsys):
    from django.core.management import call_command

    call_command("search", "rebuild")
    assert "索引已重建" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="search.index.rebuild").count() == 1
    call_command("search", "status")
    assert "索引词" in capsys.readouterr().out
    call_command("search", "query", "身份证", "--region", "510104")
    assert "共 0 条" in capsys.readouterr().out
