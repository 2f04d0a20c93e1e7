import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tongban.search import registry
from tongban.search.selectors import index_status, search
from tongban.search.services import index_rebuild

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "统一搜索：search rebuild 重建索引（显示进度），search status 查看索引状态，"
        "search query 词语 [--region 区划代码] 在命令行试搜。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="从各应用注册的文档提供者重建全部索引")
        sub.add_parser("status", help="索引中的文档数和词数")
        query = sub.add_parser("query", help="试搜，打印前10条结果")
        query.add_argument("text")
        query.add_argument("--region", default="")
        query.add_argument("--type", default="", help="只看某类结果，如 item、bundle")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rebuild":
            self._rebuild()
        elif action == "status":
            status = index_status()
            self.stdout.write(f"后端：{status['backend']}")
            for doc_type, n in sorted(status["documents"].items()):
                self.stdout.write(f"  {doc_type}: {n}")
            self.stdout.write(f"索引词：{status['terms']}")
        else:
            self._query(options["text"], options["region"], options["type"])

    def _rebuild(self) -> None:
        totals: dict[str, int] = {}
        for doc_type, provider in registry.providers().items():
            count = getattr(provider, "count", None)
            totals[doc_type] = count() if callable(count) else 0
        done: dict[str, int] = dict.fromkeys(totals, 0)
        last = {"at": 0.0}
        tty = sys.stderr.isatty()

        def progress(doc_type: str, n: int) -> None:
            done[doc_type] = done.get(doc_type, 0) + n
            now = time.monotonic()
            if now - last["at"] < (0.2 if tty else 2.0):
                return
            last["at"] = now
            self._bar(doc_type, done[doc_type], totals.get(doc_type, 0), tty)

        started = time.monotonic()
        report = index_rebuild(progress=progress)
        if tty:
            self.stderr.write("")
        seconds = time.monotonic() - started
        parts = "，".join(f"{k} {v}" for k, v in report.documents.items())
        rate = report.total / seconds if seconds else 0.0
        self.stdout.write(
            f"索引已重建：{report.total} 个文档（{parts}），{report.terms} 个索引词，"
            f"用时 {seconds:.1f} 秒，{rate:.0f} 个/秒。"
        )

    def _bar(self, doc_type: str, done: int, total: int, tty: bool) -> None:
        if total:
            share = min(1.0, done / total)
            filled = int(share * BAR_WIDTH)
            text = f"{doc_type:<8} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:6.1%} {done}/{total}"
        else:
            text = f"{doc_type:<8} {done}"
        if tty:
            self.stderr.write("\r" + text, ending="")
            self.stderr.flush()
        else:
            self.stderr.write(text)

    def _query(self, text: str, region: str, doc_type: str) -> None:
        started = time.perf_counter()
        page = search(q=text, region=region, types=[doc_type] if doc_type else [])
        ms = (time.perf_counter() - started) * 1000
        if page.plan.corrected:
            self.stdout.write(f"已按“{page.plan.corrected}”搜索")
        groups = ["|".join(" ".join(a) for a in g.alternatives) for g in page.plan.groups]
        self.stdout.write(f"分析：{' & '.join(groups)}")
        self.stdout.write(f"共 {page.total} 条，用时 {ms:.1f} 毫秒")
        for hit in page.hits:
            where = hit.doc.region_name or "通用"
            more = f"（另有{hit.others}地可办）" if hit.others else ""
            self.stdout.write(
                f"{hit.score:8.2f} [{hit.doc.doc_type}] {hit.doc.name} · {where}{more} {hit.doc.url}"
            )
        if page.suggestion:
            self.stdout.write(f"您是不是要找：{page.suggestion}")
