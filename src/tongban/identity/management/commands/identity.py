from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.identity.models import User
from tongban.identity.services import api_token_create


class Command(BaseCommand):
    help = "身份管理命令：identity token <用户名> 打印一个用于脚本调用 API 的访问令牌。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="为用户签发 API 访问令牌并打印（只显示一次）")
        token.add_argument("username")
        token.add_argument("--name", default="cli", help="令牌用途说明")
        token.add_argument("--days", type=int, default=90, help="有效天数，0 表示不过期")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "token":
            try:
                user = User.objects.get(username=options["username"])
            except User.DoesNotExist as exc:
                raise CommandError(f"用户不存在：{options['username']}") from exc
            if not user.is_active:
                raise CommandError(f"用户已停用：{user.username}")
            _, raw = api_token_create(
                user=user, name=options["name"], valid_days=options["days"] or None
            )
            self.stdout.write(raw)
