"""Entering the official holiday arrangement of a year (国务院办公厅关于某年部分节假日安排的通知).

The notice lists holidays as date ranges (国庆节：10月1日至7日放假) and adjusted working days
(10月10日（星期六）上班). We store only what differs from the Monday–Friday rule: the weekdays
inside a holiday and the weekend days that become working days (CalendarDay rows). An entry that
changes nothing (a holiday that only covers a weekend, a 调休 working day on a weekday) is
rejected: it is almost always a typo in the date.

A year's dates all belong to that year. When a notice also moves days of the previous December
(e.g. the 2019 notice put 2018-12-29 to work), enter those in the previous year's arrangement;
`calendar_year_from_package` exports a package year so that it can be completed and re-entered.

File format for `./dev.sh manage workdays year load FILE` (see
docs/examples/holidays-2027.example.json; keys starting with "_" are comments):

    {"year": 2027, "source": "国办发明电〔2026〕X号",
     "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}, ...],
     "workdays": [{"name": "春节调休", "date": "2027-02-07"}, ...]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.core.errors import FieldProblem, NotFound, ValidationFailed
from tongban.core.models import CalendarDay, CalendarYear
from tongban.core.services.alerts import calendar_alert_key, resolve_open_alert
from tongban.core.workdays import (
    invalidate_calendar_cache,
    package_holiday_name,
    package_version,
    package_workday_name,
    package_years,
)

MIN_YEAR = 2000
MAX_YEAR = 2100
# The longest official holiday is nine days; a month-long range is a typo in the end date.
MAX_SPAN_DAYS = 31
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length or 50
SOURCE_MAX_LENGTH = CalendarYear._meta.get_field("source").max_length or 300
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
FILE_KEYS = frozenset({"year", "source", "holidays", "workdays"})


@dataclass(frozen=True)
class HolidaySpan:
    """Days off from `start` to `end` inclusive, as the notice words them."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class AdjustedWorkday:
    """A weekend day that becomes a working day (调休上班)."""

    name: str
    date: date


@dataclass(frozen=True)
class CalendarYearData:
    year: int
    source: str
    holidays: tuple[HolidaySpan, ...]
    adjusted_workdays: tuple[AdjustedWorkday, ...]


HolidayInput = HolidaySpan | date | tuple[date, str] | tuple[date, date, str]
WorkdayInput = AdjustedWorkday | date | tuple[date, str]


def _coerce_holiday(item: HolidayInput) -> HolidaySpan:
    if isinstance(item, HolidaySpan):
        return item
    if isinstance(item, date):
        return HolidaySpan("", item, item)
    if isinstance(item, tuple) and len(item) == 2:
        return HolidaySpan(str(item[1]), item[0], item[0])
    if isinstance(item, tuple) and len(item) == 3:
        return HolidaySpan(str(item[2]), item[0], item[1])
    raise TypeError(
        f"holiday entry must be HolidaySpan, date, (date, name) or (start, end, name): {item!r}"
    )


def _coerce_workday(item: WorkdayInput) -> AdjustedWorkday:
    if isinstance(item, AdjustedWorkday):
        return item
    if isinstance(item, date):
        return AdjustedWorkday("", item)
    if isinstance(item, tuple) and len(item) == 2:
        return AdjustedWorkday(str(item[1]), item[0])
    raise TypeError(f"workday entry must be AdjustedWorkday, date or (date, name): {item!r}")


def _label(day: date) -> str:
    return f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()]}）"


