import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongban.core.crypto import generate_blind_index_key, generate_data_key, keyring
from tongban.core.services.crypto_rotation import (
    DEFAULT_BATCH_SIZE,
    EMPTY,
    NOT_ENCRYPTED,
    ColumnResult,
    CryptoRunReport,
    crypto_reindex,
    crypto_rotate,
    crypto_status,
)


class Command(BaseCommand):
    help = (
        "个人信息加密密钥：crypto status 按列统计各密钥加密的记录数；crypto rotate 用当前"
        "（TONGBAN_DATA_KEYS 第一个）密钥重新加密旧密钥下的数据；crypto reindex 在更换"
        " TONGBAN_BLIND_INDEX_KEY 后重算盲索引；crypto genkey 生成新密钥。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="按列统计各密钥编号下的记录数")
        for name, text in (
            ("rotate", "用当前密钥重新加密旧密钥下的全部数据，并重算盲索引"),
            ("reindex", "用当前盲索引密钥重算全部盲索引"),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument(
                "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="每个事务处理的行数"
            )
            command.add_argument("--reason", default="", help="事由，记入审计日志")
        genkey = sub.add_parser("genkey", help="生成新密钥（打印后自行放入环境变量）")
        genkey.add_argument(
            "--id",
            dest="key_id",
            default="",
            help="密钥编号（字母、数字、_ 或 -），默认按日期生成，如 k20261122",
        )
        genkey.add_argument(
            "--blind-index", action="store_true", help="生成 TONGBAN_BLIND_INDEX_KEY 而非数据密钥"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "genkey":
            self._genkey(options["key_id"], options["blind_index"])
        elif action == "status":
            self._status()
        else:
            if options["batch_size"] < 1:
                raise CommandError("--batch-size 必须是正整数。")
            run = crypto_rotate if action == "rotate" else crypto_reindex
            report = run(
                batch_size=options["batch_size"],
                reason=options["reason"],
                on_column=self._column_done,
            )
            self._summary(report)

    def _genkey(self, key_id: str, blind: bool) -> None:
        if blind:
            self.stdout.write(generate_blind_index_key())
            return
        key_id = key_id or "k" + timezone.localdate().strftime("%Y%m%d")
        try:
            self.stdout.write(generate_data_key(key_id))
        except ValueError as exc:
            raise CommandError("密钥编号只能由字母、数字、_ 或 - 组成（不超过 32 位）。") from exc

    def _status(self) -> None:
        ring = keyring()
        for label, counts in crypto_status().items():
            self.stdout.write(label)
            if not counts:
                self.stdout.write("  （无记录）")
            for key_id, count in counts.items():
                if key_id == ring.active_id:
                    note = "  当前密钥"
                elif key_id in (EMPTY, NOT_ENCRYPTED):
                    note = ""
                elif key_id in ring.keys:
                    note = "  旧密钥，待轮换"
                else:
                    note = "  未知密钥，无法解密！"
                self.stdout.write(f"  {key_id:<20} {count:>10}{note}")

    def _column_done(self, result: ColumnResult) -> None:
        line = f"{result.label}: changed {result.changed}"
        if result.unchanged:
            line += f", unchanged {result.unchanged}"
        if result.failed:
            line += f", FAILED {result.failed} (ids {', '.join(result.failed_ids)})"
        self.stdout.write(line)

    def _summary(self, report: CryptoRunReport) -> None:
        self.stdout.write(
            f"{report.operation}: {report.changed} values changed, {report.failed} failed "
            f"(active data key {report.active_key_id})"
        )
        if report.failed:
            self.stderr.write(
                "部分数据无法解密（密钥缺失或数据被篡改）：请勿删除旧密钥，排查上面列出的记录后重新运行。"
            )
            sys.exit(1)
