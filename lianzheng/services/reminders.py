"""Sending one reminder to one person, at most once.

``reminder_send`` inserts the log row first, then sends, in one transaction: the row's unique
constraint (``lianzheng_reminder_once``) is what keeps a second sweep or a racing worker from
sending again, because a concurrent insert of the same row waits for the first transaction and
then fails. The row's history (its link in the hash chain) is written after the email, so the
chain's lock is held for an instant, not for the time an SMTP server takes to answer. A failed
send rolls everything back and leaves a row of its own saying why; the next sweep tries again.

The email is bilingual (Chinese first, then English) and says only what its reader may know:
no purpose, problems, notice content or anything of 第七条（四）. Staff get a link to the case;
a subject, who cannot open cases, does not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from lianzheng.choices import ReminderChannel, ReminderKind, ReminderState
from lianzheng.dates import written
from lianzheng.documents.ics import notice_ics
from lianzheng.history import user_display
from lianzheng.models import Notice, Reminder, TalkCase
from lianzheng.permissions import user_can_view_cases
from lianzheng.refusals import chinese
from lianzheng.selectors.reminders import (
    ReminderEvent,
    near_days,
    notice_ics_filename,
)

logger = logging.getLogger(__name__)

SENT = "sent"
DUPLICATE = "duplicate"
FAILED = "failed"

SUBJECT_PREFIX = "【廉政约谈提醒】"
SUBJECT_PREFIX_EN = "[Integrity talk reminder] "


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    attachment: tuple[str, str, str] | None = None


def _local(value) -> str:
    return written(value, "weekday_moment")


def case_link(case: TalkCase) -> str:
    path = reverse("wagtailsnippets_lianzheng_talkcase:inspect", args=[case.pk])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person is not None else user_display(user)


def reader_language(user) -> str:
    """The language ``user`` reads the admin in (his account's choice; Chinese by default)."""
    from wagtail.users.models import UserProfile

    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    return UserProfile.get_for_user(user).get_preferred_language() or settings.LANGUAGE_CODE


def reminder_message(event: ReminderEvent, user) -> Message:
    """The subject and body of the email for ``event`` to ``user``, in his language alone
    (#17): dates, titles and text all Chinese, or all English."""
    with translation.override(reader_language(user)):
        return _reminder_message(event, user)


def _reminder_message(event: ReminderEvent, user) -> Message:
    case = TalkCase.objects.get(pk=event.case_id)
    staff = user_can_view_cases(user)
    number = str(case)
    attachment = None
    if event.kind == ReminderKind.CONSENT_AWAITED:
        title = f"案件待您审批 / Case awaiting your consent — {number}"
        zh = (
            f"{number}（{case.get_talk_type_display()}）已于{_local(event.at)}提交，"
            "须经主要负责人同意后方可办理（第六条（一））。"
        )
        en = (
            f"{number} was submitted on {_local(event.at)} and proceeds only after the "
            "principal head's consent (Article 6(1))."
        )
    elif event.kind == ReminderKind.NOTICE_DUE:
        late = event.due_on < timezone.localdate()
        title = f"书面通知今日到期 / Written notice due — {number}"
        zh = (
            f"{number}的约谈定于{_local(event.at)}。书面通知最迟须于{written(event.due_on)}发出，"
            "方能保证至少提前3个工作日通知约谈对象（第六条（三））。"
        )
        en = (
            f"The talk of {number} is set for {_local(event.at)}. The written notice must go out "
            f"by {written(event.due_on)} to reach the subject at least three working days "
            "ahead (Article 6(3))."
        )
        if late:
            zh += "该期限已过：如仍按原定时间约谈，须写明理由并经主要负责人批准。"
            en += (
                " That day has passed: keeping the talk at this time needs a written reason "
                "and the principal head's approval."
            )
    elif event.kind == ReminderKind.TALK_TOMORROW:
        notice = Notice.objects.select_related("case").get(pk=event.notice_id)
        day = written(notice.scheduled_at, "weekday")
        title = f"约谈将于{day}举行 / Talk on {day} — {number}"
        zh = (
            f"廉政约谈（{number}）定于{_local(notice.scheduled_at)}在{notice.place}举行，"
            "请按时参加；如需延期，须事先提出书面申请（第八条（一））。附件为日历文件。"
        )
        en = (
            f"The integrity talk ({number}) is at {_local(notice.scheduled_at)}, "
            f"{notice.place}. Please attend at the set time; a postponement needs a written "
            "application in advance (Article 8(1)). The calendar file is attached."
        )
        attachment = (notice_ics_filename(notice), notice_ics(notice), "text/calendar")
    else:
        item = case.rectification_items.get(pk=event.item_id)
        if event.kind == ReminderKind.RECTIFICATION_NEAR:
            title = f"整改期限临近 / Rectification deadline near — {number}"
            zh = (
                f"{number}的整改事项（责任人：{item.responsible}）期限为{written(item.deadline)}，"
                f"距期限已不足{near_days()}个工作日（第九条）。"
            )
            en = (
                f"A rectification item of {number} (responsible: {item.responsible}) is due on "
                f"{written(item.deadline)}, within {near_days()} working days (Article 9)."
            )
        else:
            title = f"整改已逾期 / Rectification overdue — {number}"
            zh = (
                f"{number}的整改事项（责任人：{item.responsible}）已于{written(item.deadline)}"
                "到期，尚未经办公室核实完成（第九条）；逾期或整改不到位的，可依第十条移送追责。"
            )
            en = (
                f"A rectification item of {number} (responsible: {item.responsible}) was due "
                f"on {written(item.deadline)} and is not verified done by the office "
                "(Article 9); overdue or inadequate rectification can be escalated "
                "(Article 10)."
            )
    if staff:
        zh += f"\n\n案件页面：{case_link(case)}"
        en += f"\n\nCase page: {case_link(case)}"
    else:
        zh += "\n\n如有疑问，请与局办公室联系。"
        en += "\n\nPlease contact the bureau's office with any question."
    title_zh, title_en = title.split(" / ", 1)  # "中文 / English — number"
    if chinese():
        title = f"{title_zh} — {number}"
        body = (
            f"{_name(user)}：\n\n{zh}\n\n"
            "本提醒亦显示在系统首页“我的提醒”中，同一事项只提醒一次。"
            "此邮件由系统自动发送，请勿回复。\n"
        )
    else:
        title = title_en
        body = (
            f"{_name(user)}:\n\n{en}\n\n"
            "This reminder is also on the dashboard under “My reminders”; each event is sent "
            "only once. This message was sent automatically; please do not reply.\n"
        )
    prefix = SUBJECT_PREFIX if chinese() else SUBJECT_PREFIX_EN
    return Message(subject=prefix + title, body=body, attachment=attachment)


def _email(message: Message, address: str) -> EmailMessage:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    if message.attachment:
        email.attach(*message.attachment)
    return email


def reminder_send(*, event: ReminderEvent, user, now=None) -> str:
    """Remind ``user`` of ``event``, by email if he has an address and on his dashboard.

    Returns ``SENT``, ``DUPLICATE`` (already sent, by this or another worker) or ``FAILED``.
    """
    now = now or timezone.now()
    address = (user.email or "").strip()
    row = Reminder(
        case_id=event.case_id,
        kind=event.kind,
        event_key=event.key,
        event_on=event.event_on,
        recipient_user_id=user.pk,
        recipient_name=_name(user)[:200],
        recipient_address=address,
        channel=ReminderChannel.EMAIL if address else ReminderChannel.DASHBOARD,
        state=ReminderState.SENT,
        sent_at=now,
    )
    try:
        with transaction.atomic():
            # Without history for now: the history row takes the chain's lock, and that must
            # not wait on the mail server.
            row.save_without_historical_record()
            if address:
                _email(reminder_message(event, user), address).send(fail_silently=False)
            Reminder.history.bulk_history_create([row], default_date=now)
    except IntegrityError:
        return DUPLICATE
    except Exception as exc:  # the mail server's many ways to fail
        logger.warning("reminder %s %s to user %s failed: %s", event.kind, event.key, user.pk, exc)
        failed = Reminder(
            case_id=event.case_id,
            kind=event.kind,
            event_key=event.key,
            event_on=event.event_on,
            recipient_user_id=user.pk,
            recipient_name=_name(user)[:200],
            recipient_address=address,
            channel=ReminderChannel.EMAIL,
            state=ReminderState.FAILED,
            sent_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        failed.save()
        return FAILED
    return SENT
