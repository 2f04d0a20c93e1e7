"""Service modes: 容缺受理, 告知承诺, 秒批, 一件事, 跨省通办, agents, appointments, notifications."""

from __future__ import annotations

from datetime import date, time

import pytest
import time_machine

from tongban.cases.models import Appointment, CaseStatus, CommitmentCheck, MaterialStatus
from tongban.cases.models.notifications import NotificationDispatch
from tongban.cases.permissions import access_case_for_applicant
from tongban.cases.selectors import (
    case_list_for_applicant,
    case_queue,
    material_choices,
)
from tongban.cases.services.apply import (
    case_create_at_window,
    case_draft_create,
    case_material_authorize,
    case_material_upload,
    case_submit,
)
from tongban.cases.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_slots_generate,
    service_hall_create,
)
from tongban.cases.services.bundles import (
    bundle_case_start,
    bundle_form_fields,
    bundle_material_upload,
    bundle_materials,
    bundle_overview,
    bundle_submit,
)
from tongban.cases.services.instant import (
    case_instant_override,
    instant_rule_save,
    item_policy_save,
)
from tongban.cases.services.lifecycle import (
    case_accept,
    case_approve,
    case_commitment_check_record,
    case_complete,
)
from tongban.cases.tests.conftest import (
    FORM,
    GUIDE,
    PDF,
    _publish,
    guide,
    ready_case,
    submitted_case,
)
from tongban.catalog.services import basic_item_create, bundle_create
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _upload(world, case, code, actor=None):
    return case_material_upload(
        actor=actor or world.citizen,
        case=case,
        code=code,
        file_name="a.pdf",
        content=PDF,
        content_type="application/pdf",
    )


def test_uploads_are_checked_for_type_size_and_content(world, settings):
    case = case_draft_create(actor=world.citizen, item_code=world.item.code)
    with pytest.raises(ValidationFailed):
        case_material_upload(
            actor=world.citizen,
            case=case,
            code="M001",
            file_name="a.exe",
            content=b"MZ..",
            content_type="application/x-msdownload",
        )
    with pytest.raises(ValidationFailed):
        case_material_upload(
            actor=world.citizen,
            case=case,
            code="M001",
            file_name="a.pdf",
            content=b"not a pdf",
            content_type="application/pdf",
        )
    settings.TONGBAN_CASES_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationFailed):
        _upload(world, case, "M001")
    settings.TONGBAN_CASES_MAX_UPLOAD_BYTES = 1024
    material = _upload(world, case, "M001")
    assert material.sm3
    assert material.scan_status == "skipped"
    assert material.size == len(PDF)


def test_tolerated_material_blocks_completion_until_supplied(world, issuer):
    case = ready_case(world)
    from tongban.cases.services.apply import case_material_clear

    case_material_clear(actor=world.citizen, case=case, code="M003")
    case_material_clear(actor=world.citizen, case=case, code="M001")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed):  # key material M001 can never be tolerated
        case_submit(actor=world.citizen, case=case, request_tolerance=True)
    _upload(world, case, "M001")
    case.refresh_from_db()
    case = case_submit(actor=world.citizen, case=case, request_tolerance=True).case
    with pytest.raises(ValidationFailed):
        case_accept(actor=world.clerk, case=case)  # missing M003 must be tolerated or corrected
    case = case_accept(actor=world.clerk, case=case, tolerated=["M003"], tolerated_days=5)
    assert case.tolerated
    assert case.tolerated_due_date
    assert case.materials.get(code="M003").status == MaterialStatus.TOLERATED
    case_approve(actor=world.reviewer, case=case)
    case.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        case_complete(actor=world.clerk, case=case)
    assert "容缺" in exc.value.message
    _upload(world, case, "M003")
    case.refresh_from_db()
    case = case_complete(actor=world.clerk, case=case)
    assert case.status == CaseStatus.DELIVERED


def test_commitment_approval_creates_a_follow_up_check(world, issuer):
    case = case_draft_create(actor=world.citizen, item_code=world.item.code, form_data=FORM)
    _upload(world, case, "M001")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed):
        case_submit(actor=world.citizen, case=case, commitment=True)
    with pytest.raises(PermissionDenied):
        item_policy_save(actor=world.reviewer, item=world.item, allows_commitment=True)
    item_policy_save(
        actor=world.admin,
        item=world.item,
        allows_commitment=True,
        commitment_template="本人承诺所填信息真实，营业执照合法有效。",
    )
    case = case_submit(actor=world.citizen, case=case, commitment=True).case
    assert case.commitment
    assert case.commitment_text
    case = case_accept(actor=world.clerk, case=case)
    case_approve(actor=world.reviewer, case=case)
    check = CommitmentCheck.objects.get(case=case)
    assert check.status == "open"
    assert check.due_date
    case.refresh_from_db()
    check = case_commitment_check_record(
        actor=world.reviewer, case=case, passed=True, result="核查属实"
    )
    assert check.status == "passed"


