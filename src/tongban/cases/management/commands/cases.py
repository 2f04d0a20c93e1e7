from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "办件：cases sweep 视为受理与超期督办（每日运行），cases notify 重发失败的短信/邮件，"
        "cases check 检查消息通道配置。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sweep", help="五个工作日未告知补正的视为受理；超期环节向上级督办")
        sub.add_parser("notify", help="重发发送失败的短信和邮件")
        sub.add_parser("check", help="检查短信/邮件通道配置")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "sweep":
            from tongban.cases.services.supervision import (
                cases_deemed_accepted_sweep,
                cases_escalate_overdue,
            )

            deemed = cases_deemed_accepted_sweep()
            report = cases_escalate_overdue()
            self.stdout.write(
                f"视为受理 {deemed} 件；环节超期督办 {report.step_overdue} 件；"
                f"办件超期督办 {report.case_overdue} 件。"
            )
        elif action == "notify":
            from tongban.cases.services.notifications import notifications_retry_failed

            self.stdout.write(f"重发 {notifications_retry_failed()} 条消息。")
        else:
            from tongban.cases.services.notifications import notifications_check_configuration

            try:
                notifications_check_configuration()
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write("消息通道配置正常。")
