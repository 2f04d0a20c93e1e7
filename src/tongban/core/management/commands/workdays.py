"""The working-day clock from the command line.

workdays add 2026-09-30 5          → 2026-10-13 (the start day is not counted)
workdays between 2026-09-30 2026-10-13  → 5
workdays year load FILE [--by USER]    enter an official arrangement (JSON, see
                                       docs/examples/holidays-2027.example.json)
workdays year show 2026             where a year's data comes from and its exceptions
workdays year export 2026           the package's data for a year, in the file format
workdays check [--horizon 90]       exit 1 when a date in the next 90 days has no data
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.core.services.alerts import calendar_coverage_check, calendar_gap_boundary
from tongban.core.services.calendar import (
    WEEKDAY_NAMES,
    calendar_year_enter,
    calendar_year_from_package,
    calendar_year_parse,
    calendar_year_payload,
)
from tongban.core.workdays import (
    add_workdays,
    calendar_year_get,
    workdays_between,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD，如 2026-09-30：{value}") from exc


def _error(exc: DomainError) -> CommandError:
    lines = [str(exc.message)]
    lines += [f"  {problem.field}：{problem.message}" for problem in exc.fields]
    return CommandError("\n".join(lines))


class Command(BaseCommand):
    help = (
        "工作日计算与节假日安排：add 起算日 天数｜between 日期1 日期2｜"
        "year load 文件｜year show 年份｜year export 年份｜check"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="起算日之后第 N 个工作日（起算日当天不计）")
        add.add_argument("start", help="起算日，YYYY-MM-DD")
        add.add_argument("days", type=int, help="工作日数（≥0）")
        between = sub.add_parser("between", help="两个日期之间的工作日数（不含第一天，含第二天）")
        between.add_argument("start")
        between.add_argument("end")

        year = sub.add_parser("year", help="节假日安排：load / show / export")
        year_sub = year.add_subparsers(dest="year_action", required=True)
        load = year_sub.add_parser("load", help="从 JSON 文件录入某年的官方安排（整年替换）")
        load.add_argument("file")
        load.add_argument("--by", default="", help="录入人的用户名（记入审计日志）")
        show = year_sub.add_parser("show", help="显示某年的数据来源与例外日期")
        show.add_argument("year", type=int)
        export = year_sub.add_parser(
            "export", help="以文件格式输出 chinese-calendar 软件包某年的数据"
        )
        export.add_argument("year", type=int)

        check = sub.add_parser(
            "check", help="检查今后若干天的工作日数据是否齐全，缺失时告警并返回非零"
        )
        check.add_argument("--horizon", type=int, default=90, help="向后检查的天数（默认 90）")
        check.add_argument("--today", default="", help="以某天为“今天”（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            with calendar_gap_boundary():
                if action == "add":
                    self._add(options)
                elif action == "between":
                    self._between(options)
                elif action == "year":
                    getattr(self, f"_year_{options['year_action']}")(options)
                else:
                    self._check(options)
        except DomainError as exc:
            raise _error(exc) from exc

    def _add(self, options: dict[str, Any]) -> None:
        if options["days"] < 0:
            raise CommandError("工作日数不能为负数。")
        self.stdout.write(add_workdays(_date(options["start"]), options["days"]).isoformat())

    def _between(self, options: dict[str, Any]) -> None:
        count = workdays_between(_date(options["start"]), _date(options["end"]))
        self.stdout.write(str(count))

    def _year_load(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} 不是有效的 UTF-8 JSON 文件：{exc}") from exc
        actor = None
        if options["by"]:
            try:
                actor = get_user_model().objects.get(username=options["by"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"用户不存在：{options['by']}") from exc
        data = calendar_year_parse(payload)
        calendar_year = calendar_year_enter(
            year=data.year,
            holidays=data.holidays,
            adjusted_workdays=data.adjusted_workdays,
            source=data.source,
            actor=actor,
        )
        days = calendar_year.days.all()
        off = sum(1 for d in days if not d.is_workday)
        self.stdout.write(
            f"已录入{data.year}年节假日安排（依据：{data.source}）："
            f"工作日放假{off}天，调休上班{len(days) - off}天。"
        )

    def _year_show(self, options: dict[str, Any]) -> None:
        calendar = calendar_year_get(options["year"])
        if calendar.origin == "entered":
            detail = f"已录入（entered）；依据：{calendar.source}"
            if calendar.entered_by:
                detail += f"；录入人：{calendar.entered_by}"
            if calendar.updated_at:
                detail += f"；更新于 {calendar.updated_at:%Y-%m-%d %H:%M}"
        else:
            detail = f"软件包（package）；{calendar.source}"
        self.stdout.write(f"{calendar.year}年 来源：{detail}")
        self.stdout.write("与周一至周五规则不同的日子：")
        for day in calendar.days:
            kind = "班" if day.is_workday else "休"
            weekday = WEEKDAY_NAMES[day.date.weekday()]
            self.stdout.write(f"{day.date.isoformat()} {weekday} {kind} {day.name}")

    def _year_export(self, options: dict[str, Any]) -> None:
        payload = calendar_year_payload(calendar_year_from_package(options["year"]))
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _check(self, options: dict[str, Any]) -> None:
        today = _date(options["today"]) if options["today"] else None
        report = calendar_coverage_check(today=today, horizon_days=options["horizon"])
        if not report.ok:
            years = "、".join(f"{y}年" for y in report.missing_years)
            raise CommandError(
                f"{years}的法定节假日安排尚未录入：{report.first_gap} 起的工作日无法计算。"
                "已记录运维告警；请通过管理后台或 `workdays year load 文件` 录入国务院办公厅公布的安排。"
            )
        self.stdout.write(f"工作日数据齐全：{report.today} 至 {report.until} 均已覆盖。")
