"""The reminder jobs: the sweep command for cron, the database queue and worker of production,
and two sweeps racing on PostgreSQL — each event reaches each person once."""

from __future__ import annotations

import threading
import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection

from lianzheng.choices import CaseState
from lianzheng.models import Reminder
from tests.workflow_helpers import advance, new_case


def with_address(person):
    person.user.email = f"{person.user.username}@example.gov.cn"
    person.user.save()


@pytest.mark.django_db
def test_the_command_lists_with_dry_run_and_sends_without(cast, capsys):
    with_address(cast.principal)
    case = advance(cast, new_case(cast), CaseState.SUBMITTED)
    mail.outbox.clear()
    call_command("lianzheng_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert f"would remind user {cast.principal.user.pk}: consent_awaited" in out
    assert f"(case {case.pk}," in out and "1 to send" in out
    assert mail.outbox == [] and not Reminder.objects.exists()

    call_command("lianzheng_reminders")
    call_command("lianzheng_reminders")
    out = capsys.readouterr().out
    assert "1 enqueued" in out and "0 enqueued, 1 already sent" in out
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_sweep_is_a_task_too(cast):
    from lianzheng.tasks import sweep_reminders_task

    with_address(cast.principal)
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    mail.outbox.clear()
    result = sweep_reminders_task.enqueue()
    assert result.return_value == {
        "events": 1,
        "enqueued": 1,
        "already_sent": 0,
        "given_up": 0,
        "expired_packages": 0,
    }
    assert len(mail.outbox) == 1


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_production_queues_in_the_database_and_the_worker_sends_once(cast, settings, monkeypatch):
    """Two sweeps before the worker runs enqueue the same reminder twice; the worker sends it
    once and records the second as a duplicate."""
    from types import SimpleNamespace

    from django_tasks_db.models import DBTaskResult

    from lianzheng.services import workflow
    from lianzheng.tasks import sweep

    with_address(cast.principal)
    # The submission's own reminder is not queued (as when the queue failed at the step's
    # commit): the sweeps are what finds it.
    monkeypatch.setattr(workflow, "remind_case_task", SimpleNamespace(enqueue=lambda **kw: None))
    advance(cast, new_case(cast), CaseState.SUBMITTED)
    monkeypatch.undo()
    settings.TASKS = DATABASE_TASKS
    mail.outbox.clear()
    sweep()
    sweep()
    assert DBTaskResult.objects.count() == 2
    assert mail.outbox == [] and not Reminder.objects.exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    assert len(mail.outbox) == 1
    results = sorted(r.return_value for r in DBTaskResult.objects.all())
    assert results == ["duplicate", "sent"]
    assert Reminder.objects.sent().count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_send_each_reminder_once(cast, monkeypatch):
    """Both sweeps see nothing sent and both try to send; the second insert waits on the
    first transaction's unique row and then fails, so the second email is never sent."""
    from types import SimpleNamespace

    from lianzheng.services import workflow
    from lianzheng.tasks import sweep

    for person in (cast.principal, cast.clerk, cast.office_head):
        with_address(person)
    # The submissions' own reminders are not queued (as when the queue failed at the commit):
    # the racing sweeps are what find them.
    monkeypatch.setattr(workflow, "remind_case_task", SimpleNamespace(enqueue=lambda **kw: None))
    for subject in (cast.staff, cast.staff2):
        advance(cast, new_case(cast, subjects=[subject]), CaseState.SUBMITTED)
    monkeypatch.undo()
    mail.outbox.clear()

    original = EmailMessage.send

    def slow_send(self, fail_silently=False):
        time.sleep(0.3)  # the mail server takes its time while the row is uncommitted
        return original(self, fail_silently=fail_silently)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    from lianzheng import tasks

    outcomes = []
    send = tasks.reminder_send

    def recorded(**kwargs):
        outcomes.append(send(**kwargs))
        return outcomes[-1]

    monkeypatch.setattr(tasks, "reminder_send", recorded)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            sweep()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == [
        "principal@example.gov.cn",
        "principal@example.gov.cn",
    ]
    assert Reminder.objects.sent().count() == 2
    assert Reminder.objects.count() == 2
    # The race really happened: the losing sends reached the database and were refused there.
    assert sorted(outcomes) == ["duplicate", "duplicate", "sent", "sent"]


# -- reminders when the step happens (issue 18, item 2) ----------------------------------------


def zh(label) -> str:
    from django.utils.translation import override

    with override("zh-hans"):
        return str(label)


@pytest.mark.django_db
def test_submitting_a_case_reminds_the_principal_at_once_and_the_sweep_not_again(
    cast, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from lianzheng.choices import ReminderKind
    from lianzheng.services.workflow import case_transition

    with_address(cast.principal)
    case = new_case(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, transition="submit", user=cast.clerk.user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [cast.principal.user.email]
    case.refresh_from_db()
    assert "案件待您审批" in mail.outbox[0].subject and case.number in mail.outbox[0].subject
    client.force_login(cast.principal.user)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "我的提醒（1）" in page
    assert zh(ReminderKind.CONSENT_AWAITED.label) in page and case.number in page

    call_command("lianzheng_reminders")
    assert len(mail.outbox) == 1
    assert Reminder.objects.sent().filter(case=case).count() == 1
    assert "我的提醒（1）" in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.django_db
def test_a_notice_due_today_is_on_the_offices_dashboard_before_any_sweep(cast, client):
    """Due today (the last working day R6.3 leaves) and no sweep has run: the office's
    「我的提醒」 shows it, computed on read; the sweep then sends it and the row is the sent one."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from lianzheng.choices import ReminderKind
    from lianzheng.rules.table import NOTICE
    from lianzheng.selectors.calendar import load_calendar

    case = advance(cast, new_case(cast), CaseState.APPROVED)
    calendar = load_calendar()
    today = timezone.localdate()
    # The latest talk day whose notice is due by today (on a day off: due since the last
    # working day).
    talk_day = calendar.add_working_days(today, NOTICE.working_days + 1)
    while NOTICE.last_day(calendar, talk_day) > today:
        talk_day -= timedelta(days=1)
    assert talk_day > today
    type(case).objects.filter(pk=case.pk).update(
        scheduled_at=timezone.make_aware(
            timezone.datetime.combine(talk_day, timezone.datetime.min.time()).replace(hour=9)
        )
    )
    assert not Reminder.objects.exists()
    client.force_login(cast.clerk.user)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-due="notice-due:' in page
    assert "已到期，正在发送" in page
    assert zh(ReminderKind.NOTICE_DUE.label) in page

    call_command("lianzheng_reminders")
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-due="notice-due:' not in page
    assert Reminder.objects.sent().filter(case=case, kind=ReminderKind.NOTICE_DUE).exists()
