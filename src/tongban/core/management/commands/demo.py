from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "演示数据：demo load 载入（可重复执行），demo accounts 打印演示账号。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="载入演示数据（已载入的部分会跳过）")
        sub.add_parser("accounts", help="打印演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("demo: nothing yet")
