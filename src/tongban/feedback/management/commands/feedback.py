from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tongban.feedback.services import bad_reviews_escalate_overdue


class Command(BaseCommand):
    help = "好差评：feedback escalate 将逾期未整改、未回访的差评升级到上级督办（每日运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("escalate", help="升级逾期差评")

    def handle(self, *args: Any, **options: Any) -> None:
        count = bad_reviews_escalate_overdue(actor=None)
        self.stdout.write(f"已升级督办 {count} 条逾期差评。")
