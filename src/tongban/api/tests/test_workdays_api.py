from datetime import date, datetime

import pytest

from tongban.core.models import OperatorAlert
from tongban.core.services.alerts import calendar_alert_key
from tongban.core.services.calendar import AdjustedWorkday, HolidaySpan, calendar_year_enter
from tongban.core.workdays import CHINA_TZ

D = date.fromisoformat


@pytest.fixture
def december_2026(time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ), tick=False)


@pytest.mark.django_db
def test_add_answers_anonymous_callers(client):
    response = client.get("/api/v1/workdays/add", {"start": "2026-09-30", "days": 5})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-30", "days": 5, "due": "2026-10-13"}


@pytest.mark.django_db
def test_between_counts_after_start_up_to_end(client):
    response = client.get("/api/v1/workdays/between", {"start": "2026-10-13", "end": "2026-09-30"})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-10-13", "end": "2026-09-30", "workdays": -5}


@pytest.mark.django_db
def test_calendar_shows_source_and_exceptions(client):
    response = client.get("/api/v1/workdays/calendar/2026")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert body["origin"] == "package"
    assert body["source"].startswith("chinese-calendar")
    assert body["updated_at"] is None
    assert {"date": "2026-10-10", "is_workday": True, "name": "国庆节调休上班"} in body[
        "exceptions"
    ]
    assert {"date": "2026-10-01", "is_workday": False, "name": "国庆节"} in body["exceptions"]
    assert all(d["date"] != "2026-10-03" for d in body["exceptions"])  # a Saturday off anyway


@pytest.mark.django_db
def test_entered_year_is_served_with_its_source(client, december_2026):
    calendar_year_enter(
        year=2027,
        # Invented for the test: the real 2027 arrangement is not published in any package.
        holidays=[HolidaySpan("元旦", D("2027-01-01"), D("2027-01-03"))],
        adjusted_workdays=[AdjustedWorkday("调休", D("2027-01-09"))],
        source="测试用安排（非官方）",
        actor=None,
    )
    body = client.get("/api/v1/workdays/calendar/2027").json()
    assert body["origin"] == "entered"
    assert body["source"] == "测试用安排（非官方）"
    assert body["updated_at"] is not None
    assert body["exceptions"] == [
        {"date": "2027-01-01", "is_workday": False, "name": "元旦"},
        {"date": "2027-01-09", "is_workday": True, "name": "调休"},
    ]
    due = client.get("/api/v1/workdays/add", {"start": "2026-12-31", "days": 1}).json()["due"]
    assert due == "2027-01-04"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/workdays/add", {"start": "2026-12-28", "days": 5}),
        ("/api/v1/workdays/between", {"start": "2026-12-28", "end": "2027-01-05"}),
        ("/api/v1/workdays/calendar/2027", {}),
    ],
)
def test_a_year_without_data_is_a_503_problem_and_an_operator_alert(
    client, december_2026, url, params
):
    response = client.get(url, params)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "calendar_unavailable"
    assert body["message"].startswith("2027年的法定节假日安排尚未录入，无法计算工作日。")
    assert body["fields"] == []
    alert = OperatorAlert.objects.get(key=calendar_alert_key(2027), resolved_at__isnull=True)
    assert alert.occurrences == 1
    client.get(url, params)
    alert.refresh_from_db()
    assert alert.occurrences == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/workdays/add", {"start": "2026-09-30", "days": -1}, "days"),
        ("/api/v1/workdays/add", {"start": "2026-09-30", "days": 100000}, "days"),
        ("/api/v1/workdays/add", {"start": "30/09/2026", "days": 5}, "start"),
        ("/api/v1/workdays/add", {"days": 5}, "start"),
        ("/api/v1/workdays/between", {"start": "2026-09-30"}, "end"),
        ("/api/v1/workdays/calendar/1900", {}, "year"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(client, url, params, field):
    response = client.get(url, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == [field]
    assert not OperatorAlert.objects.exists()


def test_operations_are_documented_with_explicit_ids(client):
    doc = client.get("/api/openapi.json").json()
    ids = {
        path: doc["paths"][path]["get"]["operationId"]
        for path in (
            "/api/v1/workdays/add",
            "/api/v1/workdays/between",
            "/api/v1/workdays/calendar/{year}",
        )
    }
    assert ids == {
        "/api/v1/workdays/add": "workdays_add",
        "/api/v1/workdays/between": "workdays_between",
        "/api/v1/workdays/calendar/{year}": "workdays_calendar_get",
    }
    add = doc["paths"]["/api/v1/workdays/add"]["get"]
    assert "security" not in add or add["security"] == []
    assert {"200", "422", "503"} <= set(add["responses"])
