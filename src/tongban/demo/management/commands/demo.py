import time
import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tongban.demo.loaders import DEMO_PASSWORD, demo_accounts, demo_load, demo_sign_in_notes


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Command(BaseCommand):
    help = "演示数据：demo load 载入（可重复执行），demo accounts 打印演示账号。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="载入演示数据（已载入的部分会跳过）")
        sub.add_parser("accounts", help="打印演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load()
        else:
            self._accounts()

    def _load(self) -> None:
        started = time.monotonic()
        result = demo_load()
        elapsed = time.monotonic() - started
        if not result.created_anything:
            self.stdout.write(f"演示数据已是最新，无需载入（用时 {elapsed:.1f} 秒）。")
            return
        self.stdout.write(
            f"演示数据已载入：行政区划 {result.regions_created}，部门 {result.departments}，"
            f"实施主体 {result.bodies}，账号 {result.users}，岗位 {result.memberships}，"
            f"事项 {result.catalog_items}，一件事 {result.catalog_bundles}（用时 {elapsed:.1f} 秒）。"
        )

    def _accounts(self) -> None:
        rows = demo_accounts()
        if not any(r.exists for r in rows):
            self.stdout.write("尚未载入演示数据：请先运行 demo load。")
            return
        headers = ("用户名", "姓名", "角色", "数据范围")
        table = [headers] + [
            (r.username, r.real_name, str(r.role), r.scope if r.exists else "（未创建）")
            for r in rows
        ]
        widths = [max(_width(row[i]) for row in table) for i in range(len(headers))]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for i, row in enumerate(table):
            line = "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
            self.stdout.write(("  " + line).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
        for note in demo_sign_in_notes():
            self.stdout.write(f"  * {note}")
