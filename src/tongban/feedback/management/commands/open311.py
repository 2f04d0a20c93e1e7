from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.feedback.selectors import open311_keys
from tongban.feedback.services import open311_key_create, open311_key_revoke


class Command(BaseCommand):
    help = (
        "Open311 接口密钥：open311 key create --name NAME 签发（只显示一次），"
        "open311 key revoke --name NAME 吊销，open311 key list 列出。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="group", required=True)
        key = sub.add_parser("key", help="管理 Open311 应用密钥")
        actions = key.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="为一个应用签发密钥")
        create.add_argument("--name", required=True, help="应用名称")
        revoke = actions.add_parser("revoke", help="吊销一个应用的密钥")
        revoke.add_argument("--name", required=True)
        actions.add_parser("list", help="列出全部密钥")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                key, raw = open311_key_create(name=options["name"])
                self.stdout.write(raw)
                self.stderr.write(f"已为“{key.name}”签发密钥（只显示这一次，请妥善保存）。")
            elif action == "revoke":
                key = open311_key_revoke(name=options["name"])
                self.stdout.write(f"已吊销“{key.name}”的密钥。")
            else:
                for key in open311_keys():
                    state = "已吊销" if key.revoked_at else "有效"
                    used = key.last_used_at.isoformat() if key.last_used_at else "-"
                    self.stdout.write(f"{key.prefix}…\t{key.name}\t{state}\t最近使用 {used}")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
