"""The working-day clock (工作日), public: anyone may ask when a time limit ends.

A year without an official holiday arrangement answers 503 `calendar_unavailable` (never a
guess) and records an operator alert (`calendar_gap_boundary`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from tongban.core.services.alerts import calendar_gap_boundary
from tongban.core.workdays import calendar_year_get, workday_calendar

router = Router(tags=["workdays"])

MAX_DAYS = 3650


class FieldProblemOut(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    status: int
    code: str
    message: str
    fields: list[FieldProblemOut]


class AddQuery(Schema):
    start: date = Field(description="起算日（当天不计），YYYY-MM-DD")
    days: int = Field(ge=0, le=MAX_DAYS, description="工作日数；0 表示起算日当天")


class AddOut(Schema):
    start: date
    days: int
    due: date = Field(description="起算日之后第 days 个工作日")


class BetweenQuery(Schema):
    start: date
    end: date


class BetweenOut(Schema):
    start: date
    end: date
    workdays: int = Field(
        description="start 之后（不含）至 end（含）的工作日数；end 早于 start 时为负数"
    )


class CalendarDayOut(Schema):
    date: date
    is_workday: bool = Field(description="true：周末调休上班；false：周一至周五放假")
    name: str


class CalendarYearOut(Schema):
    year: int
    origin: Literal["entered", "package"] = Field(
        description="entered：管理员录入的国务院办公厅安排；package：chinese-calendar 软件包数据"
    )
    source: str
    updated_at: datetime | None
    exceptions: list[CalendarDayOut] = Field(description="与周一至周五规则不同的日子")


ERRORS = {422: ProblemOut, 503: ProblemOut}


@router.get(
    "/add",
    auth=None,
    response={200: AddOut, **ERRORS},
    operation_id="workdays_add",
    summary="计算期限：起算日之后第 N 个工作日",
)
def workdays_add(request: HttpRequest, query: Query[AddQuery]) -> AddOut:
    with calendar_gap_boundary():
        due = workday_calendar().add_workdays(query.start, query.days)
    return AddOut(start=query.start, days=query.days, due=due)


@router.get(
    "/between",
    auth=None,
    response={200: BetweenOut, **ERRORS},
    operation_id="workdays_between",
    summary="两个日期之间的工作日数",
)
def workdays_between(request: HttpRequest, query: Query[BetweenQuery]) -> BetweenOut:
    with calendar_gap_boundary():
        count = workday_calendar().workdays_between(query.start, query.end)
    return BetweenOut(start=query.start, end=query.end, workdays=count)


@router.get(
    "/calendar/{year}",
    auth=None,
    response={200: CalendarYearOut, **ERRORS},
    operation_id="workdays_calendar_get",
    summary="某年的节假日安排（数据来源与例外日期）",
)
def workdays_calendar_get(
    request: HttpRequest, year: int = Path(..., ge=2000, le=2100)
) -> CalendarYearOut:
    with calendar_gap_boundary():
        calendar = calendar_year_get(year)
    return CalendarYearOut(
        year=calendar.year,
        origin=calendar.origin,
        source=calendar.source,
        updated_at=calendar.updated_at,
        exceptions=[
            CalendarDayOut(date=d.date, is_workday=d.is_workday, name=d.name) for d in calendar.days
        ],
    )
