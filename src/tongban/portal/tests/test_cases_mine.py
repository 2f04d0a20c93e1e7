# ruff: noqa: F811 - the shared fixtures are imported from test_cases_world, then requested by name
"""我的办件 and what follows submission: list and filters, detail and timeline, the 补正 response,
a 容缺 material, withdrawal (with a stale page refused), decision and delivery, a new
verification code, site messages, and the progress query without signing in."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongban.cases import sources
from tongban.cases.models import CaseStatus
from tongban.cases.selectors import case_detail_for_applicant, notifications_for
from tongban.cases.services.apply import case_material_upload, case_submit
from tongban.cases.services.lifecycle import (
    case_accept,
    case_approve,
    case_complete,
    case_request_correction,
)
from tongban.portal.tests.test_cases_world import (  # noqa: F401 - fixtures
    FORM,
    PDF,
    _media,
    login,
    new_draft,
    ready_draft,
    submitted,
    world,
)

pytestmark = pytest.mark.django_db


class FakeIssuer:
    key = "license"

    def issue_for_case(self, *, result):
        return sources.IssuedResult(
            reference=f"LIC-{result.case_number}", label="食品经营许可证（电子证照）", url="/l/1"
        )


@pytest.fixture
def issuer(monkeypatch):
    fake = FakeIssuer()
    monkeypatch.setitem(sources._result_issuers, "license", fake)
    return fake


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def detail_url(case):
    return reverse("portal:case-detail", args=[case.number])


def fresh(world, case):
    return case_detail_for_applicant(world.citizen, case.number).case


def test_my_cases_lists_with_status_clock_and_filters(client, world):
    draft = new_draft(world)
    case, _code = submitted(world)
    accepted = case_accept(actor=world.clerk, case=submitted(world)[0])
    new_draft(world, actor=world.outsider)
    login(client, world.citizen)
    content = client.get(reverse("portal:cases-mine")).content.decode()
    assert "共 3 件" in content
    assert draft.number in content
    assert case.number in content
    assert accepted.number in content
    assert "已提交待受理" in content
    assert "暂存" in content
    assert "继续填写" in content
    assert re.search(r'case-clock case-clock-on_time">正常（承诺 \d{4}-\d\d-\d\d 前办结）', content)
    filtered = client.get(reverse("portal:cases-mine"), {"status": "in_progress"}).content.decode()
    assert "共 1 件" in filtered
    assert accepted.number in filtered
    assert draft.number not in filtered
    junk = client.get(reverse("portal:cases-mine"), {"status": "<script>"})
    assert junk.status_code == 200
    assert "共 3 件" in junk.content.decode()


def test_detail_shows_facts_timeline_and_materials(client, world):
    case, _code = submitted(world)
    login(client, world.citizen)
    content = client.get(detail_url(case)).content.decode()
    assert f"办件编号 {case.number}" in content
    assert "办理过程" in content
    assert "提交申请" in content
    assert "暂存" in content
    assert "食品经营许可申请书" in content
    assert "M001.pdf" in content
    assert "撤回申请" in content
    assert "重新获取查询码" in content


def test_correction_notice_and_response(client, world):
    case, _code = submitted(world)
    case_request_correction(
        actor=world.clerk,
        case=case,
        items=[{"code": "M001", "reason": "申请书未签字"}],
        note="请签字后重新上传",
    )
    login(client, world.citizen)
    content = client.get(detail_url(case)).content.decode()
    assert "补正告知" in content
    assert "申请书未签字" in content
    assert "请签字后重新上传" in content
    case = fresh(world, case)
    correction = reverse("portal:case-correction", args=[case.number])
    # Handing in before uploading: refused, says what is missing, nothing changes.
    response = client.post(correction, {"version": case.version})
    assert response.status_code == 302
    page = client.get(detail_url(case)).content.decode()
    assert "补正清单中还有材料未提供" in page
    assert fresh(world, case).status == CaseStatus.CORRECTION
    upload = SimpleUploadedFile("签字版.pdf", PDF, content_type="application/pdf")
    act = reverse("portal:case-material-act", args=[case.number])
    client.post(act, {"action": "upload", "code": "M001", "file": upload, "back": "detail"})
    case = fresh(world, case)
    response = client.post(correction, {"version": case.version, "note": "已签字"})
    assert response.status_code == 302
    assert fresh(world, case).status == CaseStatus.SUBMITTED
    assert "补正材料已提交" in client.get(detail_url(case)).content.decode()


def test_withdraw_and_a_stale_page(client, world):
    case, _code = submitted(world)
    login(client, world.citizen)
    url = reverse("portal:case-withdraw", args=[case.number])
    client.post(url, {"version": case.version - 1, "reason": "不办了"})
    assert fresh(world, case).status == CaseStatus.SUBMITTED
    assert "已被其他人员处理" in client.get(detail_url(case)).content.decode()
    client.post(url, {"version": case.version, "reason": "不办了"})
    assert fresh(world, case).status == CaseStatus.WITHDRAWN
    content = client.get(detail_url(case)).content.decode()
    assert "已撤回" in content
    assert "撤回申请</button>" not in content


def test_outsider_cannot_act_on_a_case(client, world):
    case, _code = submitted(world)
    login(client, world.outsider)
    for name in ("case-withdraw", "case-correction", "case-code-reset"):
        response = client.post(
            reverse(f"portal:{name}", args=[case.number]), {"version": case.version}
        )
        assert response.status_code == 404, name
    assert fresh(world, case).status == CaseStatus.SUBMITTED


def test_tolerated_material_can_be_supplied_from_the_detail_page(client, world):
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
    case.refresh_from_db()
    case = case_submit(actor=world.citizen, case=case, request_tolerance=True).case
    case = case_accept(actor=world.clerk, case=case, tolerated=["M003"], tolerated_days=5)
    login(client, world.citizen)
    content = client.get(detail_url(case)).content.decode()
    assert "待补齐的容缺材料" in content
    assert "食品安全管理制度" in content
    upload = SimpleUploadedFile("制度.pdf", PDF, content_type="application/pdf")
    act = reverse("portal:case-material-act", args=[case.number])
    client.post(act, {"action": "upload", "code": "M003", "file": upload, "back": "detail"})
    materials = case_detail_for_applicant(world.citizen, case.number).materials
    assert next(m for m in materials if m.code == "M003").status == "provided"
    assert "待补齐的容缺材料" not in client.get(detail_url(case)).content.decode()


def test_decision_and_delivery_with_the_e_license_link(client, world, issuer):
    case, _code = submitted(world)
    case = case_accept(actor=world.clerk, case=case)
    case_approve(actor=world.reviewer, case=case, decision_text="准予食品经营许可。")
    case.refresh_from_db()
    case_complete(actor=world.clerk, case=case)
    login(client, world.citizen)
    content = client.get(detail_url(case)).content.decode()
    assert "办理结果" in content
    assert "准予许可" in content
    assert "结果送达" in content
    assert 'href="/l/1"' in content
    assert "已送达" in content


def test_code_reset_shows_a_new_code_once(client, world):
    from tongban.cases.services.apply import verification_matches

    case, old = submitted(world)
    login(client, world.citizen)
    response = client.post(reverse("portal:case-code-reset", args=[case.number]))
    content = client.get(response["Location"]).content.decode()
    new = re.search(r'<p class="case-code">(\d{6})</p>', content).group(1)
    case = fresh(world, case)
    assert verification_matches(case, new)
    assert old == new or not verification_matches(case, old)


def test_messages_list_mark_read_and_open(client, world):
    case, _code = submitted(world)
    _other, _ = submitted(world, actor=world.outsider)
    login(client, world.citizen)
    url = reverse("portal:case-notifications")
    content = client.get(url).content.decode()
    assert "申请已提交" in content
    assert case.number in content
    assert "1条未读" in content
    note = notifications_for(world.citizen).get()
    response = client.post(
        reverse("portal:case-notification-read", args=[note.public_id]), {"open": "1"}
    )
    assert response["Location"] == detail_url(case)
    assert notifications_for(world.citizen, unread_only=True).count() == 0
    theirs = notifications_for(world.outsider).get()
    response = client.post(reverse("portal:case-notification-read", args=[theirs.public_id]))
    assert response.status_code == 404
    assert notifications_for(world.outsider, unread_only=True).count() == 1
    client.post(reverse("portal:case-notifications-read-all"))
    assert notifications_for(world.outsider, unread_only=True).count() == 1


# --- Progress query without signing in ---------------------------------------------------------


def test_progress_query_with_number_and_code(client, world):
    case, code = submitted(world)
    url = reverse("portal:case-progress")
    assert "办件进度查询" in client.get(url).content.decode()
    response = client.post(url, {"number": f" {case.number} ", "code": code})
    content = response.content.decode()
    assert response.status_code == 200
    assert "食品经营许可" in content
    assert "已提交待受理" in content
    assert "提交申请" in content
    assert "张**" in content
    assert "张晓燕" not in content


def test_progress_query_errors(client, world):
    case, code = submitted(world)
    url = reverse("portal:case-progress")
    response = client.post(url, {"number": "", "code": "12ab"})
    content = response.content.decode()
    assert response.status_code == 422
    assert "请填写办件编号。" in content
    assert "查询码是6位数字，请核对。" in content
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(url, {"number": case.number, "code": wrong})
    assert response.status_code == 404
    assert "办件编号或查询码不正确。" in response.content.decode()
    response = client.post(url, {"number": "510104-20990101-000001", "code": code})
    assert response.status_code == 404
    assert "办件编号或查询码不正确。" in response.content.decode()


def test_progress_query_is_rate_limited(client, world):
    case, code = submitted(world)
    url = reverse("portal:case-progress")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(10):
        client.post(url, {"number": case.number, "code": wrong})
    response = client.post(url, {"number": case.number, "code": code})
    assert response.status_code == 429
    assert "查询次数过多，请一小时后再试。" in response.content.decode()
    assert "已提交待受理" not in response.content.decode()


def test_agent_filters_my_cases_by_enterprise(client, world):
    from tongban.cases.services.apply import case_draft_create

    own = new_draft(world, actor=world.agent)
    company = case_draft_create(
        actor=world.agent, item_code=world.item.code, legal_person=world.company
    )
    login(client, world.agent)
    url = reverse("portal:cases-mine")
    everything = client.get(url).content.decode()
    assert own.number in everything
    assert company.number in everything
    only = client.get(url, {"company": str(world.company.public_id)}).content.decode()
    assert company.number in only
    assert own.number not in only
