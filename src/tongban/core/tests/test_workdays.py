import logging
import random
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from django.db import transaction

from tongban.audit.models import AuditEntry
from tongban.core.models import Department, OperatorAlert
from tongban.core.models.alerts import AlertSeverity
from tongban.core.services import calendar as calendar_services
from tongban.core.services.alerts import (
    calendar_alert_key,
    calendar_gap_boundary,
    record_calendar_unavailable,
)
from tongban.core.services.calendar import AdjustedWorkday, HolidaySpan, calendar_year_enter
from tongban.core.workdays import (
    CHINA_TZ,
    CalendarUnavailable,
    WorkdayCalendar,
    add_workdays,
    calendar_year_get,
    is_workday,
    next_workday,
    workday_calendar,
    workdays_between,
)
from tongban.testing.factories import DepartmentFactory

D = date.fromisoformat

# Invented for tests: the real 2027 arrangement is not published in any package we have.
FAKE_2027_HOLIDAYS = [
    HolidaySpan("元旦", D("2027-01-01"), D("2027-01-03")),
    HolidaySpan("春节", D("2027-02-06"), D("2027-02-13")),
]
FAKE_2027_WORKDAYS = [AdjustedWorkday("春节调休", D("2027-02-20"))]


def enter_fake_2027(actor=None):
    return calendar_year_enter(
        year=2027,
        holidays=FAKE_2027_HOLIDAYS,
        adjusted_workdays=FAKE_2027_WORKDAYS,
        source="测试用安排（非官方）",
        actor=actor,
    )


@pytest.fixture
def december_2026(time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ), tick=False)


@pytest.mark.django_db
def test_the_issue_example_national_day_2026():
    assert add_workdays(D("2026-09-30"), 5) == D("2026-10-13")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Spring Festival 2026: 02-15 … 02-23 off, Saturday 02-14 and 02-28 are working days.
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-12", 3, "2026-02-24"),
        ("2026-02-24", 4, "2026-02-28"),
        # The 调休 Saturday after National Day counts; the Sunday after it does not.
        ("2026-10-09", 1, "2026-10-10"),
        ("2026-10-10", 1, "2026-10-12"),
        # An ordinary week.
        ("2026-03-06", 5, "2026-03-13"),
    ],
)
def test_add_workdays_on_the_2026_arrangement(start, n, due):
    assert add_workdays(D(start), n) == D(due)


@pytest.mark.django_db
def test_is_workday_follows_holidays_and_adjusted_days():
    assert is_workday(D("2026-10-10")) is True  # Saturday, 调休上班
    assert is_workday(D("2026-10-11")) is False  # Sunday
    assert is_workday(D("2026-10-05")) is False  # Monday in the National Day holiday
    assert is_workday(D("2026-10-08")) is True
    assert next_workday(D("2026-09-30")) == D("2026-10-08")
    assert next_workday(D("2026-10-08")) == D("2026-10-09")


@pytest.mark.django_db
def test_zero_days_is_the_start_itself_even_on_a_holiday():
    assert add_workdays(D("2026-10-01"), 0) == D("2026-10-01")
    assert workdays_between(D("2026-10-01"), D("2026-10-01")) == 0
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_workdays(D("2026-10-01"), -1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n"),
    [
        ("2026-09-30", 5),
        ("2026-02-10", 12),
        ("2025-12-25", 20),
        ("2026-01-01", 240),
        ("2024-06-01", 400),
    ],
)
def test_between_is_the_inverse_of_add_and_antisymmetric(start, n):
    due = add_workdays(D(start), n)
    assert workdays_between(D(start), due) == n
    assert workdays_between(due, D(start)) == -n


def test_package_years_match_chinese_calendar_day_by_day():
    # No entered years: the snapshot answers from the package alone, without the database.
    calendar = WorkdayCalendar({})
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_counting_by_arithmetic_matches_counting_day_by_day():
    calendar = WorkdayCalendar({})
    rng = random.Random(2026)
    for _ in range(200):
        a = date(2004, 1, 1) + timedelta(days=rng.randrange(8000))
        b = a + timedelta(days=rng.randrange(0, 800))
        if b.year > 2026:
            continue
        # Day by day with the rule checked against the package in the test above.
        by_day = sum(1 for k in range(1, (b - a).days + 1) if calendar.is_workday(a + timedelta(k)))
        assert calendar.workdays_between(a, b) == by_day, (a, b)


@pytest.mark.django_db
def test_aware_datetimes_count_as_their_date_in_china_and_naive_ones_are_refused():
    # 17:00 UTC on 30 September is 01:00 on 1 October in Beijing.
    assert is_workday(datetime(2026, 9, 30, 17, 0, tzinfo=UTC)) is False
    with pytest.raises(ValueError, match="naive"):
        is_workday(datetime(2026, 9, 30, 17, 0))


@pytest.mark.django_db
def test_a_year_without_data_fails_with_a_clear_chinese_message(caplog):
    caplog.set_level(logging.ERROR, logger="tongban.core.workdays")
    with pytest.raises(CalendarUnavailable) as info:
        add_workdays(D("2026-12-28"), 5)
    exc = info.value
    assert exc.year == 2027
    assert exc.code == "calendar_unavailable"
    assert exc.status == 503
    assert exc.message == (
        "2027年的法定节假日安排尚未录入，无法计算工作日。请管理员通过管理后台或 "
        "`workdays year load` 命令录入国务院办公厅公布的安排。"
    )
    record = next(r for r in caplog.records if r.getMessage() == "calendar.unavailable")
    assert record.levelno == logging.ERROR
    assert record.year == 2027
    # Within 2026 nothing is guessed either way: the calculation only fails when it needs 2027.
    assert add_workdays(D("2026-12-28"), 3) == D("2026-12-31")
    with pytest.raises(CalendarUnavailable):
        workdays_between(D("2026-12-30"), D("2027-01-04"))
    with pytest.raises(CalendarUnavailable):
        is_workday(D("2003-05-01"))  # before the package's data too