def test_instant_rules_decide_on_submission_and_a_reviewer_can_override(
    world, issuer, license_source
):
    with pytest.raises(ValidationFailed):
        instant_rule_save(actor=world.admin, item=world.item, name="x", conditions=[{"op": "eq"}])
    instant_rule_save(
        actor=world.admin,
        item=world.item,
        name="预包装食品且营业执照有效",
        conditions=[
            {"field": "categories", "op": "eq", "value": ["预包装食品销售"]},
            {"license": "CN-LIC-YYZZ", "op": "verified"},
            {"material": "M002", "content": "status", "op": "eq", "value": "valid"},
        ],
    )
    item_policy_save(actor=world.admin, item=world.item, instant_enabled=True)
    # Uploaded paper is not verified: no instant decision.
    plain = submitted_case(world)
    assert plain.status == CaseStatus.SUBMITTED
    case = case_draft_create(actor=world.citizen, item_code=world.item.code, form_data=FORM)
    _upload(world, case, "M001")
    _upload(world, case, "M003")
    choices = {c.material.code: c for c in material_choices(world.citizen, case)}
    assert choices["M002"].offers[0].reference == "YYZZ-1"
    case_material_authorize(
        actor=world.citizen, case=case, code="M002", source="license", reference="YYZZ-1"
    )
    assert {c.material.code: c for c in material_choices(world.citizen, case)}[
        "M002"
    ].no_need_to_bring
    case.refresh_from_db()
    case = case_submit(actor=world.citizen, case=case).case
    case.refresh_from_db()
    assert case.status == CaseStatus.DELIVERED
    assert case.instant
    assert case.decision.automatic
    assert all(t["held"] for t in case.decision.rule_trace)
    decision = case_instant_override(
        actor=world.reviewer, case=case, reason="抽查发现场所不符", legal_basis="第三十五条"
    )
    assert decision.outcome == "deny"
    assert decision.overridden_by == world.reviewer


def test_bundle_fans_out_by_stage_and_completes_when_all_members_do(world, issuer):
    catalog = world.catalog
    health = basic_item_create(
        actor=catalog.province_admin,
        code="000107002000",
        name="从业人员健康证明备案",
        item_type="01",
        legal_basis="《食品安全法》第四十五条",
        competent_department="卫健",
        service_objects=["2"],
        exercise_levels=["4"],
        source="国家基本目录",
    )
    second = _publish(
        catalog,
        catalog.jinjiang_body,
        catalog.jinjiang_admin,
        guide(
            name="从业人员健康证明备案",
            form={
                "fields": [
                    *GUIDE["form"]["fields"][:2],
                    {"key": "staff_count", "label": "从业人数", "type": "number", "required": True},
                ]
            },
        ),
        basic_item=health,
    )
    assert second.basic_item_id == health.pk
    bundle_create(
        actor=catalog.province_admin,
        code="YJS-KCG",
        name="我要开餐馆",
        audience="corporate",
        summary="",
        members=[(catalog.food_licence.code, 1, ""), (health.code, 2, "")],
        definition={"stages": [{"stage": 1, "name": "许可"}, {"stage": 2, "name": "备案"}]},
    )
    parent = bundle_case_start(actor=world.citizen, bundle_code="YJS-KCG", region_code="510104")
    keys = [f.key for f in bundle_form_fields(parent)]
    assert keys.count("operator_name") == 1
    assert "staff_count" in keys
    from tongban.cases.services.bundles import bundle_draft_save

    bundle_draft_save(actor=world.citizen, case=parent, form_data={**FORM, "staff_count": 3})
    groups = bundle_materials(parent)
    for g in groups:
        bundle_material_upload(
            actor=world.citizen,
            case=parent,
            key=g.key,
            file_name="a.pdf",
            content=PDF,
            content_type="application/pdf",
        )
    parent.refresh_from_db()
    result = bundle_submit(actor=world.citizen, case=parent)
    overview = bundle_overview(result.case)
    first, later = overview.stages[0]["members"][0], overview.stages[1]["members"][0]
    assert first.status == CaseStatus.SUBMITTED
    assert later.status == CaseStatus.DRAFT
    for member in (first,):
        member = case_accept(actor=world.clerk, case=member)
        case_approve(actor=world.reviewer, case=member)
        member.refresh_from_db()
        case_complete(actor=world.clerk, case=member)
    later.refresh_from_db()
    assert later.status == CaseStatus.SUBMITTED  # the next stage went out on its own
    parent.refresh_from_db()
    assert parent.status == CaseStatus.IN_PROGRESS
    later = case_accept(actor=world.clerk, case=later)
    case_approve(actor=world.reviewer, case=later)
    later.refresh_from_db()
    case_complete(actor=world.clerk, case=later)
    parent.refresh_from_db()
    assert parent.status == CaseStatus.COMPLETED


