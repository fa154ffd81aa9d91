"""Sending a reminder: once per event and person, by email (captured here) and on the dashboard,
bilingual, and with nothing confidential in it."""

from __future__ import annotations

import smtplib
from datetime import datetime, time

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from lianzheng.choices import CaseState, ReminderChannel, ReminderKind, ReminderState
from lianzheng.dates import zh_day
from lianzheng.models import ConfidentialReport, Reminder, ReminderImmutable, TalkCase
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.reminders import (
    MAX_ATTEMPTS,
    due_events,
    working_day_after,
)
from lianzheng.services.reminders import DUPLICATE, FAILED, SENT, reminder_send
from lianzheng.tasks import send_reminder_task, sweep
from tests.factories import UserFactory
from tests.workflow_helpers import advance, new_case

pytestmark = pytest.mark.django_db

SECRETS = ("举报人张某", "13800000000", "反映其收受礼金", "工作推诿拖延", "端正思想认识")


@pytest.fixture
def mailed(cast):
    """The cast with email addresses, and the subject with a login and an address."""
    for person in (
        cast.principal,
        cast.clerk,
        cast.office_head,
        cast.deputy_discipline,
        cast.discipline,
    ):
        person.user.email = f"{person.user.username}@example.gov.cn"
        person.user.save()
    cast.staff.user = UserFactory(username="staff", email="staff@example.gov.cn")
    cast.staff.save()
    return cast


def with_secrets(cast, case: TalkCase) -> TalkCase:
    ConfidentialReport.objects.create(
        case=case, whistleblower="举报人张某", contact="13800000000", material="反映其收受礼金"
    )
    return case


def talk_on_next_working_day(case: TalkCase) -> TalkCase:
    day = working_day_after(load_calendar(), timezone.localdate())
    when = timezone.make_aware(datetime.combine(day, time(10)))
    TalkCase.objects.filter(pk=case.pk).update(scheduled_at=when)
    for notice in case.notices.filter(superseded=False):
        notice.scheduled_at = when
        notice.save()
    return TalkCase.objects.get(pk=case.pk)


def outbox(kind_word: str = "") -> list:
    return [m for m in mail.outbox if kind_word in m.subject]


class TestOnce:
    def test_running_the_sweep_twice_sends_one_email(self, mailed):
        case = advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        mail.outbox.clear()
        first = sweep()
        second = sweep()
        assert [m.to for m in mail.outbox] == [["principal@example.gov.cn"]]
        assert (len(first.enqueued), len(second.enqueued), second.already_sent) == (1, 0, 1)
        row = Reminder.objects.get()
        assert (row.case, row.kind, row.state, row.channel) == (
            case,
            ReminderKind.CONSENT_AWAITED,
            ReminderState.SENT,
            ReminderChannel.EMAIL,
        )
        assert row.recipient_address == "principal@example.gov.cn"
        assert row.recipient_name == "王局长"

    def test_a_racing_worker_finds_the_row_and_sends_nothing(self, mailed):
        """Two send tasks for the same event and person (two sweeps before the worker ran):
        the second insert fails on the unique constraint, before any email."""
        advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        (event,) = due_events()
        mail.outbox.clear()
        user = mailed.principal.user
        assert reminder_send(event=event, user=user) == SENT
        assert reminder_send(event=event, user=user) == DUPLICATE
        assert len(mail.outbox) == 1
        assert Reminder.objects.count() == 1

    def test_the_sent_row_is_append_only_and_has_its_history(self, mailed):
        from django.db import IntegrityError, transaction

        advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        sweep()
        row = Reminder.objects.get()
        assert row.history.count() == 1
        assert row.history.get().chain_hash
        from lianzheng.audit import verification

        assert verification.verify().ok
        with pytest.raises(ReminderImmutable):
            row.save()
        with pytest.raises(ReminderImmutable):
            Reminder.objects.update(state=ReminderState.FAILED)
        with pytest.raises(ReminderImmutable):
            row.delete()
        with pytest.raises(IntegrityError if connection.vendor == "sqlite" else Exception):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE lianzheng_reminder SET state = 'failed'")
        assert Reminder.objects.get().state == ReminderState.SENT

    def test_a_send_for_an_event_no_longer_due_does_nothing(self, mailed):
        case = advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        (event,) = due_events()
        advance(mailed, case, CaseState.APPROVED)
        mail.outbox.clear()
        result = send_reminder_task.enqueue(
            event=event.as_payload(), user_id=mailed.principal.user.pk
        )
        assert result.return_value == "no longer due"
        assert mail.outbox == [] and not Reminder.objects.exists()