def _plan(
    *,
    year: int,
    holidays: list[HolidaySpan],
    workdays: list[AdjustedWorkday],
    source: str | None,
) -> tuple[list[FieldProblem], dict[date, tuple[bool, str]]]:
    """Check an arrangement; return the problems and the exception days it stands for."""
    problems: list[FieldProblem] = []
    days: dict[date, tuple[bool, str]] = {}
    if not MIN_YEAR <= year <= MAX_YEAR:
        problems.append(
            FieldProblem(
                "year",
                _("年份应在%(min)s至%(max)s之间。") % {"min": MIN_YEAR, "max": MAX_YEAR},
            )
        )
        return problems, days
    if source is not None:
        if not source.strip():
            problems.append(
                FieldProblem(
                    "source",
                    _("请填写依据文件，即国务院办公厅通知的文号，如“国办发明电〔2026〕X号”。"),
                )
            )
        elif len(source.strip()) > SOURCE_MAX_LENGTH:
            problems.append(
                FieldProblem(
                    "source",
                    _("依据文件不能超过%(max)s个字。") % {"max": SOURCE_MAX_LENGTH},
                )
            )
    if not holidays:
        problems.append(
            FieldProblem(
                "holidays",
                _("请至少录入一个节假日。国务院办公厅每年的通知都列出了元旦、春节等假期。"),
            )
        )

    holiday_owner: dict[date, int] = {}
    for i, span in enumerate(holidays):
        where = f"holidays[{i}]"
        if len(span.name) > NAME_MAX_LENGTH:
            problems.append(
                FieldProblem(where, _("名称不能超过%(max)s个字。") % {"max": NAME_MAX_LENGTH})
            )
        if span.end < span.start:
            problems.append(
                FieldProblem(
                    where,
                    _("结束日期 %(end)s 早于开始日期 %(start)s，请检查。")
                    % {"start": span.start.isoformat(), "end": span.end.isoformat()},
                )
            )
            continue
        if span.start.year != year or span.end.year != year:
            problems.append(
                FieldProblem(
                    where,
                    _(
                        "%(start)s 至 %(end)s 不全在%(year)s年内。跨年的假期请分别录入各自的年份"
                        "（上一年的日期录入上一年的安排）。"
                    )
                    % {"start": span.start.isoformat(), "end": span.end.isoformat(), "year": year},
                )
            )
            continue
        length = (span.end - span.start).days + 1
        if length > MAX_SPAN_DAYS:
            problems.append(
                FieldProblem(
                    where,
                    _("%(start)s 至 %(end)s 共%(days)s天，超过%(max)s天，请检查结束日期。")
                    % {
                        "start": span.start.isoformat(),
                        "end": span.end.isoformat(),
                        "days": length,
                        "max": MAX_SPAN_DAYS,
                    },
                )
            )
            continue
        dates = [span.start + timedelta(days=k) for k in range(length)]
        overlap = [d for d in dates if d in holiday_owner]
        if overlap:
            problems.append(
                FieldProblem(
                    where,
                    _("%(date)s 已在第%(other)s项节假日中录入，同一天不能录入两次。")
                    % {"date": _label(overlap[0]), "other": holiday_owner[overlap[0]] + 1},
                )
            )
            continue
        for d in dates:
            holiday_owner[d] = i
        weekdays = [d for d in dates if d.weekday() < 5]
        if not weekdays:
            problems.append(
                FieldProblem(
                    where,
                    _(
                        "%(start)s 至 %(end)s 都是周末，本来就休息，录入它不改变任何工作日。"
                        "请检查日期是否有误。"
                    )
                    % {"start": _label(span.start), "end": _label(span.end)},
                )
            )
            continue
        for d in weekdays:
            days[d] = (False, span.name.strip() or _("法定节假日"))

    seen_workdays: dict[date, int] = {}
    for i, workday in enumerate(workdays):
        where = f"workdays[{i}]"
        d = workday.date
        if len(workday.name) > NAME_MAX_LENGTH:
            problems.append(
                FieldProblem(where, _("名称不能超过%(max)s个字。") % {"max": NAME_MAX_LENGTH})
            )
        if d.year != year:
            problems.append(
                FieldProblem(
                    where,
                    _("%(date)s 不在%(year)s年内，请录入到该日期所在年份的安排中。")
                    % {"date": d.isoformat(), "year": year},
                )
            )
        elif d in holiday_owner:
            problems.append(
                FieldProblem(
                    where,
                    _("%(date)s 同时被录入为第%(other)s项节假日和调休上班日，请删除其中之一。")
                    % {"date": _label(d), "other": holiday_owner[d] + 1},
                )
            )
        elif d in seen_workdays:
            problems.append(
                FieldProblem(
                    where,
                    _("%(date)s 已作为第%(other)s个调休上班日录入，同一天不能录入两次。")
                    % {"date": _label(d), "other": seen_workdays[d] + 1},
                )
            )
        elif d.weekday() < 5:
            problems.append(
                FieldProblem(
                    where,
                    _(
                        "%(date)s 本来就是工作日，录入为调休上班日不改变任何工作日。"
                        "调休上班日应是周六或周日，请检查日期。"
                    )
                    % {"date": _label(d)},
                )
            )
        else:
            seen_workdays[d] = i
            days[d] = (True, workday.name.strip() or _("调休上班"))
    return problems, days


