import json
from datetime import date, datetime
from pathlib import Path

import pytest

from tongban.audit.models import AuditEntry
from tongban.core.errors import NotFound, ValidationFailed
from tongban.core.models import CalendarDay, CalendarYear, OperatorAlert
from tongban.core.models.alerts import AlertSeverity
from tongban.core.services.alerts import (
    alert_raise,
    alert_resolve,
    calendar_alert_key,
    calendar_coverage_check,
    record_calendar_gap,
)
from tongban.core.services.calendar import (
    AdjustedWorkday,
    HolidaySpan,
    calendar_year_check,
    calendar_year_enter,
    calendar_year_from_package,
    calendar_year_parse,
    calendar_year_payload,
    calendar_year_remove,
)
from tongban.core.workdays import CHINA_TZ, calendar_year_get, package_years
from tongban.testing.factories import UserFactory

D = date.fromisoformat
EXAMPLE_FILE = Path(__file__).resolve().parents[4] / "docs/examples/holidays-2027.example.json"

# Invented for tests: the real 2027 arrangement is not published in any package we have.
HOLIDAYS = [
    HolidaySpan("元旦", D("2027-01-01"), D("2027-01-03")),
    HolidaySpan("春节", D("2027-02-06"), D("2027-02-13")),
]
WORKDAYS = [AdjustedWorkday("春节调休", D("2027-02-20"))]


def enter(**overrides):
    kwargs = {
        "year": 2027,
        "holidays": HOLIDAYS,
        "adjusted_workdays": WORKDAYS,
        "source": "测试用安排（非官方）",
        "actor": None,
    }
    kwargs.update(overrides)
    return calendar_year_enter(**kwargs)


def stored_days(year):
    return list(
        CalendarDay.objects.filter(calendar_year__year=year).values_list(
            "date", "is_workday", "name"
        )
    )


@pytest.mark.django_db
def test_enter_stores_only_the_exceptions_to_monday_to_friday():
    admin = UserFactory(username="cal_admin", kind="staff")
    calendar_year = enter(actor=admin)
    assert calendar_year.entered_by == admin
    assert calendar_year.source == "测试用安排（非官方）"
    assert stored_days(2027) == [
        (D("2027-01-01"), False, "元旦"),  # Friday; Saturday and Sunday change nothing
        (D("2027-02-08"), False, "春节"),
        (D("2027-02-09"), False, "春节"),
        (D("2027-02-10"), False, "春节"),
        (D("2027-02-11"), False, "春节"),
        (D("2027-02-12"), False, "春节"),
        (D("2027-02-20"), True, "春节调休"),
    ]
    entry = AuditEntry.objects.get()
    assert entry.action == "core.calendar.enter_year"
    assert entry.actor_label == "cal_admin"
    assert entry.summary["holidays_on_weekdays"] == 6
    assert entry.summary["adjusted_workdays"] == 1
    assert entry.summary["replaced"] is False


@pytest.mark.django_db
def test_enter_accepts_tuples_and_plain_dates():
    enter(
        holidays=[
            (D("2027-01-01"), "元旦"),
            (D("2027-02-08"), D("2027-02-10"), "春节"),
            D("2027-05-03"),
        ],
        adjusted_workdays=[(D("2027-02-20"), "春节调休"), D("2027-02-21")],
    )
    assert stored_days(2027)[-3:] == [
        (D("2027-02-20"), True, "春节调休"),
        (D("2027-02-21"), True, "调休上班"),
        (D("2027-05-03"), False, "法定节假日"),
    ]


