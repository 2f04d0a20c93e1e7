import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from tongban.core.errors import DomainError
from tongban.sharing import bulk, selectors
from tongban.sharing.models import AppToken, BulkJob, ExchangeLog


class Command(BaseCommand):
    help = (
        "数据共享交换：sharing resources 列出资源目录；sharing bulk run JOB 在前台运行（或从断点继续）"
        "批量交换任务；sharing bulk list 列出任务；sharing bulk due 运行到期的周期任务（cron 每小时）；"
        "sharing tokens purge 清理过期令牌（cron 每日）；sharing usage 按资源统计调用量。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        res = sub.add_parser("resources", help="列出已发布的信息资源，或从 JSON 文件登记资源")
        res.add_argument("--q", default="")
        res.add_argument(
            "--import",
            dest="import_file",
            default="",
            help="登记资源：JSON 数组，每项含 code、name、provider（部门统一社会信用代码）、"
            "legal_basis、fields（[名称标识, 信息项名称, 数据类型, 敏感级别]）及其他目录属性",
        )
        res.add_argument("--as", dest="username", default="", help="以该数据专员身份登记")
        bulk_p = sub.add_parser("bulk", help="批量交换任务")
        bulk_sub = bulk_p.add_subparsers(dest="bulk_action", required=True)
        run = bulk_sub.add_parser("run", help="在前台运行或续传一个任务")
        run.add_argument("job", help="任务标识（UUID）")
        bulk_sub.add_parser("list", help="列出最近的任务")
        bulk_sub.add_parser("due", help="运行到期的周期任务")
        records = sub.add_parser("records", help="向资源装载数据（CSV 带表头，或 JSON Lines）")
        records.add_argument("records_action", choices=["load"])
        records.add_argument("resource", help="信息资源代码")
        records.add_argument("file")
        records.add_argument("--replace", action="store_true", help="先清空该资源的全部记录")
        records.add_argument("--as", dest="username", required=True, help="以该数据专员身份装载")
        tokens = sub.add_parser("tokens", help="访问令牌")
        tokens.add_argument("token_action", choices=["purge"])
        usage = sub.add_parser("usage", help="按资源统计调用量")
        usage.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "resources" and options["import_file"]:
            self._import_resources(options["import_file"], options["username"])
        elif action == "resources":
            for r in selectors.resource_catalog(q=options["q"]):
                self.stdout.write(
                    f"{r.code}\t{r.name}\t{r.provider.name}\t{r.get_share_type_display()}\t"
                    f"{r.get_open_type_display()}\t{len(r.fields.all())} 个信息项"
                )
        elif action == "bulk":
            self._bulk(options)
        elif action == "records":
            self._records(options)
        elif action == "tokens":
            deleted, _ = AppToken.objects.filter(expires_at__lt=timezone.now()).delete()
            self.stdout.write(f"已清理过期令牌 {deleted} 个。")
        else:
            self._usage(options["days"])

    def _bulk(self, options: dict[str, Any]) -> None:
        sub = options["bulk_action"]
        if sub == "list":
            for job in BulkJob.objects.select_related("resource", "consumer")[:50]:
                self.stdout.write(
                    f"{job.public_id}\t{job.resource.code}\t→ {job.consumer.name}\t{job.format}\t"
                    f"{job.get_status_display()}\t{job.rows_done}/{job.total_rows}"
                )
            return
        if sub == "due":
            jobs = bulk.due_scheduled_jobs()
            for job in jobs:
                bulk.bulk_job_rerun_system(job=job)
                self._run(str(job.public_id))
            self.stdout.write(f"已运行到期任务 {len(jobs)} 个。")
            return
        self._run(options["job"])

    def _run(self, job_id: str) -> None:
        started = time.monotonic()
        last = {"at": 0.0}

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last["at"] >= 1:
                last["at"] = now
                self.stdout.write(f"  已导出 {done}/{total} 行")

        try:
            job = bulk.bulk_job_run(job_id=job_id, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{job.get_status_display()}：{job.rows_done} 行，SM3 {job.checksum}，用时 {seconds:.1f} 秒"
            + (f"；错误：{job.error}" if job.error else "")
        )

    def _import_resources(self, file: str, username: str) -> None:
        import json
        from pathlib import Path

        from django.contrib.auth import get_user_model

        from tongban.core.models import Department
        from tongban.sharing import services
        from tongban.sharing.models import DataResource

        actor = get_user_model().objects.filter(username=username).first()
        if actor is None:
            raise CommandError("请用 --as 指定一位数据专员的用户名。")
        specs = json.loads(Path(file).read_text(encoding="utf-8"))
        created = 0
        for spec in specs:
            if DataResource.objects.filter(code=spec.get("code", "")).exists():
                continue
            spec = dict(spec)
            provider = Department.objects.filter(credit_code=spec.pop("provider", "")).first()
            if provider is None:
                raise CommandError(f"{spec.get('code')}：没有找到提供部门（统一社会信用代码）。")
            fields = [services.FieldSpec(*f) for f in spec.pop("fields", [])]
            try:
                services.resource_create(actor=actor, provider=provider, fields=fields, **spec)
            except DomainError as exc:
                problems = "；".join(f"{p.field}：{p.message}" for p in exc.fields)
                raise CommandError(f"{spec.get('code')}：{exc.message} {problems}") from exc
            created += 1
        self.stdout.write(f"已登记 {created} 个信息资源（已存在的跳过）。")

    def _records(self, options: dict[str, Any]) -> None:
        import csv
        import json
        from pathlib import Path

        from django.contrib.auth import get_user_model

        from tongban.sharing import services
        from tongban.sharing.models import DataResource

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        resource = DataResource.objects.filter(code=options["resource"]).first()
        actor = get_user_model().objects.filter(username=options["username"]).first()
        if resource is None or actor is None:
            raise CommandError("没有找到该资源或该用户。")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = (
                csv.DictReader(f)
                if path.suffix.lower() == ".csv"
                else (json.loads(line) for line in f if line.strip())
            )
            try:
                n = services.records_load(
                    actor=actor, resource=resource, rows=rows, replace=options["replace"]
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(f"已装载 {n} 条记录到 {resource.code} {resource.name}。")

    def _usage(self, days: int) -> None:
        since = timezone.now() - timedelta(days=days)
        stats = (
            ExchangeLog.objects.filter(occurred_at__gte=since, resource__isnull=False)
            .values("resource__code", "resource__name")
            .annotate(calls=Count("id"), records=Sum("records"), bytes=Sum("bytes"))
            .order_by("resource__code")
        )
        for s in stats:
            self.stdout.write(
                f"{s['resource__code']}\t{s['resource__name']}\t调用 {s['calls']}\t"
                f"记录 {s['records'] or 0}\t字节 {s['bytes'] or 0}"
            )
