import os
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.catalog.excel import dataset_to_workbook, template
from tongban.catalog.exporter import catalog_export_dataset, catalog_export_json
from tongban.catalog.importer import (
    PHASE_READ,
    PHASE_VALIDATE,
    PHASE_WRITE,
    ImportRejected,
    catalog_import_file,
    default_import_actor,
    import_actor_by_username,
)
from tongban.core.errors import DomainError, NotFound

PHASE_LABELS = {PHASE_READ: "读取", PHASE_VALIDATE: "校验", PHASE_WRITE: "写入"}


class Command(BaseCommand):
    help = (
        "事项目录导入导出：catalog import FILE 导入（.json 或 .xlsx，全部成功或全部不写入），"
        "catalog export --format xlsx|json FILE 导出已发布事项，catalog template FILE 生成Excel模板。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入事项目录文件（.json 或 .xlsx）")
        imp.add_argument("file")
        imp.add_argument(
            "--draft", action="store_true", help="不直接发布：新版本提交为“待审核”，由他人审核"
        )
        imp.add_argument(
            "--as", dest="username", default="", help="以该用户身份导入（默认：第一位平台管理员）"
        )
        imp.add_argument(
            "--workers",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="校验办事指南的进程数（大文件时并行；默认为CPU核数，最多4）",
        )
        exp = sub.add_parser("export", help="导出已发布的事项目录")
        exp.add_argument("file")
        exp.add_argument("--format", choices=["xlsx", "json"], default="")
        exp.add_argument("--region", default="", help="只导出该区划（含下级）的事项")
        tpl = sub.add_parser("template", help="生成空白Excel导入模板（含填写说明和代码表）")
        tpl.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(
                Path(options["file"]),
                draft=options["draft"],
                username=options["username"],
                workers=options["workers"],
            )
        elif action == "export":
            self._export(Path(options["file"]), options["format"], options["region"])
        else:
            template(options["file"])
            self.stdout.write(f"已生成导入模板：{options['file']}")

    def _import(self, path: Path, *, draft: bool, username: str, workers: int) -> None:
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            actor = import_actor_by_username(username) if username else default_import_actor()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if actor is None:
            raise CommandError("系统中还没有平台管理员，请用 --as 指定导入人。")
        last = {"at": 0.0}

        def progress(done: int, total: int, phase: str) -> None:
            now = time.monotonic()
            if done != total and now - last["at"] < 1.0:
                return
            last["at"] = now
            label = PHASE_LABELS.get(phase, phase)
            self.stderr.write(f"{label} {done}/{total}" if total else f"{label} {done}")

        started = time.monotonic()
        try:
            report = catalog_import_file(
                actor=actor, path=path, publish=not draft, progress=progress, workers=workers
            )
        except ImportRejected as exc:
            for problem in exc.problems:
                self.stdout.write(problem.text())
            raise CommandError(
                f"导入未执行：共{len(exc.problems)}处问题，未写入任何数据。", returncode=1
            ) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.monotonic() - started
        rate = report.items_total / seconds if seconds else 0.0
        self.stdout.write(report.text())
        self.stdout.write(
            f"用时 {seconds:.1f} 秒（校验 {report.validate_seconds:.1f} 秒，"
            f"写入 {report.write_seconds:.1f} 秒），{rate:.0f} 项/秒；审计记录 {report.audit_entry_id}。"
        )

    def _export(self, path: Path, fmt: str, region: str) -> None:
        fmt = fmt or path.suffix.lower().lstrip(".")
        if fmt not in {"xlsx", "json"}:
            raise CommandError("请用 --format xlsx 或 --format json 指定导出格式。")
        started = time.monotonic()
        try:
            if fmt == "json":
                with path.open("w", encoding="utf-8") as out:
                    count = catalog_export_json(out, region=region or None)
            else:
                dataset = catalog_export_dataset(region=region or None)
                count = len(dataset["items"])
                dataset_to_workbook(dataset, path)
        except NotFound as exc:
            raise CommandError(f"区划代码不存在：{region}") from exc
        self.stdout.write(
            f"已导出 {count} 个已发布事项到 {path}，用时 {time.monotonic() - started:.1f} 秒。"
        )
