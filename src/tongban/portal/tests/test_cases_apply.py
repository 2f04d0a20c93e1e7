# ruff: noqa: F811 - the shared fixtures are imported from test_cases_world, then requested by name
"""Applying online: guide → start → form (save as you go) → materials (upload, e-license instead:
免提交) → review → submit (verification code once); agents for their enterprise; other people's
cases are 404; refused uploads and values leave nothing behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tongban.cases.models import CaseStatus
from tongban.cases.selectors import case_detail_for_applicant, case_list_for_applicant
from tongban.portal.tests.test_cases_world import (  # noqa: F401 - fixtures
    FORM,
    PDF,
    PNG,
    _media,
    license_source,
    login,
    new_draft,
    ready_draft,
    world,
)

pytestmark = pytest.mark.django_db


def form_post(**values):
    """A full form post: every rendered key present, values as the browser sends them."""
    data = {"present": list(values.pop("present", []))}
    for key, value in values.items():
        data["present"].append(key)
        data[f"f_{key}"] = value
    return data


def fresh(world, case):
    return case_detail_for_applicant(world.citizen, case.number).case


def test_guide_offers_online_application_and_appointment(client, world):
    content = client.get(reverse("portal:service-guide", args=[world.item.code])).content.decode()
    assert f'href="{reverse("portal:case-apply", args=[world.item.code])}">在线申请</a>' in content
    assert f'href="{reverse("portal:appointment-book", args=[world.item.code])}"' in content
    assert "disabled>网上申请即将开通" not in content


def test_start_creates_a_draft_and_opens_the_form(client, world):
    login(client, world.citizen)
    url = reverse("portal:case-apply", args=[world.item.code])
    page = client.get(url)
    assert page.status_code == 200
    assert "开始填写" in page.content.decode()
    response = client.post(url, {"applicant": "self"})
    case = case_list_for_applicant(world.citizen).get()
    assert case.status == CaseStatus.DRAFT
    assert case.legal_person is None
    assert response["Location"] == reverse("portal:case-form", args=[case.number])
    # A second visit offers to continue the draft.
    assert f"草稿 {case.number}" in client.get(url).content.decode()


def test_agent_applies_for_the_enterprise(client, world):
    login(client, world.agent)
    url = reverse("portal:case-apply", args=[world.item.code])
    content = client.get(url).content.decode()
    assert "代“成都蜀味餐饮管理有限公司”申请" in content
    client.post(url, {"applicant": str(world.company.public_id)})
    case = case_list_for_applicant(world.agent).get()
    assert case.legal_person == world.company
    assert case.applicant_name == world.company.name


def test_an_enterprise_one_may_not_act_for_is_refused(client, world):
    login(client, world.citizen)
    url = reverse("portal:case-apply", args=[world.item.code])
    response = client.post(url, {"applicant": str(world.company.public_id)})
    assert response.status_code == 422
    assert "请从列表中选择申请人" in response.content.decode()
    assert not case_list_for_applicant(world.citizen).exists()


def test_form_renders_every_field_type_and_conditions(client, world):
    login(client, world.citizen)
    case = new_draft(world)
    content = client.get(reverse("portal:case-form", args=[case.number])).content.decode()
    assert 'name="f_operator_name"' in content
    assert 'name="f_premises"' in content
    assert re.search(r'<select name="f_operator_kind"', content)
    assert 'type="checkbox" name="f_categories"' in content
    assert (
        'name="f_contact" id="id_f_contact" value="" aria-describedby="id_f_contact_desc" type="tel"'
        in content
    )
    assert 'inputmode="decimal"' in content
    # The condition is written out (works without script) and marked for the script.
    assert "仅当选择“经营场所为租赁”时填写" in content
    assert 'data-visible-field="f_rented" data-visible-equals="true"' in content
    assert 'hx-post="' in content
    assert 'hx-trigger="change delay:600ms"' in content


def test_form_saves_and_drops_fields_whose_condition_does_not_hold(client, world):
    login(client, world.citizen)
    case = new_draft(world)
    url = reverse("portal:case-form", args=[case.number])
    data = form_post(
        operator_name="蜀味小馆",
        premises="成都市锦江区总府路2号",
        operator_kind="企业",
        area="35.5",
        landlord="某某物业",
        present=["rented", "categories"],
    )
    data["f_categories"] = ["预包装食品销售", "热食类食品制售"]
    data["next"] = "materials"
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:case-materials", args=[case.number])
    saved = fresh(world, case).form_data
    assert saved["operator_kind"] == "企业"
    assert saved["area"] == 35.5
    assert saved["categories"] == ["预包装食品销售", "热食类食品制售"]
    assert "landlord" not in saved  # rented was not ticked


def test_form_refuses_bad_values_with_messages_and_keeps_the_draft(client, world):
    login(client, world.citizen)
    case = new_draft(world, form_data={"operator_name": "蜀味小馆"})
    response = client.post(
        reverse("portal:case-form", args=[case.number]),
        form_post(contact="12345", operator_kind="餐馆", licence_no="ABC"),
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "申请表有3处需要修改" in content
    assert "联系电话：请填写11位手机号码。" in content
    assert "经营者类型：请从给定选项中选择。" in content
    assert "原许可证编号：格式不正确。" in content
    assert 'aria-invalid="true"' in content
    assert fresh(world, case).form_data == {"operator_name": "蜀味小馆"}


def test_htmx_autosave_answers_with_a_status_line(client, world):
    login(client, world.citizen)
    case = new_draft(world)
    url = reverse("portal:case-form", args=[case.number])
    ok = client.post(url, form_post(operator_name="蜀味小馆"), HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert "已自动保存" in ok.content.decode()
    assert fresh(world, case).form_data["operator_name"] == "蜀味小馆"
    bad = client.post(url, form_post(contact="1"), HTTP_HX_REQUEST="true")
    assert bad.status_code == 200  # htmx swaps only successful answers
    assert "需要修改" in bad.content.decode()
    assert "contact" not in fresh(world, case).form_data


def test_materials_show_conditions_and_the_e_license_instead_of_paper(
    client, world, license_source
):
    login(client, world.citizen)
    case = new_draft(world)
    url = reverse("portal:case-materials", args=[case.number])
    content = client.get(url).content.decode()
    assert "经营场所租赁合同" in content
    assert "经营场所为租赁的提交" in content
    assert "电子证照：营业执照（成都市锦江区市场监督管理局 2023 签发）" in content
    assert "授权使用" in content
    act = reverse("portal:case-material-act", args=[case.number])
    response = client.post(
        act, {"action": "authorize", "code": "M002", "source": "license", "reference": "YYZZ-1"}
    )
    assert response.status_code == 302
    content = client.get(url).content.decode()
    assert "无需提交纸质材料" in content
    assert (
        "已通过电子证照：营业执照获取（成都市锦江区市场监督管理局），无需提交纸质材料。" in content
    )
    material = next(m for m in fresh_materials(world, case) if m.code == "M002")
    assert material.satisfied_by == "license"


def fresh_materials(world, case):
    return case_detail_for_applicant(world.citizen, case.number).materials


def test_upload_then_remove(client, world):
    login(client, world.citizen)
    case = new_draft(world)
    act = reverse("portal:case-material-act", args=[case.number])
    upload = _file("申请书.pdf", PDF, "application/pdf")
    assert client.post(act, {"action": "upload", "code": "M001", "file": upload}).status_code == 302
    material = next(m for m in fresh_materials(world, case) if m.code == "M001")
    assert material.status == "provided"
    assert material.file_name == "申请书.pdf"
    content = client.get(reverse("portal:case-materials", args=[case.number])).content.decode()
    assert "已上传：申请书.pdf" in content
    client.post(act, {"action": "clear", "code": "M001"})
    material = next(m for m in fresh_materials(world, case) if m.code == "M001")
    assert material.status == "pending"
    assert material.file_name == ""


def _file(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_bad_upload_is_refused_in_chinese_and_nothing_is_saved(client, world, settings):
    login(client, world.citizen)
    case = new_draft(world)
    act = reverse("portal:case-material-act", args=[case.number])
    cases = [
        (_file("notes.txt", b"hello", "text/plain"), "只能上传PDF、JPG、PNG或OFD格式的文件。"),
        (_file("fake.pdf", PNG, "application/pdf"), "文件内容与其类型不符，请上传原始文件。"),
    ]
    for upload, message in cases:
        response = client.post(act, {"action": "upload", "code": "M001", "file": upload})
        assert response.status_code == 422
        assert message in response.content.decode()
    settings.TONGBAN_CASES_MAX_UPLOAD_BYTES = 1024 * 1024
    big = _file("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
    response = client.post(act, {"action": "upload", "code": "M001", "file": big})
    assert response.status_code == 422
    assert "文件超过1MB，请压缩后再上传。" in response.content.decode()
    response = client.post(act, {"action": "upload", "code": "M001"})
    assert "请先选择要上传的文件。" in response.content.decode()
    material = next(m for m in fresh_materials(world, case) if m.code == "M001")
    assert material.status == "pending"
    assert material.file_path == ""
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_submit_lists_missing_materials_and_changes_nothing(client, world):
    login(client, world.citizen)
    case = new_draft(world, form_data=FORM)
    url = reverse("portal:case-review", args=[case.number])
    page = client.get(url).content.decode()
    assert "还有 3 项必要材料未提供" in page
    response = client.post(url, {"version": fresh(world, case).version, "confirm": "on"})
    assert response.status_code == 422
    content = response.content.decode()
    assert "还有3项必要材料未提供。" in content
    assert "食品经营许可申请书：" in content
    assert fresh(world, case).status == CaseStatus.DRAFT


def test_submit_needs_the_declaration(client, world):
    login(client, world.citizen)
    case = ready_draft(world)
    response = client.post(
        reverse("portal:case-review", args=[case.number]), {"version": case.version}
    )
    assert response.status_code == 422
    assert "请确认所填信息和所交材料真实有效。" in response.content.decode()
    assert fresh(world, case).status == CaseStatus.DRAFT


def test_submit_shows_the_verification_code_once(client, world):
    login(client, world.citizen)
    case = ready_draft(world)
    response = client.post(
        reverse("portal:case-review", args=[case.number]),
        {"version": case.version, "confirm": "on"},
    )
    done = reverse("portal:case-submitted", args=[case.number])
    assert response["Location"] == done
    content = client.get(done).content.decode()
    code = re.search(r'<p class="case-code">(\d{6})</p>', content).group(1)
    from tongban.cases.services.apply import verification_matches

    case = fresh(world, case)
    assert case.status == CaseStatus.SUBMITTED
    assert verification_matches(case, code)
    again = client.get(done).content.decode()
    assert code not in again
    assert "查询码已显示过" in again


def test_tolerance_request_lets_a_non_key_material_wait(client, world):
    from tongban.cases.services.apply import case_material_upload

    login(client, world.citizen)
    case = new_draft(world, form_data=FORM)
    for code in ("M001", "M002"):
        case_material_upload(
            actor=world.citizen,
            case=case,
            code=code,
            file_name="a.pdf",
            content=PDF,
            content_type="application/pdf",
        )
    url = reverse("portal:case-review", args=[case.number])
    assert "申请容缺受理" in client.get(url).content.decode()
    response = client.post(
        url, {"version": fresh(world, case).version, "confirm": "on", "request_tolerance": "on"}
    )
    assert response.status_code == 302
    assert fresh(world, case).status == CaseStatus.SUBMITTED


def test_a_stale_page_cannot_submit(client, world):
    login(client, world.citizen)
    case = ready_draft(world)
    response = client.post(
        reverse("portal:case-review", args=[case.number]),
        {"version": case.version - 1, "confirm": "on"},
    )
    assert response.status_code == 409
    assert "请刷新页面查看最新情况后再操作" in response.content.decode()
    assert fresh(world, case).status == CaseStatus.DRAFT


def test_another_persons_case_is_not_found(client, world):
    case = ready_draft(world)
    login(client, world.outsider)
    for name in ("case-detail", "case-form", "case-materials", "case-review", "case-submitted"):
        assert client.get(reverse(f"portal:{name}", args=[case.number])).status_code == 404, name
    act = reverse("portal:case-material-act", args=[case.number])
    response = client.post(act, {"action": "clear", "code": "M001"})
    assert response.status_code == 404
    response = client.post(
        reverse("portal:case-review", args=[case.number]),
        {"version": case.version, "confirm": "on"},
    )
    assert response.status_code == 404
    assert fresh(world, case).status == CaseStatus.DRAFT
    assert all(m.status == "provided" for m in fresh_materials(world, case) if m.required)
    assert (
        client.get(reverse("portal:case-detail", args=["510104-20990101-999999"])).status_code
        == 404
    )


def test_a_submitted_case_can_no_longer_be_edited(client, world):
    from tongban.cases.services.apply import case_submit

    login(client, world.citizen)
    case = case_submit(actor=world.citizen, case=ready_draft(world)).case
    response = client.post(
        reverse("portal:case-form", args=[case.number]), form_post(operator_name="别的名字")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:case-detail", args=[case.number])
    assert fresh(world, case).form_data["operator_name"] == "蜀味小馆"
    act = reverse("portal:case-material-act", args=[case.number])
    response = client.post(
        act, {"action": "upload", "code": "M001", "file": _file("b.pdf", PDF, "application/pdf")}
    )
    assert response.status_code == 302
    assert "材料不能再修改" in client.get(response["Location"]).content.decode()


def test_delivery_preference_and_address_are_saved_and_reviewed(client, world):
    login(client, world.citizen)
    case = new_draft(world)
    data = form_post(operator_name="蜀味小馆")
    data.update({"delivery_preference": "mail", "contact_address": "成都市锦江区红星路三段1号"})
    assert client.post(reverse("portal:case-form", args=[case.number]), data).status_code == 302
    case = fresh(world, case)
    assert case.delivery_preference == "mail"
    assert case.contact_address == "成都市锦江区红星路三段1号"
    review = client.get(reverse("portal:case-review", args=[case.number])).content.decode()
    assert "邮寄送达" in review
    assert "成都市锦江区红星路三段1号" in review
    bad = dict(data, delivery_preference="drone")
    response = client.post(reverse("portal:case-form", args=[case.number]), bad)
    assert response.status_code == 422
    assert "请选择网上、邮寄或窗口领取。" in response.content.decode()
    assert fresh(world, case).delivery_preference == "mail"


def test_commitment_stands_in_for_missing_materials_where_the_item_allows(client, world):
    from tongban.cases.services.instant import item_policy_save

    item_policy_save(
        actor=world.catalog.jinjiang_admin,
        item=world.item,
        allows_commitment=True,
        commitment_template="本人承诺已具备与经营项目相适应的场所和设备。",
    )
    login(client, world.citizen)
    case = new_draft(world, form_data=FORM)
    url = reverse("portal:case-review", args=[case.number])
    page = client.get(url).content.decode()
    assert "告知承诺书" in page
    assert "本人承诺已具备与经营项目相适应的场所和设备。" in page
    response = client.post(url, {"version": case.version, "confirm": "on", "commitment": "on"})
    assert response.status_code == 302
    case = fresh(world, case)
    assert case.status == CaseStatus.SUBMITTED
    assert case.commitment
    assert case.commitment_text == "本人承诺已具备与经营项目相适应的场所和设备。"


def test_prefill_from_the_applicant(client, world):
    from tongban.portal.tests.test_cases_world import GUIDE, guide, publish

    fields = [
        {"key": "name", "label": "申请人姓名", "type": "text", "prefill": "applicant.name"},
        {"key": "mobile", "label": "手机号码", "type": "phone", "prefill": "applicant.phone"},
        *GUIDE["form"]["fields"][:1],
    ]
    item = publish(world.catalog, guide(form={"fields": fields}), qingyang=True)
    from tongban.cases.services.apply import case_draft_create

    case = case_draft_create(actor=world.citizen, item_code=item.code)
    login(client, world.citizen)
    content = client.get(reverse("portal:case-form", args=[case.number])).content.decode()
    assert 'id="id_f_name" value="张晓燕"' in content
    assert f'id="id_f_mobile" value="{world.citizen.phone}"' in content


def test_items_without_online_application_send_back_to_the_guide(client, world):
    from tongban.portal.tests.test_cases_world import guide, publish

    item = publish(
        world.catalog,
        guide(channels=[], online_depth=["1"], supports_appointment=False),
        qingyang=True,
    )
    page = client.get(reverse("portal:service-guide", args=[item.code])).content.decode()
    assert "在线申请</a>" not in page
    assert "预约办理</a>" not in page
    login(client, world.citizen)
    response = client.post(reverse("portal:case-apply", args=[item.code]), {"applicant": "self"})
    assert response["Location"] == reverse("portal:service-guide", args=[item.code])
    assert not case_list_for_applicant(world.citizen).exists()
    response = client.get(reverse("portal:appointment-book", args=[item.code]))
    assert response["Location"] == reverse("portal:service-guide", args=[item.code])