def calendar_year_check(
    *,
    year: int,
    holidays: Iterable[HolidayInput],
    adjusted_workdays: Iterable[WorkdayInput],
    source: str | None = None,
) -> list[FieldProblem]:
    """The problems `calendar_year_enter` would reject (empty when the entry is valid); the
    source document is checked only when given. Forms use it to show errors next to the input."""
    problems, _days = _plan(
        year=year,
        holidays=[_coerce_holiday(h) for h in holidays],
        workdays=[_coerce_workday(w) for w in adjusted_workdays],
        source=source,
    )
    return problems


def _invalidate_after_change() -> None:
    # Now, for the rest of this transaction; again after commit, in case something in between
    # loaded the year; other processes see the new updated_at on their next calculation.
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)


@transaction.atomic
def calendar_year_enter(
    *,
    year: int,
    holidays: Iterable[HolidayInput],
    adjusted_workdays: Iterable[WorkdayInput],
    source: str,
    actor: Any,
) -> CalendarYear:
    """Enter (or replace) the official arrangement of `year`. From then on it is the only source
    for that year's working days, package data included. Resolves the open calendar alert of
    the year; one audit entry."""
    source = (source or "").strip()
    problems, days = _plan(
        year=year,
        holidays=[_coerce_holiday(h) for h in holidays],
        workdays=[_coerce_workday(w) for w in adjusted_workdays],
        source=source,
    )
    if problems:
        raise ValidationFailed(
            _("%(year)s年的节假日安排有误，请按提示修改后重新录入。") % {"year": year},
            fields=problems,
        )
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    replaced = calendar_year is not None
    if calendar_year is None:
        calendar_year = CalendarYear(year=year)
    else:
        calendar_year.days.all().delete()
    calendar_year.source = source
    calendar_year.entered_by = actor if getattr(actor, "pk", None) else None
    calendar_year.save()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=calendar_year, date=d, is_workday=is_workday, name=name)
        for d, (is_workday, name) in sorted(days.items())
    )
    alert = resolve_open_alert(key=calendar_alert_key(year))
    audit_record(
        actor=actor,
        action="core.calendar.enter_year",
        obj=calendar_year,
        summary={
            "year": year,
            "source": source,
            "holidays_on_weekdays": sum(1 for w, _n in days.values() if not w),
            "adjusted_workdays": sum(1 for w, _n in days.values() if w),
            "replaced": replaced,
            "resolved_alert": alert is not None,
        },
    )
    _invalidate_after_change()
    return calendar_year


@transaction.atomic
def calendar_year_remove(*, year: int, actor: Any) -> None:
    """Remove an entered arrangement: the year falls back to the package, or has no data."""
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is None:
        raise NotFound(_("%(year)s年没有录入的节假日安排。") % {"year": year})
    summary = {"year": year, "source": calendar_year.source, "days": calendar_year.days.count()}
    public_id = calendar_year.public_id
    calendar_year.delete()
    audit_record(
        actor=actor,
        action="core.calendar.remove_year",
        object_type=CalendarYear._meta.label,
        object_id=str(public_id),
        summary=summary,
    )
    _invalidate_after_change()


def calendar_year_from_package(year: int) -> CalendarYearData:
    """The chinese-calendar package's arrangement for `year`, in the entry format: holidays
    grouped into ranges (clipped to the year; ranges that only cover a weekend dropped, since
    they change nothing), 调休 working days on weekends."""
    if year not in package_years():
        years = package_years()
        raise ValidationFailed(
            _("chinese-calendar 软件包只有%(first)s至%(last)s年的数据，没有%(year)s年。")
            % {"first": years.start, "last": years.stop - 1, "year": year},
            fields=[FieldProblem("year", _("请选择软件包已有数据的年份。"))],
        )
    spans: list[list[Any]] = []
    for d, raw_name in sorted(chinese_calendar.holidays.items()):
        if d.year != year:
            continue
        name = package_holiday_name(raw_name)
        if spans and spans[-1][2] == name and (d - spans[-1][1]).days == 1:
            spans[-1][1] = d
        else:
            spans.append([d, d, name])
    holidays = tuple(
        HolidaySpan(name, start, end)
        for start, end, name in spans
        if any((start + timedelta(days=k)).weekday() < 5 for k in range((end - start).days + 1))
    )
    workdays = tuple(
        AdjustedWorkday(package_workday_name(raw), d)
        for d, raw in sorted(chinese_calendar.workdays.items())
        if d.year == year and d.weekday() >= 5
    )
    return CalendarYearData(
        year=year,
        source=_("chinese-calendar %(version)s 软件包数据") % {"version": package_version()},
        holidays=holidays,
        adjusted_workdays=workdays,
    )


