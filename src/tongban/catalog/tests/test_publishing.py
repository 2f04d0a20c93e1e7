"""The publishing lifecycle of service guides: draft → submitted → published → superseded /
withdrawn, four eyes, no lost updates, immutable published versions, every step audited."""

import pytest

from tongban.audit.models import AuditEntry
from tongban.catalog.diff import guide_diff
from tongban.catalog.models import (
    GuideStatus,
    GuideVersion,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.catalog.selectors import (
    ORDER_NEAREST,
    ItemFilters,
    item_get_public,
    item_list_for_admin,
    item_list_public,
    versions_for_admin,
)
from tongban.catalog.services import (
    basic_item_create,
    guide_draft_save,
    guide_review,
    guide_submit,
    guide_withdraw,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.testing.catalog_fixtures import make_body

pytestmark = pytest.mark.django_db


def _create(world, body=None, **overrides):
    return implementation_item_create(
        actor=world.jinjiang_admin,
        basic_item=world.food_licence,
        body=body or world.jinjiang_body,
        content=guide_content(**overrides),
    )


def _publish(world, item, number=1):
    guide_submit(actor=world.jinjiang_admin, item_code=item.code, number=number)
    return guide_review(
        actor=world.province_admin, item_code=item.code, number=number, approve=True
    )


def test_new_item_gets_its_31_character_code_and_a_draft(catalog_world):
    item = _create(catalog_world)
    body = catalog_world.jinjiang_body
    assert item.code == f"{body.credit_code}4000107001000"
    assert len(item.code) == 31
    assert item.status == ItemStatus.DRAFT
    assert item.versions.get().status == GuideStatus.DRAFT
    # Unpublished items are invisible to the public.
    with pytest.raises(NotFound):
        item_get_public(item.code)


def test_publish_makes_the_guide_public_with_facets(catalog_world):
    item = _create(catalog_world)
    version = _publish(catalog_world, item)
    assert version.status == GuideStatus.PUBLISHED
    assert version.published_at is not None
    public = item_get_public(item.code)
    assert public.published_version_id == version.pk
    assert public.promised_days == 5
    assert public.legal_days == 20
    assert ItemFacet.objects.filter(item=item, kind="theme_c", code="010").exists()
    found = item_list_public(ItemFilters(region="510104", corporate_theme="010"))
    assert [i.code for i in found] == [item.code]
    actions = list(
        AuditEntry.objects.filter(object_id=str(version.public_id)).values_list("action", flat=True)
    )
    assert actions == ["catalog.guide.submit", "catalog.guide.publish"]


def test_submitter_cannot_approve_own_version(catalog_world):
    item = _create(catalog_world)
    guide_submit(actor=catalog_world.province_admin, item_code=item.code, number=1)
    with pytest.raises(PermissionDenied):
        guide_review(
            actor=catalog_world.province_admin, item_code=item.code, number=1, approve=True
        )
    assert GuideVersion.objects.get(item=item).status == GuideStatus.SUBMITTED
    guide_review(actor=catalog_world.second_admin, item_code=item.code, number=1, approve=True)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.PUBLISHED


def test_returning_requires_a_comment_and_reopens_the_draft(catalog_world):
    item = _create(catalog_world)
    guide_submit(actor=catalog_world.jinjiang_admin, item_code=item.code, number=1)
    with pytest.raises(ValidationFailed) as excinfo:
        guide_review(
            actor=catalog_world.province_admin, item_code=item.code, number=1, approve=False
        )
    assert excinfo.value.fields[0].field == "comment"
    returned = guide_review(
        actor=catalog_world.province_admin,
        item_code=item.code,
        number=1,
        approve=False,
        comment="请补充现场核查说明",
    )
    assert returned.status == GuideStatus.DRAFT
    assert returned.review_comment == "请补充现场核查说明"


def test_a_change_to_a_published_guide_is_a_new_version_and_the_old_one_is_superseded(
    catalog_world,
):
    item = _create(catalog_world)
    first = _publish(catalog_world, item)
    published_content = dict(first.content)
    draft = guide_draft_save(
        actor=catalog_world.jinjiang_admin,
        item_code=item.code,
        content=guide_content(promised_days=3),
        change_note="承诺时限压缩至3个工作日",
    )
    assert draft.number == 2
    # The published version is untouched while the draft is edited.
    first.refresh_from_db()
    assert first.content == published_content
    assert item_get_public(item.code).promised_days == 5
    _publish(catalog_world, item, number=2)
    first.refresh_from_db()
    assert first.status == GuideStatus.SUPERSEDED
    assert first.ended_at is not None
    assert item_get_public(item.code).promised_days == 3
    history = versions_for_admin(catalog_world.jinjiang_admin, item.code)
    assert [(v.number, v.status) for v in history] == [(2, "published"), (1, "superseded")]
    changes = guide_diff(history[1].content, history[0].content)
    assert [(c.path, c.before, c.after) for c in changes] == [("promised_days", 5, 3)]


def test_stale_revision_is_refused_so_no_update_is_lost(catalog_world):
    item = _create(catalog_world)
    draft = GuideVersion.objects.get(item=item)
    loaded_revision = draft.revision
    guide_draft_save(
        actor=catalog_world.jinjiang_admin,
        item_code=item.code,
        content=guide_content(promised_days=4),
        revision=loaded_revision,
    )
    with pytest.raises(Conflict) as excinfo:
        guide_draft_save(
            actor=catalog_world.province_admin,
            item_code=item.code,
            content=guide_content(promised_days=2),
            revision=loaded_revision,
        )
    assert excinfo.value.code == "stale_revision"
    assert GuideVersion.objects.get(item=item).content["promised_days"] == 4


def test_submitted_version_cannot_be_edited(catalog_world):
    item = _create(catalog_world)
    guide_submit(actor=catalog_world.jinjiang_admin, item_code=item.code, number=1)
    with pytest.raises(Conflict):
        guide_draft_save(
            actor=catalog_world.jinjiang_admin, item_code=item.code, content=guide_content()
        )


def test_content_changed_behind_the_services_back_cannot_be_published(catalog_world):
    item = _create(catalog_world)
    guide_submit(actor=catalog_world.jinjiang_admin, item_code=item.code, number=1)
    version = GuideVersion.objects.get(item=item)
    GuideVersion.objects.filter(pk=version.pk).update(
        content={**version.content, "promised_days": 1}
    )
    with pytest.raises(Conflict) as excinfo:
        guide_review(
            actor=catalog_world.province_admin, item_code=item.code, number=1, approve=True
        )
    assert excinfo.value.code == "content_tampered"


def test_promised_above_legal_is_refused_and_nothing_is_written(catalog_world):
    before_items = ImplementationItem.objects.count()
    before_audit = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as excinfo:
        _create(catalog_world, promised_days=30)
    assert "承诺办结时限" in excinfo.value.fields[0].message
    assert ImplementationItem.objects.count() == before_items
    assert AuditEntry.objects.count() == before_audit


def test_county_admin_cannot_touch_another_countys_items(catalog_world):
    with pytest.raises(PermissionDenied):
        _create(catalog_world, body=catalog_world.qingyang_body)
    item = implementation_item_create(
        actor=catalog_world.province_admin,
        basic_item=catalog_world.food_licence,
        body=catalog_world.qingyang_body,
        content=guide_content(),
    )
    # Out of scope looks exactly like missing.
    with pytest.raises(NotFound):
        guide_draft_save(
            actor=catalog_world.jinjiang_admin, item_code=item.code, content=guide_content()
        )
    with pytest.raises(NotFound):
        guide_submit(actor=catalog_world.clerk, item_code=item.code, number=1)


def test_duplicate_item_for_the_same_body_is_a_conflict(catalog_world):
    _create(catalog_world)
    with pytest.raises(Conflict):
        _create(catalog_world)


def test_withdraw_removes_the_item_from_the_public_and_keeps_history(catalog_world):
    item = _create(catalog_world)
    _publish(catalog_world, item)
    with pytest.raises(ValidationFailed):
        guide_withdraw(actor=catalog_world.jinjiang_admin, item_code=item.code, reason=" ")
    guide_withdraw(
        actor=catalog_world.jinjiang_admin, item_code=item.code, reason="依据省政府令取消该事项"
    )
    with pytest.raises(NotFound):
        item_get_public(item.code)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.WITHDRAWN
    entry = AuditEntry.objects.get(action="catalog.item.withdraw")
    assert entry.reason == "依据省政府令取消该事项"


def test_facet_filter_gives_the_same_items_on_both_query_plans(catalog_world, monkeypatch):
    from tongban.catalog import selectors

    item = _create(catalog_world)
    _publish(catalog_world, item)
    filters = ItemFilters(region="510104", corporate_theme="010")
    driven_by_facets = [i.code for i in item_list_public(filters)]
    monkeypatch.setattr(selectors, "FACET_IN_LIMIT", 1)  # force the EXISTS plan for common values
    probed = [i.code for i in item_list_public(filters)]
    assert driven_by_facets == probed == [item.code]
    assert list(item_list_public(ItemFilters(corporate_theme="999"))) == []


def test_nearest_order_puts_the_residents_own_division_first(catalog_world):
    world = catalog_world
    basic = basic_item_create(
        actor=world.province_admin,
        code="000107002000",
        name="食品小作坊登记",
        item_type="01",
        service_objects=["2"],
        exercise_levels=["3", "4"],
    )
    _, city_body = make_body(world.regions["chengdu"], "成都市市场监督管理局", body8="MB000003")
    county = implementation_item_create(
        actor=world.province_admin,
        basic_item=basic,
        body=world.jinjiang_body,
        content=guide_content(name="食品小作坊登记"),
    )
    city = implementation_item_create(
        actor=world.province_admin,
        basic_item=basic,
        body=city_body,
        content=guide_content(name="食品小作坊登记", exercise_level="3"),
    )
    for item in (county, city):
        guide_submit(actor=world.second_admin, item_code=item.code, number=1)
        guide_review(actor=world.province_admin, item_code=item.code, number=1, approve=True)
    ImplementationItem.objects.filter(pk=city.pk).update(popularity=100)
    filters = ItemFilters(region="510104")

    assert [i.code for i in item_list_public(filters)] == [city.code, county.code]
    assert [i.code for i in item_list_public(filters, order=ORDER_NEAREST)] == [
        county.code,
        city.code,
    ]
    with pytest.raises(ValueError, match="region"):
        item_list_public(ItemFilters(), order=ORDER_NEAREST)


def test_admin_list_carries_current_and_open_version_numbers_in_one_query(
    catalog_world, django_assert_num_queries
):
    world = catalog_world
    published = _create(world)
    _publish(world, published)
    guide_draft_save(actor=world.jinjiang_admin, item_code=published.code, content=guide_content())
    submitted = implementation_item_create(
        actor=world.province_admin,
        basic_item=world.food_licence,
        body=world.qingyang_body,
        content=guide_content(),
    )
    guide_submit(actor=world.province_admin, item_code=submitted.code, number=1)

    items = item_list_for_admin(world.province_admin)  # resolves the actor's scope
    with django_assert_num_queries(1):
        rows = {i.code: (i.current_number, i.open_number, i.open_status) for i in items}

    assert rows == {
        published.code: (1, 2, GuideStatus.DRAFT),
        submitted.code: (None, 1, GuideStatus.SUBMITTED),
    }


def test_bounded_count_agrees_with_the_list_on_both_count_plans(catalog_world):
    from tongban.catalog.selectors import item_count_public

    item = _create(catalog_world)
    _publish(catalog_world, item)
    other = implementation_item_create(
        actor=catalog_world.province_admin,
        basic_item=catalog_world.food_licence,
        body=catalog_world.qingyang_body,
        content=guide_content(corporate_themes=["005"]),
    )
    guide_submit(actor=catalog_world.province_admin, item_code=other.code, number=1)
    guide_review(actor=catalog_world.second_admin, item_code=other.code, number=1, approve=True)
    cases = [
        ItemFilters(corporate_theme="010"),  # facet only: counted through the facet join
        ItemFilters(corporate_theme="005"),
        ItemFilters(corporate_theme="010", region="510105"),  # mixed: counted from the list
        ItemFilters(service_object="2"),
        ItemFilters(),
    ]
    for filters in cases:
        assert item_count_public(filters, limit=100) == item_list_public(filters).count()
    assert item_count_public(ItemFilters(service_object="2"), limit=1) == 1
