import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongban.audit.masking import mask_ip, redact_json, redact_text
from tongban.audit.models import AuditEntry
from tongban.audit.selectors import audit_chain_head
from tongban.audit.verify import DEFAULT_BATCH_SIZE, audit_verify


class Command(BaseCommand):
    help = (
        "审计日志命令：audit verify 校验哈希链（完好打印 OK，损坏打印第一条问题记录并以非零状态退出）；"
        "audit tail [-n 20] 显示最近的记录（已脱敏）；audit head 显示链头，供在库外留存。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="校验整条哈希链")
        verify.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="每批读取的记录数"
        )
        tail = sub.add_parser("tail", help="显示最近的审计记录（已脱敏）")
        tail.add_argument("-n", type=int, default=20, help="显示条数，默认 20")
        sub.add_parser("head", help="显示链头序号与哈希（可记录在数据库之外，用于比对）")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self._verify(options["batch_size"], options["verbosity"])
        elif action == "tail":
            self._tail(options["n"])
        elif action == "head":
            head = audit_chain_head()
            if head is None:
                self.stdout.write("#0 (empty)")
            else:
                self.stdout.write(f"#{head[0]} {head[1]}")

    def _verify(self, batch_size: int, verbosity: int) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size 必须是正整数。")

        def progress(checked: int) -> None:
            if verbosity >= 2:
                self.stderr.write(f"… {checked}")

        result = audit_verify(batch_size=batch_size, on_progress=progress)
        if result.ok:
            self.stdout.write(f"OK ({result.checked} entries)")
            if verbosity >= 2:
                self.stdout.write(f"head #{result.head_sequence} {result.head_hash}")
            return
        self.stdout.write(f"BROKEN at #{result.first_broken_sequence}: {result.reason}")
        self.stdout.flush()
        sys.exit(1)

    def _tail(self, count: int) -> None:
        if count < 1:
            raise CommandError("-n 必须是正整数。")
        entries = list(AuditEntry.objects.order_by("-sequence")[:count])
        for entry in reversed(entries):
            moment = timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S")
            line = (
                f"#{entry.sequence} {moment} {redact_text(entry.actor_label)} {entry.action} "
                f"{entry.object_type}:{redact_text(entry.object_id)} ip={mask_ip(entry.ip_address)}"
            )
            if entry.reason:
                line += f" reason={redact_text(entry.reason)}"
            line += f" {redact_json(entry.summary)}"
            self.stdout.write(line)
        if not entries:
            self.stdout.write("（暂无审计记录）")
