"""The working-day clock (工作日): legal and promised time limits are counted in working days on
the State Council's holiday arrangement, including adjusted working days (调休上班).

Conventions (the same everywhere a time limit is counted):

- Dates are calendar dates in China (Asia/Shanghai). Pass `date` objects; an aware `datetime` is
  converted to its Shanghai date, a naive one is refused (it would be a silent guess).
- The start day is not counted: accepted on 2026-09-30 with 5 working days, the case is due on
  2026-10-13 (10-01…10-07 are the National Day holiday, Saturday 10-10 is a 调休 working day).
- `add_workdays(start, 0)` returns `start` itself, even when `start` is not a working day:
  "0 working days" means "today", which is what 即办件 (immediate matters) need.
- `workdays_between(a, b)` counts working days after `a` up to and including `b`, so
  `workdays_between(s, add_workdays(s, n)) == n`; it is negative when `b < a`.

Where the data comes from, per year:

1. an entered arrangement (CalendarYear + its CalendarDay exceptions to Monday–Friday), entered by
   an administrator; it wins over the package so that mistakes can be corrected;
2. otherwise the chinese-calendar package (2004–2026 in version 1.11);
3. otherwise `CalendarUnavailable` (HTTP 503): the platform never guesses a year it has no
   official data for. Interfaces record an operator alert at their error boundary
   (`tongban.core.services.alerts.calendar_gap_boundary`), outside the failed transaction.

Cost: one small query (the list of entered years and their update stamps) per calculation, plus
one query per entered year the first time a process sees it; year tables are cached per process
and keyed by (row identity, updated_at), so an entry made in another process is picked up on the
next calculation. For many calculations in a row, take one snapshot with `workday_calendar()` and
call its methods: that costs the one query for the whole batch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import metadata
from types import MappingProxyType
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tongban.core.errors import DomainError
from tongban.core.models import CalendarDay, CalendarYear

logger = logging.getLogger("tongban.core.workdays")

CHINA_TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)

Origin = Literal["entered", "package"]

# The package names holidays in English; what people read is Chinese.
PACKAGE_HOLIDAY_NAMES: dict[str, object] = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
    "Anti-Fascist 70th Day": gettext_lazy("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
}


class CalendarUnavailable(DomainError):
    """No official holiday arrangement is known for `year` (neither entered nor in the package).

    `alert_recorded` lets the boundaries that record the operator alert (API error handler, the
    workdays router, the CLI) do it once even when two of them see the same exception."""

    def __init__(self, year: int) -> None:
        super().__init__(
            message=_(
                "%(year)s年的法定节假日安排尚未录入，无法计算工作日。请管理员通过管理后台或 "
                "`workdays year load` 命令录入国务院办公厅公布的安排。"
            )
            % {"year": year},
            code="calendar_unavailable",
            status=503,
        )
        self.year = year
        self.alert_recorded = False


@dataclass(frozen=True)
class CalendarException:
    """A day that differs from the Monday–Friday rule: a holiday on a weekday or a 调休 working
    day on a weekend."""

    date: date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    origin: Origin
    source: str
    days: tuple[CalendarException, ...]
    entered_by: str = ""
    updated_at: datetime | None = None
    exceptions: Mapping[date, bool] = field(default_factory=dict, repr=False)

    def is_workday(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)


def _year_calendar(
    year: int,
    origin: Origin,
    source: str,
    days: list[CalendarException],
    *,
    entered_by: str = "",
    updated_at: datetime | None = None,
) -> YearCalendar:
    days.sort(key=lambda d: d.date)
    return YearCalendar(
        year=year,
        origin=origin,
        source=source,
        days=tuple(days),
        entered_by=entered_by,
        updated_at=updated_at,
        exceptions=MappingProxyType({d.date: d.is_workday for d in days}),
    )


# --- The package -----------------------------------------------------------------------------


def package_version() -> str:
    try:
        return metadata.version("chinese_calendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return str(getattr(chinese_calendar, "__version__", "?"))


@cache
def package_years() -> range:
    """The years chinese-calendar has data for (inclusive range)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def package_holiday_name(raw: str) -> str:
    return str(PACKAGE_HOLIDAY_NAMES.get(raw, raw))


def package_workday_name(raw: str) -> str:
    """The package names an adjusted working day after the holiday it makes up for."""
    return _("%(holiday)s调休上班") % {"holiday": package_holiday_name(raw)}


def _package_year(year: int) -> YearCalendar | None:
    return _package_year_in(year, get_language())


@cache
def _package_year_in(year: int, language: str | None) -> YearCalendar | None:
    """The package's data for one year, reduced to exceptions to the Monday–Friday rule (the
    package also lists weekend days inside a holiday; those change nothing). Cached per language
    because the names are translated."""
    if year not in package_years():
        return None
    days = [
        CalendarException(d, False, package_holiday_name(name))
        for d, name in chinese_calendar.holidays.items()
        if d.year == year and d.weekday() < 5
    ]
    days += [
        CalendarException(d, True, package_workday_name(raw))
        for d, raw in chinese_calendar.workdays.items()
        if d.year == year and d.weekday() >= 5
    ]
    source = _("chinese-calendar 软件包 %(version)s") % {"version": package_version()}
    return _year_calendar(year, "package", source, days)


