"""Catalog administration in the workbench (事项管理): who may open it, the guide editor's round
trip, errors next to their fields, no lost update, four-eyes review, comparison, withdrawal,
the quality report and bulk import. State is built through the catalog services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import CheckboxInput
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.catalog.guide_schema import guide_to_json, parse_guide
from tongban.catalog.importer import FORMAT
from tongban.catalog.models import GuideStatus, GuideVersion, ImplementationItem, ItemStatus
from tongban.catalog.services import (
    guide_draft_save,
    guide_review,
    guide_submit,
    implementation_item_create,
)
from tongban.catalog.tests.factories import guide_content
from tongban.testing.catalog_fixtures import FOOD_LICENCE
from tongban.workbench.forms.catalog import GuideEditor, element_label
from tongban.workbench.views.catalog import guide_blocks

pytestmark = pytest.mark.django_db

# `catalog_world` is the shared catalog test world (tongban.testing.catalog_fixtures).

ITEMS = reverse("workbench:catalog_items")


# --- Helpers ---------------------------------------------------------------------------------


def _create(world, body=None, actor=None, **overrides):
    return implementation_item_create(
        actor=actor or world.province_admin,
        basic_item=world.food_licence,
        body=body or world.jinjiang_body,
        content=guide_content(**overrides),
    )


def _publish(world, item, number=1):
    guide_submit(actor=world.second_admin, item_code=item.code, number=number)
    return guide_review(
        actor=world.province_admin, item_code=item.code, number=number, approve=True
    )


def _edit_url(item):
    return reverse("workbench:catalog_edit", args=[item.code])


def _item_url(item):
    return reverse("workbench:catalog_item", args=[item.code])


def form_data(editor: GuideEditor) -> dict[str, Any]:
    """The POST a browser sends for the editor as rendered: every field's shown value."""
    data: dict[str, Any] = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)

    add(editor.form)
    for formset in editor.formsets.values():
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def _editor_data(client, item) -> dict[str, Any]:
    response = client.get(_edit_url(item))
    assert response.status_code == 200
    return form_data(response.context["editor"])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Who may open the pages ------------------------------------------------------------------


@pytest.fixture
def item(catalog_world):
    return _create(catalog_world)


def test_anonymous_is_sent_to_login(client, item):
    for url in (ITEMS, _item_url(item), _edit_url(item), reverse("workbench:catalog_quality")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["citizen", "clerk"])
def test_citizens_and_clerks_get_the_403_page(client, catalog_world, item, who):
    from tongban.testing.factories import UserFactory

    user = UserFactory(kind="citizen") if who == "citizen" else catalog_world.clerk
    client.force_login(user)

    for url in (ITEMS, _item_url(item), reverse("workbench:catalog_import")):
        response = client.get(url)
        assert response.status_code == 403
        assert "无权访问此页面" in response.content.decode()
    response = client.post(reverse("workbench:catalog_withdraw", args=[item.code]), {"reason": "x"})
    assert response.status_code == 403
    assert ImplementationItem.objects.get(pk=item.pk).status == ItemStatus.DRAFT