class TestFailures:
    def test_a_failed_email_is_logged_and_tried_again_by_the_next_sweep(self, mailed, monkeypatch):
        advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        original = EmailMessage.send

        def refuse(self, fail_silently=False):
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

        monkeypatch.setattr(EmailMessage, "send", refuse)
        sweep()
        (failed,) = Reminder.objects.all()
        assert failed.state == ReminderState.FAILED
        assert "SMTPServerDisconnected" in failed.error
        assert not Reminder.objects.sent().exists()

        monkeypatch.setattr(EmailMessage, "send", original)
        mail.outbox.clear()
        sweep()
        assert len(mail.outbox) == 1
        assert Reminder.objects.sent().count() == 1

    def test_after_repeated_failures_the_sweep_gives_up(self, mailed, monkeypatch):
        advance(mailed, new_case(mailed), CaseState.SUBMITTED)
        monkeypatch.setattr(EmailMessage, "send", lambda self, fail_silently=False: 1 / 0)
        for _ in range(MAX_ATTEMPTS + 2):
            report = sweep()
        assert Reminder.objects.filter(state=ReminderState.FAILED).count() == MAX_ATTEMPTS
        assert report.given_up == 1 and report.enqueued == []
        (event,) = due_events()
        assert reminder_send(event=event, user=mailed.principal.user) == FAILED

    def test_a_user_without_an_address_is_reminded_on_the_dashboard_only(self, cast):
        advance(cast, new_case(cast), CaseState.SUBMITTED)
        mail.outbox.clear()
        sweep()
        assert mail.outbox == []
        row = Reminder.objects.get()
        assert (row.state, row.channel, row.recipient_address) == (
            ReminderState.SENT,
            ReminderChannel.DASHBOARD,
            "",
        )


class TestEmails:
    def test_consent_awaited_goes_to_the_principal_with_a_link_and_no_secret(self, mailed):
        case = with_secrets(mailed, advance(mailed, new_case(mailed), CaseState.SUBMITTED))
        mail.outbox.clear()
        sweep()
        (message,) = mail.outbox
        assert message.to == ["principal@example.gov.cn"]
        # In the recipient's language alone (#17): his account's, Chinese by default.
        assert message.subject == f"【廉政约谈提醒】案件待您审批 — {case.number}"
        assert "第六条（一）" in message.body and "Article" not in message.body
        assert f"http://testserver/admin/snippets/lianzheng/talkcase/inspect/{case.pk}/" in (
            message.body
        )
        assert message.body.startswith("王局长：")
        for secret in SECRETS:
            assert secret not in message.body and secret not in message.subject

    def test_talk_tomorrow_goes_to_the_subject_and_interviewers_with_the_ics(self, mailed):
        case = advance(mailed, new_case(mailed), CaseState.NOTIFIED)
        case = with_secrets(mailed, talk_on_next_working_day(case))
        notice = case.notices.get(superseded=False)
        mail.outbox.clear()
        sweep()
        talk = outbox("约谈将于")
        assert sorted(m.to[0] for m in talk) == [
            "dd@example.gov.cn",
            "discipline@example.gov.cn",
            "office_head@example.gov.cn",
            "staff@example.gov.cn",
        ]
        subject_mail = next(m for m in talk if m.to == ["staff@example.gov.cn"])
        leader_mail = next(m for m in talk if m.to == ["dd@example.gov.cn"])
        # The subject cannot open the case, so he gets no link; the interviewer does.
        assert "/admin/" not in subject_mail.body
        assert "请与局办公室联系" in subject_mail.body
        assert f"/inspect/{case.pk}/" in leader_mail.body
        assert "局三楼会议室" in subject_mail.body and "第八条（一）" in subject_mail.body
        (filename, content, mimetype) = subject_mail.attachments[0]
        assert (filename, mimetype) == (f"talk-{case.pk}-{notice.pk}.ics", "text/calendar")
        assert f"UID:lianzheng-notice-{notice.pk}@testserver" in content
        assert content.endswith("\r\n")
        for m in talk:
            for secret in (*SECRETS, "请按时参加廉政约谈，就有关问题作出说明"):
                assert secret not in m.body and secret not in m.attachments[0][1]

    def test_a_subject_without_a_login_is_not_emailed(self, cast):
        cast.deputy_discipline.user.email = "dd@example.gov.cn"
        cast.deputy_discipline.user.save()
        case = talk_on_next_working_day(advance(cast, new_case(cast), CaseState.NOTIFIED))
        mail.outbox.clear()
        sweep()
        assert [m.to for m in outbox("约谈将于")] == [["dd@example.gov.cn"]]
        names = set(Reminder.objects.filter(case=case).values_list("recipient_name", flat=True))
        assert "冯科员" not in names

    def test_notice_due_goes_to_the_office(self, mailed):
        from tests.workflow_helpers import talk_time

        case = advance(mailed, new_case(mailed), CaseState.APPROVED)
        TalkCase.objects.filter(pk=case.pk).update(scheduled_at=talk_time(3))
        mail.outbox.clear()
        sweep()
        notice_mail = outbox("书面通知")
        assert sorted(m.to[0] for m in notice_mail) == [
            "clerk@example.gov.cn",
            "office_head@example.gov.cn",
        ]
        assert "第六条（三）" in notice_mail[0].body and "Article" not in notice_mail[0].body

    def test_overdue_goes_to_the_office_and_the_responsible_subject(self, mailed):
        from lianzheng.models import RectificationItem

        case = advance(mailed, new_case(mailed), CaseState.RECTIFYING)
        calendar = load_calendar()
        # Two working days back, so the first working day after it is already today or past.
        deadline = calendar.subtract_working_days(timezone.localdate(), 2)
        RectificationItem.objects.filter(case=case).update(deadline=deadline)
        assert deadline < timezone.localdate()
        mail.outbox.clear()
        sweep()
        overdue = outbox("整改已逾期")
        assert sorted(m.to[0] for m in overdue) == [
            "clerk@example.gov.cn",
            "office_head@example.gov.cn",
            "staff@example.gov.cn",
        ]
        assert zh_day(deadline) in overdue[0].body
        assert "第十条" in overdue[0].body
        for m in overdue:
            assert "建立办事台账" not in m.body  # what is to be put right stays in the case