# --- Entered years, cached per process ---------------------------------------------------------

_EnteredStamp = tuple[UUID, datetime]
_entered_cache: dict[int, tuple[_EnteredStamp, YearCalendar]] = {}
_cache_lock = threading.Lock()


def invalidate_calendar_cache() -> None:
    """Forget the entered years this process has loaded (the services call it after a change;
    other processes notice the new update stamp on their next calculation)."""
    with _cache_lock:
        _entered_cache.clear()


def _load_entered_year(year: int, stamp: _EnteredStamp) -> YearCalendar | None:
    with _cache_lock:
        cached = _entered_cache.get(year)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    row = (
        CalendarYear.objects.filter(year=year)
        .values("source", "updated_at", "entered_by__username")
        .first()
    )
    if row is None:  # removed since the snapshot was taken: the package may still know it
        return None
    days = [
        CalendarException(d, is_workday, name)
        for d, is_workday, name in CalendarDay.objects.filter(calendar_year__year=year).values_list(
            "date", "is_workday", "name"
        )
    ]
    calendar = _year_calendar(
        year,
        "entered",
        row["source"],
        days,
        entered_by=row["entered_by__username"] or "",
        updated_at=row["updated_at"],
    )
    with _cache_lock:
        _entered_cache[year] = (stamp, calendar)
    return calendar


# --- Dates -------------------------------------------------------------------------------------


def local_today() -> date:
    """Today in China, whatever the server's or the settings' time zone."""
    return timezone.now().astimezone(CHINA_TZ).date()


def as_local_date(value: date) -> date:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise ValueError("naive datetime: pass a date or an aware datetime")
        return value.astimezone(CHINA_TZ).date()
    return value


def _weekdays_in(first: date, last: date) -> int:
    """Monday–Friday days in [first, last]."""
    if last < first:
        return 0
    total = (last - first).days + 1
    weeks, rest = divmod(total, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


# --- The calendar ------------------------------------------------------------------------------


class WorkdayCalendar:
    """A snapshot of which years are entered; answers any number of questions without further
    queries once a year is loaded. Take a fresh one per request or batch."""

    def __init__(self, entered: Mapping[int, _EnteredStamp]) -> None:
        self._entered = dict(entered)
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        """The arrangement in force for `year`; raises CalendarUnavailable when there is none."""
        calendar = self._years.get(year)
        if calendar is not None:
            return calendar
        calendar = None
        if year in self._entered:
            calendar = _load_entered_year(year, self._entered[year])
        if calendar is None:
            calendar = _package_year(year)
        if calendar is None:
            logger.error(
                "calendar.unavailable",
                extra={"year": year, "entered_years": sorted(self._entered)},
            )
            raise CalendarUnavailable(year)
        self._years[year] = calendar
        return calendar

    def has_year(self, year: int) -> bool:
        return year in self._entered or year in package_years()

    def is_workday(self, day: date) -> bool:
        day = as_local_date(day)
        return self.year(day.year).is_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        """The `n`-th working day after `start` (start not counted); `start` when n == 0."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = as_local_date(start)
        calendar: YearCalendar | None = None
        while n:
            day += ONE_DAY
            if calendar is None or calendar.year != day.year:
                calendar = self.year(day.year)
            if calendar.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`."""
        a, b = as_local_date(a), as_local_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        count = 0
        for year in range(a.year, b.year + 1):
            first = max(a + ONE_DAY, date(year, 1, 1))
            last = min(b, date(year, 12, 31))
            if last < first:
                continue
            calendar = self.year(year)
            count += _weekdays_in(first, last)
            for day, is_workday in calendar.exceptions.items():
                if first <= day <= last:
                    count += int(is_workday) - int(day.weekday() < 5)
        return count

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_workdays(day, 1)


def workday_calendar() -> WorkdayCalendar:
    """A snapshot for one request or batch (one query)."""
    entered = {
        year: (public_id, updated_at)
        for year, public_id, updated_at in CalendarYear.objects.values_list(
            "year", "public_id", "updated_at"
        )
    }
    return WorkdayCalendar(entered)


def is_workday(day: date) -> bool:
    return workday_calendar().is_workday(day)


def add_workdays(start: date, n: int) -> date:
    return workday_calendar().add_workdays(start, n)


def workdays_between(a: date, b: date) -> int:
    return workday_calendar().workdays_between(a, b)


def next_workday(day: date) -> date:
    return workday_calendar().next_workday(day)


def calendar_year_get(year: int) -> YearCalendar:
    """The arrangement in force for a year with its source, for display (raises
    CalendarUnavailable when there is none)."""
    return workday_calendar().year(year)
