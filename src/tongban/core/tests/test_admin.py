from datetime import date, datetime

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.identifiers import credit_code_build
from tongban.core.models import (
    CalendarDay,
    CalendarYear,
    Department,
    OperatorAlert,
    StaffMembership,
)
from tongban.core.services.alerts import calendar_alert_key, record_calendar_gap
from tongban.core.services.calendar import HolidaySpan, calendar_year_enter
from tongban.core.workdays import CHINA_TZ, add_workdays
from tongban.testing.factories import StaffMembershipFactory, UserFactory

D = date.fromisoformat


@pytest.fixture
def december_2026(time_machine):
    # Before `root` signs in: moving the clock later would expire the session.
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ), tick=False)


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def day_forms(rows, initial=0):
    data = {
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": str(initial),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"days-{i}-{key}"] = value
    return data


def test_a_year_entered_in_the_admin_goes_through_the_service(december_2026, client, root):
    record_calendar_gap(2027)
    # Invented days for the test, not the official 2027 arrangement.
    data = {"year": "2027", "source": "测试用安排（非官方）"} | day_forms(
        [
            {"date": "2027-01-01", "name": "元旦"},
            {"date": "2027-01-09", "is_workday": "on", "name": "调休"},
            {"date": "", "name": ""},
        ]
    )
    response = client.post("/admin/core/calendaryear/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar_year = CalendarYear.objects.get(year=2027)
    assert calendar_year.entered_by == root
    assert list(calendar_year.days.values_list("date", "is_workday")) == [
        (D("2027-01-01"), False),
        (D("2027-01-09"), True),
    ]
    assert AuditEntry.objects.get(action="core.calendar.enter_year").actor_label == "root"
    assert OperatorAlert.objects.get(key=calendar_alert_key(2027)).resolved_at is not None
    assert add_workdays(D("2026-12-31"), 1) == D("2027-01-04")


def test_an_entry_that_changes_nothing_is_shown_as_an_error_and_not_saved(client, root):
    data = {"year": "2027", "source": "测试"} | day_forms(
        [
            {"date": "2027-01-02", "name": "周六放假？"},
            {"date": "2027-01-04", "is_workday": "on", "name": "周一上班？"},
        ]
    )
    response = client.post("/admin/core/calendaryear/add/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "都是周末，本来就休息" in page
    assert "本来就是工作日" in page
    assert not CalendarYear.objects.exists()
    assert not AuditEntry.objects.exists()


def test_changing_a_year_in_the_admin_replaces_it_through_the_service(client, root):
    calendar_year = calendar_year_enter(
        year=2027,
        holidays=[
            HolidaySpan("元旦", D("2027-01-01"), D("2027-01-01")),
            HolidaySpan("测试", D("2027-03-01"), D("2027-03-01")),
        ],
        adjusted_workdays=[],
        source="初版",
        actor=None,
    )
    first, second = calendar_year.days.all()
    rows = [
        {
            "id": str(first.pk),
            "calendar_year": str(calendar_year.pk),
            "date": "2027-01-01",
            "name": "元旦",
        },
        {
            "id": str(second.pk),
            "calendar_year": str(calendar_year.pk),
            "date": "2027-03-01",
            "name": "测试",
            "DELETE": "on",
        },
    ]
    data = {"source": "修订版"} | day_forms(rows, initial=2)
    response = client.post(f"/admin/core/calendaryear/{calendar_year.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar_year.refresh_from_db()
    assert calendar_year.source == "修订版"
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D("2027-01-01")]
    assert AuditEntry.objects.filter(action="core.calendar.enter_year").count() == 2


def test_deleting_a_year_in_the_admin_is_audited(client, root):
    calendar_year = calendar_year_enter(
        year=2027,
        holidays=[HolidaySpan("元旦", D("2027-01-01"), D("2027-01-01"))],
        adjusted_workdays=[],
        source="初版",
        actor=None,
    )
    response = client.post(f"/admin/core/calendaryear/{calendar_year.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarYear.objects.exists()
    assert AuditEntry.objects.get(action="core.calendar.remove_year").actor_label == "root"


def test_operators_resolve_alerts_with_the_admin_action(december_2026, client, root):
    alert = record_calendar_gap(2027)
    assert client.get("/admin/core/operatoralert/?state=open").status_code == 200
    response = client.post(
        "/admin/core/operatoralert/",
        {"action": "resolve_selected", "_selected_action": [str(alert.pk)]},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert AuditEntry.objects.get(action="core.alert.resolve").actor_label == "root"


def test_regions_are_read_only_and_searchable(client, root, regions):
    response = client.get("/admin/core/region/", {"q": "5101"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "锦江区" in page
    assert "重庆市" not in page
    assert client.get("/admin/core/region/add/").status_code == 403


def test_a_department_added_in_the_admin_is_created_by_the_service(client, root, regions):
    code = credit_code_build(
        department="1", category="1", region_code="510100", org_body8="MB012345"
    )
    response = client.post(
        "/admin/core/department/add/",
        {"region": "510100", "name": "成都市测试局", "credit_code": code, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Department.objects.get().name == "成都市测试局"
    assert AuditEntry.objects.get(action="core.department.create").actor_label == "root"

    response = client.post(
        "/admin/core/department/add/",
        {"region": "510100", "name": "成都市另一局", "credit_code": code[:17] + "0"},
    )
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert Department.objects.count() == 1


def test_switching_a_membership_off_in_the_admin_revokes_it(client, root, regions):
    membership = StaffMembershipFactory(region=regions["chengdu"])
    response = client.post(
        f"/admin/core/staffmembership/{membership.pk}/change/", {"is_active": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.is_active is False
    assert AuditEntry.objects.get(action="core.staff_membership.revoke").actor_label == "root"
    assert StaffMembership.objects.count() == 1


def test_a_membership_added_in_the_admin_is_granted_by_the_service(client, root, regions):
    clerk = UserFactory(username="clerk", kind="staff")
    response = client.post(
        "/admin/core/staffmembership/add/",
        {"user": str(clerk.pk), "role": "window_clerk", "region": "510104"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = StaffMembership.objects.get()
    assert (membership.user, membership.region_id, membership.is_active) == (clerk, "510104", True)
    entry = AuditEntry.objects.get(action="core.staff_membership.grant")
    assert entry.actor_label == "root"

    citizen = UserFactory(username="citizen", kind="citizen")
    response = client.post(
        "/admin/core/staffmembership/add/",
        {"user": str(citizen.pk), "role": "window_clerk", "region": "510104"},
    )
    assert response.status_code == 200
    assert "只能给工作人员账号分配岗位" in response.content.decode()
    assert StaffMembership.objects.count() == 1
