"""One case in the workbench: exactly the available actions, each action through its form,
optimistic locking between two clerks, the protected material download and the evidence of
e-license materials."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.audit.models import AuditEntry
from tongban.cases.models import CaseEvent, CaseMaterial, CaseStatus, Correction, Extension
from tongban.cases.services.apply import case_material_authorize, case_material_clear, case_submit
from tongban.cases.services.lifecycle import (
    case_accept,
    case_approve,
    case_complete,
    case_deny,
    case_extension_request,
)
from tongban.cases.tests import conftest as cases_world
from tongban.cases.tests.conftest import ready_case, submitted_case

pytestmark = pytest.mark.django_db

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.
_media = cases_world._media
issuer = cases_world.issuer
license_source = cases_world.license_source
world = cases_world.world

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.


def detail_url(case):
    return reverse("workbench:case_detail", args=[case.number])


def act(client, case, action, version=None, **data):
    url = reverse("workbench:case_action", args=[case.number, action])
    return client.post(url, {"version": case.version if version is None else version, **data})


def test_detail_shows_exactly_the_available_actions(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    html = client.get(detail_url(case)).content.decode()
    for key in ("accept", "not_accept", "request_correction", "claim"):
        assert f'id="action-{key}"' in html
    assert 'id="action-approve"' not in html
    assert f'name="version" value="{case.version}"' in html
    assert "蜀味小馆" in html  # form data
    assert "M001.pdf" in html  # uploaded material with its download link
    assert "提交申请" in html  # timeline
    client.force_login(world.reviewer)
    html = client.get(detail_url(case)).content.decode()
    assert 'id="action-accept"' not in html


def test_out_of_scope_is_not_found(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk_qy)
    assert client.get(detail_url(case)).status_code == 404
    assert act(client, case, "accept").status_code == 404
    file_url = reverse("workbench:case_material_file", args=[case.number, "M001"])
    assert client.get(file_url).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="cases.material.open").exists()


def test_material_download_is_protected_and_works_in_scope(client, world):
    case = submitted_case(world)
    url = reverse("workbench:case_material_file", args=[case.number, "M001"])
    client.force_login(world.citizen)
    assert client.get(url).status_code == 403
    client.force_login(world.clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    opened = AuditEntry.objects.get(action="cases.material.open")
    assert opened.actor == world.clerk
    assert opened.object_id == str(case.public_id)
    assert opened.summary["code"] == "M001"
    other = reverse("workbench:case_material_file", args=[case.number, "M003"])
    assert client.get(other).status_code == 200
    missing = reverse("workbench:case_material_file", args=[case.number, "M004"])
    assert client.get(missing).status_code == 404  # optional, nothing uploaded
    assert AuditEntry.objects.filter(action="cases.material.open").count() == 2


def test_evidence_of_an_e_license_material_is_shown(client, world, license_source):
    case = ready_case(world)
    case_material_clear(actor=world.citizen, case=case, code="M002")
    case_material_authorize(
        actor=world.citizen, case=case, code="M002", source="license", reference="YYZZ-1"
    )
    case = case_submit(actor=world.citizen, case=case).case
    client.force_login(world.clerk)
    html = client.get(detail_url(case)).content.decode()
    assert "已从锦江区市场监管局获取" in html
    evidence = client.get(reverse("workbench:case_material_evidence", args=[case.number, "M002"]))
    assert evidence.status_code == 200
    assert "张晓燕" in evidence.content.decode()
    assert "valid" in evidence.content.decode()


def test_accept_then_approve_through_the_forms(client, world, issuer):
    case = submitted_case(world)
    client.force_login(world.clerk)
    response = act(client, case, "accept", opinion="材料齐全")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    client.force_login(world.reviewer)
    html = client.get(detail_url(case)).content.decode()
    assert 'id="action-approve"' in html
    assert 'id="action-deny"' in html
    response = act(
        client,
        case,
        "approve",
        decision_text="准予食品经营许可",
        document_number="锦市监许〔2026〕1号",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.decision.document_number == "锦市监许〔2026〕1号"


def test_two_clerks_only_the_first_succeeds(client, world):
    case = submitted_case(world)
    seen = case.version
    other = world.catalog.clerk.__class__.objects.get(pk=world.clerk.pk)
    client.force_login(other)
    assert act(client, case, "accept", version=seen).status_code == 302
    events = CaseEvent.objects.filter(case=case).count()
    # The second clerk's page still shows the old version: 不予受理 with it is refused.
    client.force_login(world.clerk)
    response = act(client, case, "claim", version=seen)
    assert response.status_code == 409
    assert "已被其他人员处理" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.assignee is None
    assert CaseEvent.objects.filter(case=case).count() == events


def test_an_action_no_longer_available_changes_nothing(client, world):
    case = submitted_case(world)
    case_accept(actor=world.clerk, case=case)
    case.refresh_from_db()
    client.force_login(world.clerk)
    response = act(client, case, "not_accept", reason="x", legal_basis="y")
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_not_accept_needs_reason_and_basis(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    response = act(client, case, "not_accept", reason="", legal_basis="")
    assert response.status_code == 422
    assert (
        "此字段是必填项" in response.content.decode()
        or "这个字段是必填项" in response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    response = act(
        client, case, "not_accept", reason="不属于本机关职权", legal_basis="行政许可法第三十二条"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NOT_ACCEPTED


def test_correction_is_one_complete_list_with_a_reason_each(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    response = act(client, case, "request_correction")
    assert response.status_code == 422
    assert "一次性告知" in response.content.decode()
    response = act(client, case, "request_correction", pick__M003="on", reason__M003="")
    assert response.status_code == 422
    assert "需要补正什么" in response.content.decode()
    assert not Correction.objects.filter(case=case).exists()
    response = act(
        client,
        case,
        "request_correction",
        **{
            "pick__M003": "on",
            "reason__M003": "制度未盖章",
            "pick__form.premises": "on",
            "reason__form.premises": "地址不完整",
        },
    )
    assert response.status_code == 302
    correction = Correction.objects.get(case=case)
    assert {i["code"] for i in correction.items} == {"M003", "form.premises"}
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION


def test_accept_with_tolerance_offers_only_missing_non_key_materials(client, world):
    case = ready_case(world)
    case_material_clear(actor=world.citizen, case=case, code="M003")
    case = case_submit(actor=world.citizen, case=case, request_tolerance=True).case
    client.force_login(world.clerk)
    html = client.get(detail_url(case)).content.decode()
    assert 'name="tolerated" value="M003"' in html
    assert 'value="M001"' not in html
    response = act(client, case, "accept", tolerated="M003", tolerated_days=5)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.tolerated
    assert case.tolerated_due_date
    assert CaseMaterial.objects.get(case=case, code="M003").status == "tolerated"


def test_deny_suspend_resume_and_extension(client, world):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    client.force_login(world.reviewer)
    response = act(client, case, "suspend", reason_kind="expert_review", reason="需专家评审")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    assert "特别程序" in client.get(detail_url(case)).content.decode()
    response = act(client, case, "resume", result="专家评审通过")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    response = act(client, case, "extend", reason="情况复杂", days=2)
    assert response.status_code == 302
    ext = Extension.objects.get(case=case)
    client.force_login(world.admin)
    case.refresh_from_db()
    html = client.get(detail_url(case)).content.decode()
    assert 'id="action-extension_decide"' in html
    response = act(client, case, "extension_decide", extension_id=ext.pk, approve="1", note="同意")
    assert response.status_code == 302
    ext.refresh_from_db()
    assert ext.status == "approved"
    client.force_login(world.reviewer)
    case.refresh_from_db()
    response = act(client, case, "deny", reason="", legal_basis="")
    assert response.status_code == 422
    response = act(
        client, case, "deny", reason="场所不符合要求", legal_basis="食品安全法第三十五条"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DENIED


def test_complete_and_deliver_by_mail(client, world, issuer):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    case_deny(actor=world.reviewer, case=case, reason="不符合", legal_basis="第三十五条")
    case.refresh_from_db()
    client.force_login(world.clerk)
    assert act(client, case, "complete").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    response = act(client, case, "deliver", method="mail")
    assert response.status_code == 422
    response = act(
        client,
        case,
        "deliver",
        method="mail",
        carrier="EMS",
        tracking_number="EA123456789CN",
        recipient_name="张晓燕",
        address="成都市锦江区总府路2号",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.deliveries.get().tracking_number == "EA123456789CN"


def test_assign_to_a_colleague_and_release(client, world):
    from tongban.cases.tests.conftest import _staff
    from tongban.core.models import StaffRole

    colleague = _staff(
        "jj_reviewer2", StaffRole.REVIEWER, world.regions["jinjiang"], world.item.department
    )
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    client.force_login(world.admin)
    html = client.get(detail_url(case)).content.decode()
    assert 'id="action-assign"' in html
    response = act(client, case, "assign", assignee=colleague.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == colleague
    client.force_login(colleague)
    assert 'id="action-release"' in client.get(detail_url(case)).content.decode()
    assert act(client, case, "release").status_code == 302
    case.refresh_from_db()
    assert case.assignee is None
    # someone outside the case's department cannot be picked
    client.force_login(world.admin)
    response = act(client, case, "assign", assignee=world.reviewer_qy.pk)
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.assignee is None


def test_unknown_action_is_not_found(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    assert act(client, case, "explode").status_code == 404


def test_completed_case_shows_decision_and_timeline(client, world, issuer):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    case_approve(actor=world.reviewer, case=case)
    case.refresh_from_db()
    case_complete(actor=world.clerk, case=case)
    client.force_login(world.reviewer)
    html = client.get(detail_url(case)).content.decode()
    assert "审批决定" in html
    assert f"LIC-{case.number}" in html
    assert "当前没有需要您处理的操作" in html


def test_extension_request_visible_to_reviewer(client, world):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    case_extension_request(actor=world.reviewer, case=case, reason="复杂", days=5)
    client.force_login(world.reviewer)
    html = client.get(detail_url(case)).content.decode()
    assert "延长审批期限 5 个工作日" in html
