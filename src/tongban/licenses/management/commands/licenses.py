"""`./dev.sh manage licenses …`: trust lists, offline verification, key rotation, bulk import."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.core.models import ImplementingBody
from tongban.licenses import services
from tongban.licenses.models import ImportStatus, LicenseType
from tongban.licenses.verification import verify_text


class Command(BaseCommand):
    help = (
        "电子证照：trust import-x509|import|export 信任列表；verify-qr 离线核验二维码；"
        "keys rotate 轮换颁发机构密钥；import 存量证照导入；expire 标记到期证照；revocations 发布撤销列表。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        trust = sub.add_parser("trust", help="信任列表")
        trust_sub = trust.add_subparsers(dest="trust_action", required=True)
        x509 = trust_sub.add_parser("import-x509", help="导入 X.509 签名证书（欧盟 DCC 等）")
        x509.add_argument("file")
        x509.add_argument("--country", default="", help="两位国家代码，缺省取证书主题中的 C")
        imp = trust_sub.add_parser(
            "import", help="导入其他平台签名的信任列表或撤销列表（JSON，先验签）"
        )
        imp.add_argument("file")
        exp = trust_sub.add_parser("export", help="导出本平台签名的信任列表（JSON）")
        exp.add_argument("file", nargs="?", default="-")
        verify = sub.add_parser("verify-qr", help="核验二维码内容，输出 JSON")
        verify.add_argument("text")
        verify.add_argument("--at", default="", help="按该时刻判断有效期（ISO 8601）")
        keys = sub.add_parser("keys", help="签名密钥")
        keys_sub = keys.add_subparsers(dest="keys_action", required=True)
        rotate = keys_sub.add_parser("rotate", help="为颁发机构生成新密钥，旧密钥保留用于验证")
        rotate.add_argument("--body", required=True, help="实施主体 ID、公开标识或统一社会信用代码")
        rotate.add_argument("--algorithm", default=services.DEFAULT_ALGORITHM)
        bulk = sub.add_parser("import", help="导入存量证照（CSV 或 .xlsx，全部成功或全部不写入）")
        bulk.add_argument("file")
        bulk.add_argument("--type", required=True, dest="type_code", help="证照类型代码 CN-LIC-…")
        bulk.add_argument(
            "--body", required=True, help="颁发机构（ID、公开标识或统一社会信用代码）"
        )
        sub.add_parser("expire", help="把超过有效期的证照标记为已过期")
        sub.add_parser("revocations", help="发布签名的撤销列表，输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._dispatch(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "trust":
            self._trust(options)
        elif action == "verify-qr":
            at = self._at(options["at"])
            verdict = verify_text(options["text"], at=at)
            self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False, default=str))
        elif action == "keys":
            body = self._body(options["body"])
            key = services.issuer_key_generate(
                actor=None, body=body, algorithm=options["algorithm"]
            )
            self.stdout.write(
                f"已为“{body.name}”生成新密钥 {key.kid}（{key.algorithm}），旧密钥已转为仅验证。"
            )
        elif action == "import":
            self._import(options)
        elif action == "expire":
            self.stdout.write(f"已标记过期：{services.licenses_expire()} 本")
        elif action == "revocations":
            published = services.revocation_list_publish()
            self.stdout.write(json.dumps(published.document, ensure_ascii=False, indent=2))

    @staticmethod
    def _at(value: str) -> datetime | None:
        if not value:
            return None
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise CommandError(
                f"--at 的时间格式不对：{value}（例如 2021-06-01T12:00:00Z）"
            ) from exc
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    @staticmethod
    def _read(path_text: str) -> bytes:
        path = Path(path_text)
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        return path.read_bytes()

    @staticmethod
    def _body(value: str) -> ImplementingBody:
        queryset = ImplementingBody.objects.all()
        body = None
        if value.isdigit():
            body = queryset.filter(pk=int(value)).first()
        if body is None and len(value) == 18:
            body = queryset.filter(credit_code=value.upper()).first()
        if body is None and len(value) == 36:
            body = queryset.filter(public_id=value).first()
        if body is None:
            raise CommandError(f"找不到实施主体：{value}")
        return body

    def _trust(self, options: dict[str, Any]) -> None:
        sub = options["trust_action"]
        if sub == "import-x509":
            keys = services.trust_import_x509(
                actor=None, pem=self._read(options["file"]), country=options["country"]
            )
            for key in keys:
                self.stdout.write(
                    f"已信任 {key.issuer.country} {key.issuer.name} kid={key.kid} ({key.algorithm})"
                )
        elif sub == "import":
            data = self._read(options["file"])
            if services.REVOCATION_LIST_FORMAT.encode() in data[:4000]:
                count = services.revocation_list_import(actor=None, document=data)
                self.stdout.write(f"已导入撤销列表：新增 {count} 条")
                return
            platform = services.trust_list_import(actor=None, document=data)
            self.stdout.write(f"已导入“{platform.name}”的信任列表（序号 {platform.last_sequence}）")
        else:
            text = json.dumps(services.trust_list_export(), ensure_ascii=False, indent=2)
            if options["file"] == "-":
                self.stdout.write(text)
            else:
                Path(options["file"]).write_text(text, encoding="utf-8")
                self.stdout.write(f"已导出信任列表：{options['file']}")

    def _import(self, options: dict[str, Any]) -> None:
        license_type = LicenseType.objects.filter(code=options["type_code"]).first()
        if license_type is None:
            raise CommandError(f"证照目录中没有类型 {options['type_code']}")
        body = self._body(options["body"])
        path = Path(options["file"])
        data = self._read(options["file"])
        job = services.license_import_submit(
            actor=None, license_type=license_type, issuer=body, filename=path.name, data=data
        )
        job.refresh_from_db()
        if job.status == ImportStatus.PENDING:  # a queue backend: run it here, in the foreground
            job = services.license_import_run(job_id=job.pk)
        if job.status == ImportStatus.SUCCEEDED:
            self.stdout.write(f"导入完成：{job.created_count} 本证照")
            return
        for error in job.errors[:50]:
            field = f"【{error['field']}】" if error.get("field") else ""
            sys.stderr.write(f"第 {error['row']} 行{field}：{error['message']}\n")
        raise CommandError(f"导入失败，共 {job.error_count} 处错误，未导入任何数据。")
