"""效能监察, the 告知承诺 follow-up, the per-item 秒批 settings and the appointment day list."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from tongban.cases.models import Case, CommitmentCheck, InstantRule, ItemCasePolicy, Supervision
from tongban.cases.selectors import slots_available
from tongban.cases.services.apply import case_material_clear, case_submit
from tongban.cases.services.appointments import (
    appointment_book,
    appointment_slots_generate,
    service_hall_create,
)
from tongban.cases.services.instant import item_policy_save
from tongban.cases.services.lifecycle import case_accept, case_approve
from tongban.cases.services.supervision import cases_escalate_overdue
from tongban.cases.tests import conftest as cases_world
from tongban.cases.tests.conftest import ready_case, submitted_case
from tongban.core.workdays import local_today

pytestmark = pytest.mark.django_db

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.
_media = cases_world._media
issuer = cases_world.issuer
world = cases_world.world

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.

SUPERVISION = reverse("workbench:cases_supervision")


def test_counts_alerts_and_resolve(client, world):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    submitted_case(world)  # not accepted yet: open, clock not started
    cases_escalate_overdue(today=case.promised_due_date + timedelta(days=1))
    alert = Supervision.objects.filter(case=case).first()
    assert alert is not None
    client.force_login(world.admin)
    html = client.get(SUPERVISION).content.decode()
    assert "按部门" in html
    assert "按区划" in html
    assert "锦江区" in html
    assert alert.number in html
    assert case.number in html
    url = reverse("workbench:cases_supervision_resolve", args=[alert.pk])
    response = client.post(url, {f"s{alert.pk}-result": ""})
    assert response.status_code == 422
    alert.refresh_from_db()
    assert alert.resolved_at is None
    response = client.post(url, {f"s{alert.pk}-result": "已督促审查人员当日办结"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at
    assert alert.result == "已督促审查人员当日办结"


def test_alerts_of_another_scope_are_not_found(client, world):
    case = case_accept(actor=world.clerk, case=submitted_case(world))
    cases_escalate_overdue(today=case.promised_due_date + timedelta(days=1))
    alert = Supervision.objects.filter(case=case).first()
    client.force_login(world.reviewer_qy)
    assert alert.number not in client.get(SUPERVISION).content.decode()
    url = reverse("workbench:cases_supervision_resolve", args=[alert.pk])
    assert client.post(url, {f"s{alert.pk}-result": "x"}).status_code == 404
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_commitment_check_is_listed_and_recorded(client, world, issuer):
    item_policy_save(
        actor=world.admin,
        item=world.item,
        allows_commitment=True,
        commitment_template="本人承诺已建立食品安全管理制度。",
        commitment_check_days=20,
    )
    case = ready_case(world)
    case_material_clear(actor=world.citizen, case=case, code="M003")
    case = case_submit(
        actor=world.citizen,
        case=case,
        commitment=True,
        commitment_text="本人承诺已建立食品安全管理制度。",
    ).case
    case = case_accept(actor=world.clerk, case=case)
    case_approve(actor=world.reviewer, case=case)
    check = CommitmentCheck.objects.get(case=case)
    client.force_login(world.reviewer)
    assert case.number in client.get(SUPERVISION).content.decode()
    detail = client.get(reverse("workbench:case_detail", args=[case.number])).content.decode()
    assert 'id="action-commitment_check"' in detail
    assert "承诺书" in detail
    case.refresh_from_db()
    url = reverse("workbench:case_action", args=[case.number, "commitment_check"])
    response = client.post(url, {"version": case.version, "passed": "1", "result": "现场核查属实"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == "passed"
    assert check.result == "现场核查属实"


def test_item_settings_visible_to_reviewers_editable_by_admins(client, world):
    url = reverse("workbench:cases_item", args=[world.item.code])
    client.force_login(world.reviewer)
    html = client.get(url).content.decode()
    assert "秒批规则" in html
    assert "修改办件设置" not in html
    response = client.post(url, {"save_policy": "1", "policy-tolerance_days": "5"})
    assert response.status_code == 403
    assert not ItemCasePolicy.objects.filter(item=world.item).exists()
    client.force_login(world.reviewer_qy)
    assert client.get(url).status_code == 404
    client.force_login(world.admin)
    assert "修改办件设置" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "save_policy": "1",
            "policy-allows_tolerance": "on",
            "policy-tolerance_days": "7",
            "policy-commitment_check_days": "20",
            "policy-instant_enabled": "on",
            "policy-correction_days": "5",
        },
    )
    assert response.status_code == 302
    policy = ItemCasePolicy.objects.get(item=world.item)
    assert policy.instant_enabled
    assert policy.tolerance_days == 7
    assert policy.correction_days == 5
    response = client.post(
        url, {"save_rule": "1", "rule-name": "小面积预包装", "rule-conditions": "[1,"}
    )
    assert response.status_code == 422
    assert "JSON" in response.content.decode()
    response = client.post(
        url,
        {
            "save_rule": "1",
            "rule-name": "小面积预包装",
            "rule-conditions": '[{"field": "area", "op": "zz"}]',
        },
    )
    assert response.status_code == 422
    assert "不支持的比较方式" in response.content.decode()
    assert not InstantRule.objects.exists()
    response = client.post(
        url,
        {
            "save_rule": "1",
            "rule-name": "小面积预包装",
            "rule-is_active": "on",
            "rule-conditions": '[{"field": "area", "op": "lte", "value": 100}]',
            "rule-decision_text": "准予许可",
        },
    )
    assert response.status_code == 302
    rule = InstantRule.objects.get(item=world.item)
    response = client.post(
        url,
        {
            "save_rule": "1",
            "rule-rule_id": str(rule.pk),
            "rule-name": "小面积预包装",
            "rule-conditions": '[{"field": "area", "op": "lte", "value": 80}]',
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.revision == 2
    assert rule.conditions[0]["value"] == 80
    assert not rule.is_active
    client.force_login(world.reviewer)
    assert "小面积预包装" in client.get(url).content.decode()
    assert world.item.name in client.get(reverse("workbench:cases_items")).content.decode()


def test_appointment_day_list_and_marking(client, world):
    hall = service_hall_create(
        actor=world.clerk,
        region=world.regions["jinjiang"],
        name="锦江区政务服务中心",
        address="锦江区工农院街2号",
    )
    appointment_slots_generate(
        actor=world.clerk,
        hall=hall,
        start=local_today(),
        days=7,
        times=[(time(9), time(10))],
        capacity=3,
    )
    slot = slots_available(hall, item=world.item).first()
    booking = appointment_book(actor=world.citizen, slot=slot, item=world.item)
    url = reverse("workbench:cases_appointments")
    client.force_login(world.clerk)
    html = client.get(
        url, {"hall": str(hall.public_id), "day": slot.date.isoformat()}
    ).content.decode()
    assert booking.code in html
    assert "食品经营许可" in html
    mark = reverse("workbench:cases_appointment_mark", args=[booking.public_id])
    client.force_login(world.clerk_qy)
    assert (
        client.post(
            mark, {"hall": str(hall.public_id), "day": slot.date.isoformat(), "attended": "1"}
        ).status_code
        == 404
    )
    client.force_login(world.clerk)
    response = client.post(
        mark, {"hall": str(hall.public_id), "day": slot.date.isoformat(), "attended": "1"}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "attended"


def test_pages_load_for_a_reviewer(client, world):
    client.force_login(world.reviewer)
    assert client.get(SUPERVISION).status_code == 200
    assert client.get(reverse("workbench:cases_items")).status_code == 200
    assert client.get(reverse("workbench:cases_appointments")).status_code == 200
    assert Case.objects.count() == 0


def test_instant_decision_shows_its_trace_and_can_be_overridden(client, world, issuer):
    from tongban.cases.services.instant import instant_rule_save

    item_policy_save(actor=world.admin, item=world.item, instant_enabled=True)
    instant_rule_save(
        actor=world.admin,
        item=world.item,
        name="预包装食品销售",
        conditions=[{"field": "operator_name", "op": "present"}],
        decision_text="准予食品经营许可",
    )
    case = submitted_case(world)
    case.refresh_from_db()
    assert case.instant
    client.force_login(world.reviewer)
    url = reverse("workbench:case_detail", args=[case.number])
    html = client.get(url).content.decode()
    assert "系统自动决定" in html
    assert 'id="action-override"' in html
    action = reverse("workbench:case_action", args=[case.number, "override"])
    response = client.post(action, {"version": case.version, "reason": "", "legal_basis": ""})
    assert response.status_code == 422
    response = client.post(
        action,
        {
            "version": case.version,
            "reason": "经营场所与证照不符",
            "legal_basis": "食品安全法第三十五条",
        },
    )
    assert response.status_code == 302
    case.decision.refresh_from_db()
    assert case.decision.overridden_at is not None
