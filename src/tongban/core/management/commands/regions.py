import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import NotFound
from tongban.core.models import RegionLevel
from tongban.core.selectors.regions import (
    region_children_count,
    region_get,
    region_path,
    region_search,
)
from tongban.core.services.regions import (
    DEFAULT_TOWNSHIP_PREFIXES,
    regions_load,
)


def _level_label(level: int) -> str:
    return str(RegionLevel(level).label)


class Command(BaseCommand):
    help = (
        "行政区划：regions load 导入（可重复执行），regions show <代码> 查看，"
        "regions find <名称或代码> 查找。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="导入民政部区划代码、历史代码和演示村级区划")
        load.add_argument(
            "--townships",
            default=",".join(DEFAULT_TOWNSHIP_PREFIXES),
            help="导入乡级区划的代码前缀，逗号分隔（默认 51,50：四川、重庆）",
        )
        load.add_argument("--only", default="", help="只导入这些代码前缀之下的区划，逗号分隔")
        load.add_argument("--no-historical", action="store_true", help="不导入已撤销的历史代码")
        show = sub.add_parser("show", help="显示一个区划的路径和下级数量")
        show.add_argument("code")
        find = sub.add_parser("find", help="按名称（包含）或代码前缀查找区划")
        find.add_argument("query")
        find.add_argument("--historical", action="store_true", help="包含历史代码")
        find.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            self._load(options)
        elif action == "show":
            self._show(options["code"])
        else:
            self._find(options["query"], options["historical"], options["limit"])

    def _load(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        townships = [p for p in options["townships"].split(",") if p.strip()]
        only = [p for p in options["only"].split(",") if p.strip()] or None
        result = regions_load(
            township_prefixes=townships,
            prefixes=only,
            include_historical=not options["no_historical"],
        )
        levels = "，".join(
            f"{_level_label(level)} {count}" for level, count in sorted(result.by_level.items())
        )
        self.stdout.write(
            f"行政区划：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            f"（{levels}；其中历史代码 {result.historical}，演示生成村级 {result.generated}）"
            f"，用时 {time.monotonic() - started:.1f} 秒。"
        )
        self.stdout.write(f"数据来源：{result.source}")

    def _show(self, code: str) -> None:
        try:
            region = region_get(code)
        except NotFound as exc:
            raise CommandError(str(exc.message)) from exc
        path = " > ".join(f"{r.name}（{r.code}）" for r in region_path(region.code))
        self.stdout.write(f"{region.full_name}（{region.code}，{_level_label(region.level)}）")
        self.stdout.write(f"路径：{path}")
        self.stdout.write(f"下级区划：{region_children_count(region.code)} 个")
        if not region.is_current:
            self.stdout.write(f"状态：已撤销（{region.valid_until or '年份不详'}年）")
        if region.is_generated:
            self.stdout.write("注意：演示生成的代码，不是官方代码。")
        self.stdout.write(f"来源：{region.source}")

    def _find(self, query: str, historical: bool, limit: int) -> None:
        rows = list(region_search(query, include_historical=historical, limit=limit))
        if not rows:
            raise CommandError(f"没有找到与“{query}”匹配的区划。")
        for region in rows:
            flags = "" if region.is_current else f"  [已撤销 {region.valid_until or ''}]"
            if region.is_generated:
                flags += "  [演示生成]"
            self.stdout.write(
                f"{region.code:<12} {_level_label(region.level)}  {region.full_name}{flags}"
            )