@pytest.mark.django_db
def test_entering_again_replaces_the_whole_year():
    enter()
    enter(holidays=[HolidaySpan("国庆节", D("2027-10-01"), D("2027-10-07"))], adjusted_workdays=[])
    assert [d for d, _w, _n in stored_days(2027)] == [
        D("2027-10-01"),
        D("2027-10-04"),
        D("2027-10-05"),
        D("2027-10-06"),
        D("2027-10-07"),
    ]
    assert CalendarYear.objects.count() == 1
    last = AuditEntry.objects.filter(action="core.calendar.enter_year").order_by("sequence").last()
    assert last.summary["replaced"] is True


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"source": "  "}, "source", "依据文件"),
        ({"holidays": []}, "holidays", "至少录入一个节假日"),
        ({"year": 1999}, "year", "2000至2100"),
        (
            {"holidays": [HolidaySpan("周末", D("2027-01-02"), D("2027-01-03"))]},
            "holidays[0]",
            "都是周末",
        ),
        (
            {"holidays": [*HOLIDAYS, HolidaySpan("错", D("2027-03-05"), D("2027-03-01"))]},
            "holidays[2]",
            "早于开始日期",
        ),
        (
            {"holidays": [HolidaySpan("元旦", D("2026-12-31"), D("2027-01-03"))]},
            "holidays[0]",
            "不全在2027年内",
        ),
        (
            {"holidays": [*HOLIDAYS, HolidaySpan("春节", D("2027-02-12"), D("2027-02-15"))]},
            "holidays[2]",
            "已在第2项节假日中录入",
        ),
        (
            {"holidays": [HolidaySpan("长假", D("2027-07-01"), D("2027-08-15"))]},
            "holidays[0]",
            "超过31天",
        ),
        (
            {"adjusted_workdays": [AdjustedWorkday("调休", D("2027-02-22"))]},
            "workdays[0]",
            "本来就是工作日",
        ),
        (
            {"adjusted_workdays": [AdjustedWorkday("调休", D("2027-02-13"))]},
            "workdays[0]",
            "同时被录入为第2项节假日和调休上班日",
        ),
        (
            {"adjusted_workdays": [*WORKDAYS, AdjustedWorkday("重复", D("2027-02-20"))]},
            "workdays[1]",
            "不能录入两次",
        ),
        (
            {"adjusted_workdays": [AdjustedWorkday("调休", D("2028-01-08"))]},
            "workdays[0]",
            "不在2027年内",
        ),
    ],
)
@pytest.mark.django_db
def test_invalid_entries_are_refused_and_nothing_changes(overrides, field, fragment):
    with pytest.raises(ValidationFailed) as info:
        enter(**overrides)
    problems = {p.field: p.message for p in info.value.fields}
    assert field in problems, problems
    assert fragment in problems[field]
    assert info.value.status == 422
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_refused_correction_leaves_the_entered_year_as_it_was():
    enter()
    before = stored_days(2027)
    with pytest.raises(ValidationFailed):
        enter(adjusted_workdays=[AdjustedWorkday("调休", D("2027-02-22"))])
    assert stored_days(2027) == before
    assert AuditEntry.objects.count() == 1


def test_check_reports_problems_without_a_source():
    assert calendar_year_check(year=2027, holidays=HOLIDAYS, adjusted_workdays=WORKDAYS) == []
    problems = calendar_year_check(
        year=2027, holidays=HOLIDAYS, adjusted_workdays=[D("2027-02-22")], source=""
    )
    assert {p.field for p in problems} == {"source", "workdays[0]"}


def test_every_package_year_exports_as_a_valid_entry():
    for year in package_years():
        data = calendar_year_from_package(year)
        assert data.holidays, year
        assert (
            calendar_year_check(
                year=year,
                holidays=data.holidays,
                adjusted_workdays=data.adjusted_workdays,
                source=data.source,
            )
            == []
        ), year


@pytest.mark.django_db
def test_entering_the_package_export_reproduces_the_package_exactly():
    package = calendar_year_get(2026)
    data = calendar_year_from_package(2026)
    assert HolidaySpan("国庆节", D("2026-10-01"), D("2026-10-07")) in data.holidays
    assert AdjustedWorkday("国庆节调休上班", D("2026-10-10")) in data.adjusted_workdays
    calendar_year_enter(
        year=2026,
        holidays=data.holidays,
        adjusted_workdays=data.adjusted_workdays,
        source=data.source,
        actor=None,
    )
    entered = calendar_year_get(2026)
    assert entered.origin == "entered"
    assert dict(entered.exceptions) == dict(package.exceptions)


def test_package_export_refuses_years_it_has_no_data_for():
    with pytest.raises(ValidationFailed) as info:
        calendar_year_from_package(2027)
    assert "2004至2026年" in info.value.message


@pytest.mark.django_db
def test_remove_falls_back_to_the_package_and_is_audited():
    data = calendar_year_from_package(2026)
    calendar_year_enter(
        year=2026, holidays=data.holidays[:2], adjusted_workdays=[], source="临时", actor=None
    )
    assert calendar_year_get(2026).origin == "entered"
    calendar_year_remove(year=2026, actor=None)
    assert calendar_year_get(2026).origin == "package"
    assert not CalendarDay.objects.exists()
    assert AuditEntry.objects.filter(action="core.calendar.remove_year").count() == 1
    with pytest.raises(NotFound):
        calendar_year_remove(year=2026, actor=None)


