"""The case queues of the workbench: tabs, traffic lights, filters, claim from the list and
batch actions with their per-case results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongban.cases.models import Case, CaseStatus
from tongban.cases.services.lifecycle import case_accept
from tongban.cases.tests import conftest as cases_world
from tongban.cases.tests.conftest import submitted_case

pytestmark = pytest.mark.django_db

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.
_media = cases_world._media
issuer = cases_world.issuer
world = cases_world.world

# The cases test world (fixtures of tongban.cases.tests.conftest), used here too.

QUEUE = reverse("workbench:cases_queue")


def test_queue_needs_a_staff_post(client, world):
    assert client.get(QUEUE).status_code == 302  # sign in first
    client.force_login(world.citizen)
    response = client.get(QUEUE)
    assert response.status_code == 403


def test_todo_shows_the_case_with_its_clock_and_step(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html
    assert "食品经营许可" in html
    assert "cases-clock-" in html
    assert "受理" in html  # the current step


def test_queue_is_scoped_and_filtered(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk_qy)  # 青羊区 window: not this case
    assert case.number not in client.get(QUEUE + "?queue=all").content.decode()
    client.force_login(world.clerk)
    assert case.number in client.get(QUEUE + "?queue=accept").content.decode()
    assert case.number in client.get(QUEUE + "?queue=all&q=" + case.number[:10]).content.decode()
    assert case.number in client.get(QUEUE + "?queue=all&q=张晓燕").content.decode()
    assert case.number not in client.get(QUEUE + "?queue=all&q=李四").content.decode()
    assert case.number not in client.get(QUEUE + "?queue=all&region_code=510105").content.decode()
    assert case.number not in client.get(QUEUE + "?queue=closed").content.decode()
    accepted = case_accept(actor=world.clerk, case=case)
    assert accepted.number in client.get(QUEUE + "?queue=all&clock=on_time").content.decode()
    assert accepted.number not in client.get(QUEUE + "?queue=all&clock=overdue").content.decode()
    bad = client.get(QUEUE + "?region_code=abc")
    assert bad.status_code == 200
    assert "区划代码" in bad.content.decode()


def test_claim_from_the_list(client, world):
    case = submitted_case(world)
    client.force_login(world.clerk)
    response = client.post(
        reverse("workbench:cases_claim"), {"claim": f"{case.number}:{case.version}", "next": QUEUE}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == world.clerk


def test_claim_with_a_stale_row_changes_nothing(client, world):
    case = submitted_case(world)
    seen = case.version
    case_accept(actor=world.clerk, case=case)
    client.force_login(world.clerk)
    response = client.post(
        reverse("workbench:cases_claim"), {"claim": f"{case.number}:{seen}"}, follow=True
    )
    assert "已被其他人员处理" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee is None


def test_batch_accept_reports_each_failure(client, world):
    first = submitted_case(world)
    second = submitted_case(world)
    case_accept(actor=world.clerk, case=second)  # already accepted: refused in the batch
    client.force_login(world.clerk)
    response = client.post(
        reverse("workbench:cases_batch"),
        {"action": "accept", "numbers": [first.number, second.number, "510104-19990101-000001"]},
        follow=True,
    )
    html = response.content.decode()
    assert f"批量受理成功 1 件：{first.number}" in html
    assert f"{second.number} 未能受理" in html
    assert "不能执行" in html
    assert "510104-19990101-000001 未能受理" in html
    assert Case.objects.get(pk=first.pk).status == CaseStatus.IN_PROGRESS


def test_batch_without_a_selection_is_refused(client, world):
    client.force_login(world.clerk)
    response = client.post(reverse("workbench:cases_batch"), {"action": "accept"}, follow=True)
    assert "请先勾选" in response.content.decode()


def test_reviewer_batch_approves(client, world):
    cases = [case_accept(actor=world.clerk, case=submitted_case(world)) for _ in range(2)]
    client.force_login(world.reviewer)
    queue = client.get(QUEUE + "?queue=todo").content.decode()
    assert all(c.number in queue for c in cases)
    response = client.post(
        reverse("workbench:cases_batch"),
        {"action": "approve", "numbers": [c.number for c in cases]},
        follow=True,
    )
    assert "批量准予许可成功 2 件" in response.content.decode()
    statuses = set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)
    )
    assert statuses == {CaseStatus.APPROVED}
