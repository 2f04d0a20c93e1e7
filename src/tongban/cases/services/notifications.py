"""Telling the applicant: a site message (站内信) in the same transaction as the change, then SMS
and email after commit through pluggable backends.

- SMS goes through the identity SMS backend (TONGBAN_SMS_BACKEND: console / file / memory /
  dotted path; see identity/sms.py), so one gateway serves sign-in codes and case messages.
- Email goes through Django's EMAIL_BACKEND (console in development) when
  TONGBAN_CASES_EMAIL_FROM is set; otherwise the email channel is skipped.
- TONGBAN_CASES_NOTIFY_CHANNELS (default ["sms", "email"]) chooses the channels.

A misconfigured backend never undoes the case change: the dispatch row records the failure with
the configuration error ("failed", error text) and the log says what to fix;
`notifications_check_configuration()` (the `cases check` command) raises it up front."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.models import Case, Notification, NotificationDispatch
from tongban.cases.models.notifications import DispatchChannel, DispatchStatus
from tongban.core.errors import NotFound

logger = logging.getLogger("tongban.cases.notifications")


def channels() -> list[str]:
    return list(getattr(settings, "TONGBAN_CASES_NOTIFY_CHANNELS", ["sms", "email"]))


def notify_applicant(*, case: Case, kind: str, title: str, body: str) -> Notification:
    """Create the site message for the applicant and queue SMS/email after commit."""
    recipient = case.applicant
    note = Notification.objects.create(
        recipient=recipient, case=case, kind=kind, title=title, body=body
    )
    wanted = channels()
    rows = []
    if "sms" in wanted:
        rows.append(
            NotificationDispatch(
                notification=note,
                channel=DispatchChannel.SMS,
                status=DispatchStatus.PENDING
                if (case.contact_phone or getattr(recipient, "phone", ""))
                else DispatchStatus.SKIPPED,
            )
        )
    if "email" in wanted:
        rows.append(
            NotificationDispatch(
                notification=note,
                channel=DispatchChannel.EMAIL,
                status=DispatchStatus.PENDING
                if getattr(recipient, "email", "") and _email_from()
                else DispatchStatus.SKIPPED,
            )
        )
    NotificationDispatch.objects.bulk_create(rows)
    if any(r.status == DispatchStatus.PENDING for r in rows):
        transaction.on_commit(lambda: notification_dispatch(notification_id=note.pk))
    return note


def _email_from() -> str:
    return str(getattr(settings, "TONGBAN_CASES_EMAIL_FROM", "") or "")


def _sms_text(note: Notification) -> str:
    platform = getattr(settings, "TONGBAN_PLATFORM_NAME", "")
    return f"【{platform}】{note.title}：{note.body}"[:300]


def notification_dispatch(*, notification_id: int) -> list[NotificationDispatch]:
    """Send the pending channels of one message (after commit, or from the retry task)."""
    from tongban.identity.sms import get_sms_sender

    note = (
        Notification.objects.select_related("recipient", "case").filter(pk=notification_id).first()
    )
    if note is None:
        return []
    done = []
    for row in NotificationDispatch.objects.filter(
        notification=note,
        status__in=[DispatchStatus.PENDING, DispatchStatus.FAILED],
        attempts__lt=5,
    ):
        row.attempts += 1
        try:
            if row.channel == DispatchChannel.SMS:
                phone = (note.case.contact_phone if note.case else "") or note.recipient.phone
                get_sms_sender().send(phone, _sms_text(note))
            else:
                send_mail(
                    note.title,
                    note.body,
                    _email_from(),
                    [note.recipient.email],
                    fail_silently=False,
                )
            row.status = DispatchStatus.SENT
            row.sent_at = timezone.now()
            row.error = ""
        except ImproperlyConfigured as exc:
            row.status = DispatchStatus.FAILED
            row.error = str(exc)[:500]
            logger.error(
                "cases.notify.misconfigured", extra={"channel": row.channel, "error": str(exc)}
            )
        except Exception as exc:
            row.status = DispatchStatus.FAILED
            row.error = f"{type(exc).__name__}: {exc}"[:500]
            logger.warning("cases.notify.failed", extra={"channel": row.channel})
        row.save(update_fields=["status", "attempts", "error", "sent_at"])
        done.append(row)
    return done


def notifications_retry_failed(*, limit: int = 500) -> int:
    """Periodic: try again the channels that failed (up to five attempts each)."""
    ids = list(
        NotificationDispatch.objects.filter(
            status__in=[DispatchStatus.PENDING, DispatchStatus.FAILED], attempts__lt=5
        )
        .values_list("notification_id", flat=True)
        .distinct()[:limit]
    )
    for pk in ids:
        notification_dispatch(notification_id=pk)
    return len(ids)


def notifications_check_configuration() -> None:
    """Raise ImproperlyConfigured when a configured channel cannot work."""
    from tongban.identity.sms import get_sms_sender

    if "sms" in channels():
        get_sms_sender()
    if "email" in channels() and _email_from() and not getattr(settings, "EMAIL_BACKEND", ""):
        raise ImproperlyConfigured(
            "TONGBAN_CASES_EMAIL_FROM is set but EMAIL_BACKEND is empty; set EMAIL_BACKEND "
            "(e.g. django.core.mail.backends.smtp.EmailBackend) or unset TONGBAN_CASES_EMAIL_FROM."
        )


@transaction.atomic
def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    note = Notification.objects.filter(
        pk=notification_id, recipient_id=getattr(actor, "pk", None)
    ).first()
    if note is None:
        raise NotFound()
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at", "updated_at"])
    return note


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(
        recipient_id=getattr(actor, "pk", None), read_at__isnull=True
    ).update(read_at=timezone.now())


# Titles used by the lifecycle services, in one place so wording stays consistent.
def title_for(kind: str) -> str:
    return {
        "submitted": _("申请已提交"),
        "accepted": _("申请已受理"),
        "not_accepted": _("申请不予受理"),
        "correction": _("请补正材料"),
        "approved": _("审批通过"),
        "denied": _("不予许可决定"),
        "completed": _("办件已办结"),
        "delivered": _("办理结果已送达"),
        "withdrawn": _("申请已撤回"),
        "suspended": _("办件进入特别程序"),
        "resumed": _("特别程序已结束"),
        "extended": _("办理期限延长"),
        "tolerated": _("容缺材料待补齐"),
        "appointment": _("预约成功"),
    }.get(kind, _("办件消息"))