def test_cross_province_window_accepts_and_both_sides_see_it(world, issuer):
    case = case_create_at_window(
        actor=world.clerk_yz, item_code=world.item.code, applicant=world.citizen, form_data=FORM
    )
    assert case.cross_region_mode == "proxy"
    assert case.accepting_region_id == "500103"
    for code in ("M001", "M002", "M003"):
        _upload(world, case, code, actor=world.clerk_yz)
    case.refresh_from_db()
    case = case_submit(actor=world.clerk_yz, case=case).case
    assert case_queue(world.clerk_yz, queue="accept").filter(pk=case.pk).exists()
    assert case_queue(world.clerk, queue="accept").filter(pk=case.pk).exists()
    assert not case_queue(world.clerk_qy, queue="all").filter(pk=case.pk).exists()
    case = case_accept(actor=world.clerk_yz, case=case)
    assert case.forwarded_at is not None
    assert case_queue(world.reviewer, queue="todo").filter(pk=case.pk).exists()
    assert access_case_for_applicant(world.citizen, case.number) == case


def test_agents_apply_for_their_enterprise_and_see_its_cases(world):
    with pytest.raises(PermissionDenied):
        case_draft_create(
            actor=world.citizen, item_code=world.item.code, legal_person=world.company
        )
    case = ready_case(world, actor=world.agent, legal_person=world.company)
    assert case.applicant_kind == "organisation"
    assert case.applicant_name == world.company.name
    assert list(case_list_for_applicant(world.agent)) == [case]
    assert not case_list_for_applicant(world.citizen).filter(pk=case.pk).exists()
    with pytest.raises(NotFound):
        access_case_for_applicant(world.outsider, case.number)


def test_appointments_count_capacity_and_refuse_double_booking(world, django_user_model):
    hall = service_hall_create(
        actor=world.clerk,
        region=world.regions["jinjiang"],
        name="锦江区政务服务中心",
        address="锦江区工业园区",
    )
    with time_machine.travel("2026-11-02 08:00 +0800", tick=False):
        created = appointment_slots_generate(
            actor=world.clerk,
            hall=hall,
            start=date(2026, 11, 2),
            days=7,
            times=[(time(9), time(10))],
            capacity=1,
        )
        assert created == 5  # working days only
        slot = hall.slots.order_by("date").first()
        booking = appointment_book(actor=world.citizen, slot=slot, item=world.item)
        with pytest.raises(Conflict):
            appointment_book(actor=world.citizen, slot=slot, item=world.item)
        with pytest.raises(Conflict) as exc:
            appointment_book(actor=world.outsider, slot=slot, item=world.item)
        assert exc.value.code == "slot_full"
        appointment_cancel(actor=world.citizen, appointment=booking)
        slot.refresh_from_db()
        assert slot.booked == 0
        appointment_book(actor=world.outsider, slot=slot, item=world.item)
        assert Appointment.objects.filter(slot=slot, status="booked").count() == 1


def test_misconfigured_sms_backend_is_recorded_not_fatal(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TONGBAN_SMS_BACKEND = "nowhere.Sender"
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted_case(world)
    row = NotificationDispatch.objects.get(notification__case=case, channel="sms")
    assert row.status == "failed"
    assert "TONGBAN_SMS_BACKEND" in row.error
    assert case.status == CaseStatus.SUBMITTED


def test_withdrawing_a_bundle_withdraws_its_open_members(world):
    from tongban.cases.services.apply import case_withdraw

    catalog = world.catalog
    health = basic_item_create(
        actor=catalog.province_admin,
        code="000107002000",
        name="从业人员健康证明备案",
        item_type="01",
        legal_basis="《食品安全法》第四十五条",
        competent_department="卫健",
        service_objects=["2"],
        exercise_levels=["4"],
        source="国家基本目录",
    )
    _publish(catalog, catalog.jinjiang_body, catalog.jinjiang_admin, guide(), basic_item=health)
    bundle_create(
        actor=catalog.province_admin,
        code="YJS-X",
        name="开餐馆",
        audience="corporate",
        summary="",
        members=[(catalog.food_licence.code, 1, ""), (health.code, 1, "")],
        definition={},
    )
    parent = bundle_case_start(actor=world.citizen, bundle_code="YJS-X", region_code="510104")
    parent = case_withdraw(actor=world.citizen, case=parent, reason="不办了")
    assert parent.status == CaseStatus.WITHDRAWN
    assert set(parent.members.values_list("status", flat=True)) == {CaseStatus.WITHDRAWN}