# --- The file format ----------------------------------------------------------------------------


def calendar_year_payload(data: CalendarYearData) -> dict[str, Any]:
    """The JSON file form of an arrangement."""
    return {
        "year": data.year,
        "source": data.source,
        "holidays": [
            {"name": h.name, "start": h.start.isoformat(), "end": h.end.isoformat()}
            for h in data.holidays
        ],
        "workdays": [{"name": w.name, "date": w.date.isoformat()} for w in data.adjusted_workdays],
    }


def _parse_date(value: Any, where: str, problems: list[FieldProblem]) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(
        FieldProblem(
            where, _("日期格式应为 YYYY-MM-DD，如 2027-01-01：%(value)s") % {"value": value}
        )
    )
    return None


def _parse_name(item: Mapping[str, Any], where: str, problems: list[FieldProblem]) -> str:
    name = item.get("name", "")
    if not isinstance(name, str):
        problems.append(FieldProblem(f"{where}.name", _("名称应为文字。")))
        return ""
    return name


def calendar_year_parse(payload: Any) -> CalendarYearData:
    """Read the JSON file format (see the module docstring); raises ValidationFailed listing
    every problem with its place in the file. Refuses the documented example file."""
    if not isinstance(payload, Mapping):
        raise ValidationFailed(
            _("文件内容应为一个 JSON 对象，包含 year、source、holidays、workdays 四项。")
        )
    if payload.get("_example"):
        raise ValidationFailed(
            _(
                "这是示例文件，其中的日期不是官方安排，不能录入。请按国务院办公厅通知填写真实日期"
                "和文号，并删除 “_example” 一项后再录入。"
            ),
            fields=[FieldProblem("_example", _("示例文件不能录入。"))],
        )
    problems: list[FieldProblem] = [
        FieldProblem(
            str(key),
            _(
                "不认识的项“%(key)s”：只能有 year、source、holidays、workdays（以 _ 开头的项为注释）。"
            )
            % {"key": key},
        )
        for key in payload
        if key not in FILE_KEYS and not str(key).startswith("_")
    ]
    year = payload.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        problems.append(FieldProblem("year", _("请填写年份（整数），如 2027。")))
        year = 0
    source = payload.get("source")
    if not isinstance(source, str):
        problems.append(FieldProblem("source", _("请填写依据文件的文号（文字）。")))
        source = ""

    holidays: list[HolidaySpan] = []
    raw_holidays = payload.get("holidays")
    if not isinstance(raw_holidays, list):
        problems.append(FieldProblem("holidays", _("holidays 应为列表。")))
        raw_holidays = []
    for i, item in enumerate(raw_holidays):
        where = f"holidays[{i}]"
        if not isinstance(item, Mapping):
            problems.append(FieldProblem(where, _("每个节假日应为一个对象：name、start、end。")))
            continue
        name = _parse_name(item, where, problems)
        if "date" in item and "start" not in item:
            start = end = _parse_date(item["date"], f"{where}.date", problems)
        else:
            start = _parse_date(item.get("start"), f"{where}.start", problems)
            end = _parse_date(item.get("end", item.get("start")), f"{where}.end", problems)
        if start is not None and end is not None:
            holidays.append(HolidaySpan(name, start, end))

    workdays: list[AdjustedWorkday] = []
    raw_workdays = payload.get("workdays", [])
    if not isinstance(raw_workdays, list):
        problems.append(FieldProblem("workdays", _("workdays 应为列表。")))
        raw_workdays = []
    for i, item in enumerate(raw_workdays):
        where = f"workdays[{i}]"
        if not isinstance(item, Mapping):
            problems.append(FieldProblem(where, _("每个调休上班日应为一个对象：name、date。")))
            continue
        name = _parse_name(item, where, problems)
        d = _parse_date(item.get("date"), f"{where}.date", problems)
        if d is not None:
            workdays.append(AdjustedWorkday(name, d))

    if problems:
        raise ValidationFailed(_("节假日安排文件有误，请按提示修改。"), fields=problems)
    return CalendarYearData(
        year=year, source=source, holidays=tuple(holidays), adjusted_workdays=tuple(workdays)
    )