def test_county_admin_sees_own_county_only(client, catalog_world, item):
    other = _create(catalog_world, body=catalog_world.qingyang_body)
    client.force_login(catalog_world.jinjiang_admin)

    content = client.get(ITEMS).content.decode()
    assert item.code in content
    assert other.code not in content

    for url in (
        _item_url(other),
        _edit_url(other),
        reverse("workbench:catalog_version", args=[other.code, 1]),
        reverse("workbench:catalog_compare", args=[other.code]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(reverse("workbench:catalog_submit", args=[other.code]), {})
    assert response.status_code == 404
    assert GuideVersion.objects.get(item=other).status == GuideStatus.DRAFT


def test_province_admin_lists_and_filters_every_county(client, catalog_world, item):
    other = _create(catalog_world, body=catalog_world.qingyang_body)
    _publish(catalog_world, other)
    client.force_login(catalog_world.province_admin)

    content = client.get(ITEMS).content.decode()
    assert item.code in content
    assert other.code in content
    assert "共 2 项" in content

    active = client.get(ITEMS, {"status": ItemStatus.ACTIVE}).content.decode()
    assert other.code in active
    assert item.code not in active
    assert "第1版" in active  # the current version column

    by_code = client.get(ITEMS, {"q": item.code.lower()}).content.decode()
    assert item.code in by_code
    assert other.code not in by_code


def test_item_list_queries_do_not_grow_with_items(client, catalog_world):
    client.force_login(catalog_world.province_admin)
    first = _create(catalog_world)
    _publish(catalog_world, first)
    guide_draft_save(
        actor=catalog_world.province_admin,
        item_code=first.code,
        content=guide_content(hours="全天"),
    )

    with CaptureQueriesContext(connection) as one:
        client.get(ITEMS)
    _create(catalog_world, body=catalog_world.qingyang_body)
    with CaptureQueriesContext(connection) as two:
        response = client.get(ITEMS)

    assert len(two) == len(one)
    # session, user, the session-revocation check, the scope twice (page guard and selector),
    # count, the page itself
    assert len(two) <= 7
    content = response.content.decode()
    assert "第2版" in content  # the open draft of the first item
    assert "草稿" in content


def test_workbench_home_tile_links_to_the_catalog(client, catalog_world):
    client.force_login(catalog_world.jinjiang_admin)

    content = client.get(reverse("workbench:home")).content.decode()

    assert f'href="{ITEMS}">事项管理</a>' in content


# --- Editing ---------------------------------------------------------------------------------


def test_saving_the_editor_unchanged_keeps_the_guide_identical(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    before = GuideVersion.objects.get(item=item).content

    response = client.post(_edit_url(item), _editor_data(client, item))

    assert response.status_code == 302
    version = GuideVersion.objects.get(item=item)
    assert version.revision == 2
    assert version.content == before


def test_editing_round_trip_saves_a_new_revision_with_an_audit_entry(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["promised_days"] = "3"
    data["place"] = "锦江区政务服务中心一楼综合窗口"
    data["acceptance_conditions"] = "已取得营业执照。\n\n有固定经营场所。"
    data["online_depth"] = ["1", "2", "3", "4", "5", "6"]
    data["materials-1-name"] = "营业执照（副本）"
    data["workflow-1-days"] = "2"
    data["change_note"] = "承诺时限压缩为3个工作日"

    response = client.post(_edit_url(item), data)

    assert response.status_code == 302
    assert response.url == _edit_url(item)
    version = GuideVersion.objects.get(item=item)
    assert version.revision == 2
    assert version.change_note == "承诺时限压缩为3个工作日"
    content = version.content
    assert content["promised_days"] == 3
    assert content["place"] == "锦江区政务服务中心一楼综合窗口"
    assert content["acceptance_conditions"] == ["已取得营业执照。", "有固定经营场所。"]
    assert content["online_depth"] == ["1", "2", "3", "4", "5", "6"]
    assert content["materials"][1]["name"] == "营业执照（副本）"
    assert content["workflow"]["steps"][1]["days"] == 2
    entry = AuditEntry.objects.filter(action="catalog.guide.update_draft").get()
    assert entry.actor_id == catalog_world.jinjiang_admin.pk
    assert "promised_days" in entry.summary["changed"]
    follow = client.get(response.url)
    assert "已保存第1版草稿（第2次修订）。" in _messages(follow)


def test_rows_can_be_added_and_removed(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["place"] = "我刚输入的地点"
    data["add"] = "faq"

    added = client.post(_edit_url(item), data)

    assert added.status_code == 200
    page = added.content.decode()
    assert "我刚输入的地点" in page  # nothing typed is lost
    assert "问题 2" in page  # one more, blank FAQ row…
    assert 'name="faq-1-question"' in page
    assert "autofocus" in page  # …with the focus in it
    assert "错误：" not in page  # adding a row does not validate
    assert GuideVersion.objects.get(item=item).revision == 1

    data = form_data(added.context["editor"])
    data["faq-1-question"] = "可以委托他人办理吗？"
    data["faq-1-answer"] = "可以，需提交授权委托书。"
    data["materials-2-DELETE"] = "on"
    response = client.post(_edit_url(item), data)

    assert response.status_code == 302
    content = GuideVersion.objects.get(item=item).content
    assert [m["code"] for m in content["materials"]] == ["M001", "M002"]
    assert content["faq"][1]["question"] == "可以委托他人办理吗？"
    assert content["place"] == "我刚输入的地点"


def test_a_blank_added_row_is_ignored(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["add"] = "materials"
    added = client.post(_edit_url(item), data)
    data = form_data(added.context["editor"])

    response = client.post(_edit_url(item), data)

    assert response.status_code == 302
    assert len(GuideVersion.objects.get(item=item).content["materials"]) == 3


def test_a_rule_problem_is_shown_next_to_its_field_and_the_input_is_kept(
    client, catalog_world, item
):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["materials-1-copy_copies"] = "0"  # a copy is required but no number of copies given
    data["place"] = "新的办理地点（未保存）"

    response = client.post(_edit_url(item), data)

    assert response.status_code == 200
    page = response.content.decode()
    error_id = "id_materials-1-copy_copies_error"
    assert f'id="{error_id}"' in page
    assert "要求复印件时须写明复印件份数。" in page
    assert f'aria-describedby="{error_id}"' in page
    assert 'aria-invalid="true"' in page
    # The error summary links to the field; what was typed is still there.
    assert 'href="#id_materials-1-copy_copies"' in page
    assert "新的办理地点（未保存）" in page
    assert "办事指南内容有1处需要修改。" in page
    version = GuideVersion.objects.get(item=item)
    assert version.revision == 1
    assert version.content["place"] == guide_content()["place"]
    assert not AuditEntry.objects.filter(action="catalog.guide.update_draft").exists()


def test_a_rule_on_the_whole_guide_lands_on_the_field_to_change(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["promised_days"] = "30"  # above the legal limit of 20

    response = client.post(_edit_url(item), data)

    editor = response.context["editor"]
    assert editor.form.errors["promised_days"] == [
        "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。"
    ]
    assert editor.top_errors == []


def test_form_input_errors_are_reported_before_calling_the_service(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    data["legal_days"] = "二十"
    data["workflow-0-role"] = "nobody"

    response = client.post(_edit_url(item), data)

    assert response.status_code == 200
    editor = response.context["editor"]
    assert "legal_days" in editor.form.errors
    assert "role" in editor.formsets["workflow"].forms[0].errors
    assert 'value="二十"' in response.content.decode()
    assert GuideVersion.objects.get(item=item).revision == 1


def test_a_stale_revision_is_refused_and_nothing_is_overwritten(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)  # revision 1 in the page
    guide_draft_save(
        actor=catalog_world.province_admin,
        item_code=item.code,
        content=guide_content(hours="全天24小时"),
        revision=1,
    )
    data["hours"] = "我的修改：工作日 9:00-17:00"

    response = client.post(_edit_url(item), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "没有保存" in page
    assert "草稿已被他人修改（您编辑的是第1次修订，当前为第2次）" in page
    assert "我的修改：工作日 9:00-17:00" in page  # kept on screen
    assert f'href="{_edit_url(item)}"' in page  # reload link
    version = GuideVersion.objects.get(item=item)
    assert (version.revision, version.content["hours"]) == (2, "全天24小时")


def test_a_draft_submitted_meanwhile_is_not_overwritten_and_the_input_stays(
    client, catalog_world, item
):
    client.force_login(catalog_world.jinjiang_admin)
    data = _editor_data(client, item)
    guide_submit(actor=catalog_world.second_admin, item_code=item.code, number=1)
    guide_review(actor=catalog_world.province_admin, item_code=item.code, number=1, approve=True)
    data["hours"] = "我的修改：全天"

    response = client.post(_edit_url(item), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "您编辑的版本已不再是草稿" in page
    assert "我的修改：全天" in page
    assert "提交第1版审核" not in page
    assert list(GuideVersion.objects.filter(item=item).values_list("number", "status")) == [
        (1, GuideStatus.PUBLISHED)
    ]


def test_a_published_item_is_edited_through_a_new_version(client, catalog_world, item):
    _publish(catalog_world, item)
    client.force_login(catalog_world.jinjiang_admin)

    response = client.get(_edit_url(item))
    assert response.status_code == 302  # nothing open to edit
    page = client.get(_item_url(item)).content.decode()
    assert "开始新版本" in page

    response = client.post(reverse("workbench:catalog_start", args=[item.code]))

    assert response.url == _edit_url(item)
    draft = GuideVersion.objects.get(item=item, status=GuideStatus.DRAFT)
    assert draft.number == 2
    assert draft.content == GuideVersion.objects.get(item=item, number=1).content
    assert AuditEntry.objects.filter(action="catalog.guide.create_draft").count() == 1


# --- Review, comparison, withdrawal ----------------------------------------------------------


def test_submit_then_a_second_admin_publishes_and_the_submitter_cannot(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)
    response = client.post(
        reverse("workbench:catalog_submit", args=[item.code]), {"number": 1, "revision": 1}
    )
    assert response.url == _item_url(item)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.SUBMITTED

    queue = client.get(reverse("workbench:catalog_review_queue")).content.decode()
    assert item.name in queue
    assert "您提交的" in queue
    version_url = reverse("workbench:catalog_version", args=[item.code, 1])
    assert "提交人不能审核自己提交的版本" in client.get(version_url).content.decode()

    review = reverse("workbench:catalog_review", args=[item.code, 1])
    refused = client.post(review, {"decision": "approve"}, follow=True)
    assert "提交人不能审核自己提交的版本，请由另一位事项管理员审核。" in _messages(refused)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.SUBMITTED

    client.force_login(catalog_world.province_admin)
    published = client.post(review, {"decision": "approve"}, follow=True)

    assert "第1版已审核通过并发布。" in _messages(published)
    version = GuideVersion.objects.get(item=item)
    assert version.status == GuideStatus.PUBLISHED
    assert version.reviewed_by == catalog_world.province_admin
    assert ImplementationItem.objects.get(pk=item.pk).status == ItemStatus.ACTIVE
    page = published.content.decode()
    assert "现行指南（第1版）" in page
    assert catalog_world.province_admin.display_name in page  # history: who reviewed


def test_returning_needs_a_comment_which_the_editor_then_sees(client, catalog_world, item):
    guide_submit(actor=catalog_world.jinjiang_admin, item_code=item.code, number=1)
    client.force_login(catalog_world.province_admin)
    review = reverse("workbench:catalog_review", args=[item.code, 1])

    empty = client.post(review, {"decision": "return", "comment": ""}, follow=True)
    assert "退回时请填写审核意见，说明需要修改的内容。" in _messages(empty)
    assert GuideVersion.objects.get(item=item).status == GuideStatus.SUBMITTED

    client.post(review, {"decision": "return", "comment": "请补充现场核查说明"})

    assert GuideVersion.objects.get(item=item).status == GuideStatus.DRAFT
    client.force_login(catalog_world.jinjiang_admin)
    assert "请补充现场核查说明" in client.get(_edit_url(item)).content.decode()


def test_compare_page_shows_the_changed_element_in_chinese(client, catalog_world, item):
    _publish(catalog_world, item)
    guide_draft_save(
        actor=catalog_world.jinjiang_admin,
        item_code=item.code,
        content=guide_content(promised_days=3, channels=["online"]),
    )
    client.force_login(catalog_world.jinjiang_admin)

    response = client.get(reverse("workbench:catalog_compare", args=[item.code]), {"a": 1, "b": 2})

    assert response.status_code == 200
    rows = {row.path: row for row in response.context["rows"]}
    assert set(rows) == {"promised_days", "channels"}
    assert rows["promised_days"].label == "承诺办结时限（工作日）"
    assert (rows["promised_days"].before, rows["promised_days"].after) == ("5", "3")
    assert (rows["channels"].before, rows["channels"].after) == ("全程网办、掌上办", "全程网办")
    page = response.content.decode()
    assert "共 2 处不同。" in page
    assert "承诺办结时限（工作日）" in page


def test_element_labels_name_nested_elements():
    assert element_label("materials[2].copy_copies") == "申请材料 第3项 › 复印件份数"
    assert element_label("service_objects") == "服务对象"
    assert element_label("form.fields[0].visible_if.equals") == (
        "网上申请表单 › 表单字段 第1项 › 显示条件 › 条件取值"
    )
    assert element_label("workflow.steps[1].role") == "内部办理环节 › 办理环节 第2项 › 办理岗位"
    assert element_label("__all__") == "指南整体"


def test_withdraw_needs_a_reason(client, catalog_world, item):
    _publish(catalog_world, item)
    client.force_login(catalog_world.jinjiang_admin)
    url = reverse("workbench:catalog_withdraw", args=[item.code])

    refused = client.post(url, {"reason": "  "}, follow=True)
    assert "请填写取消事项的原因。" in _messages(refused)
    assert ImplementationItem.objects.get(pk=item.pk).status == ItemStatus.ACTIVE

    done = client.post(url, {"reason": "依据省政府决定取消该事项"}, follow=True)

    assert "事项已取消，办事群众将不再看到它。历史版本仍可查阅。" in _messages(done)
    assert ImplementationItem.objects.get(pk=item.pk).status == ItemStatus.WITHDRAWN
    assert GuideVersion.objects.get(item=item).status == GuideStatus.WITHDRAWN
    entry = AuditEntry.objects.get(action="catalog.item.withdraw")
    assert entry.reason == "依据省政府决定取消该事项"


def test_version_page_and_json_view(client, catalog_world, item):
    client.force_login(catalog_world.jinjiang_admin)

    page = client.get(reverse("workbench:catalog_version", args=[item.code, 1])).content.decode()
    assert "委托代理人身份证明及授权委托书" in page
    assert "企业法人" in page  # service object by its national name

    raw = client.get(reverse("workbench:catalog_version_json", args=[item.code, 1]))
    assert raw.status_code == 200
    assert raw.context["json_text"] == json.dumps(
        GuideVersion.objects.get(item=item).content, ensure_ascii=False, indent=2
    )


def test_guide_blocks_cover_every_element():
    blocks = guide_blocks(guide_to_json(parse_guide(guide_content())))
    titles = [b.title for b in blocks]
    assert titles == [
        "基本要素",
        "申请材料",
        "办理流程",
        "收费",
        "常见问题",
        "网上申请表单",
        "内部办理环节",
    ]
    facts = dict(blocks[0].facts)
    assert facts["办件类型"] == "承诺件（2）"
    assert facts["办理结果 › 结果名称"] == "食品经营许可证"


# --- Quality and import ----------------------------------------------------------------------


def test_quality_page_lists_an_issue_with_a_link(client, catalog_world):
    # Three working days of workflow steps cannot keep a promise of two.
    weak = _create(catalog_world, promised_days=2)
    client.force_login(catalog_world.jinjiang_admin)

    response = client.get(reverse("workbench:catalog_quality"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "办理环节时限合计超过承诺时限" in page
    assert f'href="{_item_url(weak)}"' in page
    assert "成都市锦江区市场监督管理局" in page
    detail = client.get(_item_url(weak)).content.decode()
    assert "办理环节时限合计超过承诺时限" in detail


def _dataset(world, **overrides) -> bytes:
    return json.dumps(
        {
            "format": FORMAT,
            "basic_items": [],
            "items": [
                {
                    "basic_code": FOOD_LICENCE,
                    "body_credit_code": world.jinjiang_body.credit_code,
                    "guide": guide_content(**overrides),
                }
            ],
            "bundles": [],
        },
        ensure_ascii=False,
    ).encode()


def _counts() -> tuple[int, int, int]:
    return (
        ImplementationItem.objects.count(),
        GuideVersion.objects.count(),
        AuditEntry.objects.filter(action__startswith="catalog.").count(),
    )


def test_import_rejects_a_bad_file_with_every_problem_and_writes_nothing(client, catalog_world):
    client.force_login(catalog_world.province_admin)
    before = _counts()
    upload = SimpleUploadedFile("catalog.json", _dataset(catalog_world, promised_days=30))

    response = client.post(reverse("workbench:catalog_import"), {"file": upload})

    assert response.status_code == 200
    problems = response.context["problems"]
    assert [(p.sheet, p.row, p.column) for p in problems] == [("items", 1, "guide.promised_days")]
    page = response.content.decode()
    assert "文件有 1 处问题，未写入任何数据" in page
    assert "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）。" in page
    assert _counts() == before


def test_import_refuses_other_file_types(client, catalog_world):
    client.force_login(catalog_world.province_admin)
    before = _counts()
    upload = SimpleUploadedFile("catalog.csv", b"a,b\n")

    response = client.post(reverse("workbench:catalog_import"), {"file": upload})

    assert "只能导入 .xlsx 或 .json 文件。" in response.content.decode()
    assert _counts() == before


def test_import_accepts_a_good_file_for_review(client, catalog_world):
    client.force_login(catalog_world.province_admin)
    upload = SimpleUploadedFile("锦江区实施清单.json", _dataset(catalog_world))

    response = client.post(reverse("workbench:catalog_import"), {"file": upload}, follow=True)

    assert any(m.startswith("导入完成。") for m in _messages(response))
    version = GuideVersion.objects.get()
    assert version.status == GuideStatus.SUBMITTED
    assert version.submitted_by == catalog_world.province_admin
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.actor_id == catalog_world.province_admin.pk
    queue = client.get(reverse("workbench:catalog_review_queue")).content.decode()
    assert version.item.code in queue


def test_template_and_export_downloads(client, catalog_world, item):
    _publish(catalog_world, item)
    client.force_login(catalog_world.jinjiang_admin)

    template = client.get(reverse("workbench:catalog_import_template"))
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert template.content[:2] == b"PK"
    assert "attachment" in template["Content-Disposition"]

    exported = client.get(reverse("workbench:catalog_export"), {"format": "json"})
    data = json.loads(exported.content)
    assert [row["code"] for row in data["items"]] == [item.code]

    workbook = client.get(reverse("workbench:catalog_export"), {"format": "xlsx"})
    assert workbook.content[:2] == b"PK"


# --- The editor's forms on their own ---------------------------------------------------------


def test_every_element_survives_the_editor_unchanged():
    content = guide_to_json(
        parse_guide(
            guide_content(
                fees={
                    "charged": True,
                    "items": [
                        {
                            "name": "工本费",
                            "standard": "每证10元",
                            "legal_basis": "《收费标准》",
                            "reducible": True,
                            "reduction_basis": "低保户免收",
                        }
                    ],
                },
                cross_region={
                    "scope": "cross_province",
                    "modes": ["online", "proxy"],
                    "partner_regions": ["500000"],
                },
                person_themes=["040"],
                joint_departments=["锦江区卫生健康局"],
                visits=1,
                onsite_reason="需现场核查经营场所",
            )
        )
    )
    content["form"]["fields"][5]["visible_if"]["note"] = "kept"
    content["form"]["fields"].append(
        {
            "key": "staff_count",
            "label": "从业人数",
            "type": "number",
            "max_length": 5,
            "pattern": "^[0-9]+$",
            "prefill": "",
            "help_text": "",
            "options": [],
            "required": False,
            "visible_if": None,
        }
    )
    content["form"]["fields"].append(
        {
            "key": "big_shop",
            "label": "大型门店",
            "type": "checkbox",
            "visible_if": {"field": "staff_count", "equals": 50},
            "max_length": None,
            "pattern": "",
            "prefill": "",
            "help_text": "",
            "options": [],
            "required": False,
        }
    )
    editor = GuideEditor.unbound(content, number=2, revision=4, change_note="")

    bound = GuideEditor.bound(form_data(editor))

    assert bound.is_valid(), bound.error_links()
    rebuilt = bound.content(item_type="01", exercise_level="4")
    assert guide_to_json(parse_guide(rebuilt)) == content
    assert bound.form.cleaned_data["revision"] == 4
