import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.identity.models import AccountKind, User
from tongban.identity.registry_csv import parse_legal_persons, parse_persons
from tongban.identity.services import (
    api_token_create,
    create_verified_citizen,
    registry_legal_persons_import,
    registry_persons_import,
    totp_reset_by_admin,
)

HELP = """身份管理命令：
  identity token <用户名>                         打印一个用于脚本调用 API 的访问令牌
  identity create-citizen --name 姓名 --id-number 身份证号 --phone 手机号 --password 密码 --level 2
                                                  创建已验证手机号（L1）或已实名（L2）的个人账号，打印 JSON
  identity registry import persons 文件.csv        导入人口库（姓名、公民身份号码、状态）
  identity registry import legal-persons 文件.csv  导入法人库（名称、统一社会信用代码、法定代表人、
                                                  法定代表人身份证号、状态）
  identity mfa-reset <用户名> --reason 原因         解除动态口令绑定（手机丢失），下次登录重新绑定"""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        token = sub.add_parser("token", help="为用户签发 API 访问令牌并打印（只显示一次）")
        token.add_argument("username")
        token.add_argument("--name", default="cli", help="令牌用途说明")
        token.add_argument("--days", type=int, default=90, help="有效天数，0 表示不过期")

        citizen = sub.add_parser(
            "create-citizen",
            help="创建已验证的个人账号（供脚本和测试使用）",
            description=(
                "创建个人账号：手机号视为已验证（L1）；--level 2 时还要通过人口库核验姓名和"
                "公民身份号码（L2）。使用内置人口库时，库中没有该人员会先写入人口库（由操作人"
                "担保其真实存在）；库中登记的姓名不一致或已注销则拒绝。L3 须窗口现场核验，不能"
                "直接创建。成功后打印 JSON：username、kind、assurance_level。"
            ),
        )
        citizen.add_argument("--name", required=True, help="姓名")
        citizen.add_argument("--id-number", required=True, help="18位公民身份号码")
        citizen.add_argument("--phone", required=True, help="11位手机号码")
        citizen.add_argument("--password", required=True, help="登录密码")
        citizen.add_argument("--level", type=int, default=2, choices=[1, 2, 3], help="认证等级")
        citizen.add_argument("--username", default="", help="用户名（默认自动生成）")
        citizen.add_argument(
            "--kind",
            default=AccountKind.CITIZEN,
            choices=[AccountKind.CITIZEN, AccountKind.ENTERPRISE],
            help="账号类型：citizen 自然人，enterprise 法人经办人",
        )

        registry = sub.add_parser("registry", help="基础库（人口库、法人库）")
        registry_sub = registry.add_subparsers(dest="registry_action", required=True)
        importer = registry_sub.add_parser(
            "import",
            help="从 CSV 文件导入（UTF-8，可带 BOM；全部正确才写入）",
        )
        importer.add_argument("kind", choices=["persons", "legal-persons"])
        importer.add_argument("file", type=Path)

        reset = sub.add_parser("mfa-reset", help="解除用户的动态口令绑定（手机丢失时）")
        reset.add_argument("username")
        reset.add_argument("--reason", required=True, help="重置原因（记入审计日志）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "token":
                self._token(options)
            elif action == "create-citizen":
                self._create_citizen(options)
            elif action == "registry":
                self._registry_import(options)
            elif action == "mfa-reset":
                self._mfa_reset(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户不存在：{username}") from exc

    def _token(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        if not user.is_active:
            raise CommandError(f"用户已停用：{user.username}")
        _, raw = api_token_create(
            user=user, name=options["name"], valid_days=options["days"] or None
        )
        self.stdout.write(raw)

    def _create_citizen(self, options: dict[str, Any]) -> None:
        user = create_verified_citizen(
            actor=None,
            real_name=options["name"],
            id_number=options["id_number"],
            phone=options["phone"],
            password=options["password"],
            level=options["level"],
            username=options["username"],
            kind=options["kind"],
        )
        self.stdout.write(
            json.dumps(
                {
                    "username": user.username,
                    "kind": user.kind,
                    "assurance_level": user.assurance_level,
                },
                ensure_ascii=False,
            )
        )

    def _registry_import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        persons = options["kind"] == "persons"
        parsed = parse_persons(data) if persons else parse_legal_persons(data)
        if parsed.problems:
            for problem in parsed.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{path.name}：发现 {len(parsed.problems)} 处错误，未导入任何记录。"
                "请修改后重新导入。"
            )
        importer = registry_persons_import if persons else registry_legal_persons_import
        report = importer(actor=None, rows=parsed.rows, source=path.name)
        label = "人口库" if persons else "法人库"
        self.stdout.write(
            f"{label}导入完成：新增 {report.created}，更新 {report.updated}，"
            f"未变 {report.unchanged}。"
        )

    def _mfa_reset(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        removed = totp_reset_by_admin(actor=None, user=user, reason=options["reason"])
        self.stdout.write(
            f"已解除 {user.username} 的动态口令绑定（{removed} 个设备），下次登录时重新绑定。"
        )