@pytest.mark.django_db
def test_gap_inside_a_rolled_back_transaction_still_raises_the_alert(december_2026):
    """The case service computing a due date runs in a transaction that rolls back; the
    boundary records the alert after it."""

    @transaction.atomic
    def accept_case():
        DepartmentFactory()  # stands for the case's own writes
        return add_workdays(D("2026-12-28"), 5)

    with pytest.raises(CalendarUnavailable), calendar_gap_boundary():
        accept_case()
    assert not Department.objects.exists()  # the change itself rolled back
    alert = OperatorAlert.objects.get(key=calendar_alert_key(2027), resolved_at__isnull=True)
    assert alert.severity == AlertSeverity.CRITICAL
    assert alert.occurrences == 1
    assert "2027年的法定节假日安排尚未录入" in alert.message


@pytest.mark.django_db
def test_the_same_failure_seen_by_two_boundaries_counts_once(december_2026):
    with pytest.raises(CalendarUnavailable) as info, calendar_gap_boundary():
        add_workdays(D("2026-12-28"), 5)
    assert record_calendar_unavailable(info.value) is None  # the API handler, after the router
    assert OperatorAlert.objects.get(key=calendar_alert_key(2027)).occurrences == 1
    with pytest.raises(CalendarUnavailable), calendar_gap_boundary():
        add_workdays(D("2026-12-29"), 5)
    assert OperatorAlert.objects.get(key=calendar_alert_key(2027)).occurrences == 2


@pytest.mark.django_db
def test_entering_a_year_makes_it_computable_and_resolves_its_alert(december_2026):
    with pytest.raises(CalendarUnavailable), calendar_gap_boundary():
        add_workdays(D("2026-12-28"), 5)
    enter_fake_2027()
    # 12-29, 12-30, 12-31, then 01-01…01-03 off, 01-04, 01-05.
    assert add_workdays(D("2026-12-28"), 5) == D("2027-01-05")
    assert workdays_between(D("2026-12-28"), D("2027-01-05")) == 5
    assert is_workday(D("2027-02-20")) is True  # the invented 调休 Saturday
    assert is_workday(D("2027-02-08")) is False
    alert = OperatorAlert.objects.get(key=calendar_alert_key(2027))
    assert alert.resolved_at is not None
    entry = AuditEntry.objects.get(action="core.calendar.enter_year")
    assert entry.summary["resolved_alert"] is True


@pytest.mark.django_db
def test_entered_data_overrides_the_package(time_machine):
    time_machine.move_to(datetime(2026, 9, 1, 9, 0, tzinfo=CHINA_TZ))
    assert add_workdays(D("2026-09-30"), 5) == D("2026-10-13")
    assert calendar_year_get(2026).origin == "package"
    package = calendar_services.calendar_year_from_package(2026)
    # A correction: suppose the notice had not moved Saturday 10-10 to work.
    corrected = [w for w in package.adjusted_workdays if w.date != D("2026-10-10")]
    calendar_year_enter(
        year=2026,
        holidays=package.holidays,
        adjusted_workdays=corrected,
        source="测试更正",
        actor=None,
    )
    assert add_workdays(D("2026-09-30"), 5) == D("2026-10-14")
    assert is_workday(D("2026-10-10")) is False
    year = calendar_year_get(2026)
    assert year.origin == "entered"
    assert year.source == "测试更正"


@pytest.mark.django_db
def test_another_process_entering_a_year_is_seen_on_the_next_calculation(time_machine, monkeypatch):
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ))
    enter_fake_2027()
    assert is_workday(D("2027-01-04")) is True  # now cached in this process
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TZ))
    # Entered elsewhere: this process's cache is not told.
    monkeypatch.setattr(calendar_services, "invalidate_calendar_cache", lambda: None)
    calendar_year_enter(
        year=2027,
        holidays=[*FAKE_2027_HOLIDAYS, HolidaySpan("测试假日", D("2027-01-04"), D("2027-01-04"))],
        adjusted_workdays=FAKE_2027_WORKDAYS,
        source="测试用安排（非官方，第二版）",
        actor=None,
    )
    assert is_workday(D("2027-01-04")) is False


@pytest.mark.django_db
def test_long_spans_cost_one_query_not_one_per_day(django_assert_max_num_queries, december_2026):
    with django_assert_max_num_queries(1):
        assert add_workdays(D("2024-01-02"), 700) > D("2026-09-01")
    enter_fake_2027()
    with django_assert_max_num_queries(3):  # entered years, then the 2027 row and its days
        workdays_between(D("2024-01-01"), D("2027-12-31"))
    with django_assert_max_num_queries(1):  # cached now
        add_workdays(D("2026-01-05"), 400)


@pytest.mark.django_db
def test_a_snapshot_answers_a_batch_with_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        calendar = workday_calendar()
        dues = [calendar.add_workdays(D("2026-01-05") + timedelta(days=k), 20) for k in range(200)]
    assert dues[0] == calendar.add_workdays(D("2026-01-05"), 20)