# --- The file format ---------------------------------------------------------------------------


def test_the_documented_example_is_refused_as_an_example_but_is_otherwise_valid():
    payload = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
    with pytest.raises(ValidationFailed) as info:
        calendar_year_parse(payload)
    assert "示例文件" in info.value.message
    del payload["_example"]
    data = calendar_year_parse(payload)
    assert data.year == 2027
    assert (
        calendar_year_check(
            year=data.year,
            holidays=data.holidays,
            adjusted_workdays=data.adjusted_workdays,
            source=data.source,
        )
        == []
    )


def test_file_round_trip_through_the_payload():
    data = calendar_year_from_package(2025)
    assert calendar_year_parse(json.loads(json.dumps(calendar_year_payload(data)))) == data


def test_file_single_day_holidays_may_use_date():
    data = calendar_year_parse(
        {"year": 2027, "source": "x", "holidays": [{"name": "元旦", "date": "2027-01-01"}]}
    )
    assert data.holidays == (HolidaySpan("元旦", D("2027-01-01"), D("2027-01-01")),)
    assert data.adjusted_workdays == ()


def test_file_problems_are_listed_with_their_place():
    with pytest.raises(ValidationFailed) as info:
        calendar_year_parse(
            {
                "year": "2027",
                "source": 7,
                "holiday": [],
                "holidays": [{"name": "元旦", "start": "2027/01/01"}, "春节"],
                "workdays": [{"date": "2027-02-30"}],
            }
        )
    fields = {p.field for p in info.value.fields}
    assert fields == {
        "holiday",
        "year",
        "source",
        "holidays[0].start",
        "holidays[0].end",
        "holidays[1]",
        "workdays[0].date",
    }
    with pytest.raises(ValidationFailed):
        calendar_year_parse([1, 2])


# --- Alerts --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_alert_raise_counts_repeats_on_the_open_alert_and_never_lowers_severity():
    first = alert_raise(key="k", message="一", severity=AlertSeverity.CRITICAL)
    again = alert_raise(key="k", message="二", severity=AlertSeverity.WARNING)
    assert again.pk == first.pk
    assert again.occurrences == 2
    assert again.message == "二"
    assert again.severity == AlertSeverity.CRITICAL
    assert AuditEntry.objects.filter(action="core.alert.raise").count() == 1


@pytest.mark.django_db
def test_alert_resolve_is_audited_and_a_new_occurrence_opens_a_new_alert():
    operator = UserFactory(username="ops", kind="staff")
    alert_raise(key="k", message="一")
    resolved = alert_resolve(key="k", actor=operator)
    assert resolved.resolved_at is not None
    entry = AuditEntry.objects.get(action="core.alert.resolve")
    assert entry.actor_label == "ops"
    assert alert_resolve(key="k", actor=operator) is None
    reopened = alert_raise(key="k", message="又一次")
    assert reopened.pk != resolved.pk
    assert OperatorAlert.objects.filter(key="k").count() == 2


@pytest.mark.django_db
def test_calendar_gap_alerts_only_for_years_the_platform_works_in(time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ))
    assert record_calendar_gap(1900) is None
    assert record_calendar_gap(2090) is None
    assert not OperatorAlert.objects.exists()
    assert record_calendar_gap(2027).key == calendar_alert_key(2027)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "severity"),
    [("2026-10-15", AlertSeverity.WARNING), ("2026-12-10", AlertSeverity.CRITICAL)],
)
def test_coverage_check_warns_ahead_of_a_missing_year(time_machine, today, severity):
    time_machine.move_to(datetime.fromisoformat(today).replace(hour=9, tzinfo=CHINA_TZ))
    report = calendar_coverage_check()
    assert not report.ok
    assert report.missing_years == [2027]
    assert report.first_gap == D("2027-01-01")
    alert = OperatorAlert.objects.get(key=calendar_alert_key(2027))
    assert alert.severity == severity
    assert "2027-01-01起" in alert.message


@pytest.mark.django_db
def test_coverage_check_is_quiet_when_covered(time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=CHINA_TZ))
    assert calendar_coverage_check().ok
    time_machine.move_to(datetime(2026, 12, 10, 9, 0, tzinfo=CHINA_TZ))
    enter()
    report = calendar_coverage_check()
    assert report.ok
    assert report.until == D("2027-03-10")
    assert not OperatorAlert.objects.exists()
