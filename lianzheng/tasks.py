"""Background jobs (django-tasks, as Wagtail uses them): the reminder sweep and one send per
event and recipient, the daily signed checkpoint of the audit chain, and the long generations
asked for in the admin (integrity files, evidence packages; services.jobs asks, services.job_runs
makes).

Tests run them at once (ImmediateBackend); development and production queue them in the
database and ``manage.py db_worker`` runs them (``make run`` starts one, see README). A step
taken (lianzheng.services.workflow.case_transition) enqueues ``remind_case_task`` for its case
when it commits, so what the step makes due — the principal's consent after a submission — is
sent at once. The sweep, started by cron or a systemd timer through ``manage.py
lianzheng_reminders``, is for what only time makes due (a notice's last day, a talk tomorrow, a
rectification deadline); it may run as often as one likes, since the reminder log keeps every
event from being sent twice, whichever found it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from lianzheng.audit.checkpoints import ChainBroken, KeyMissing
from lianzheng.models import TalkCase
from lianzheng.selectors.calendar import load_calendar
from lianzheng.selectors.reminders import (
    MAX_ATTEMPTS,
    ReminderEvent,
    case_events,
    due_events,
    event_still_due,
    failed_attempts,
    recipients,
    sent_pairs,
)
from lianzheng.services.checkpoints import checkpoint_make
from lianzheng.services.job_runs import job_run, jobs_expire
from lianzheng.services.reminders import reminder_send


@dataclass
class SweepReport:
    events: list[ReminderEvent] = field(default_factory=list)
    enqueued: list[tuple[ReminderEvent, int]] = field(default_factory=list)
    already_sent: int = 0
    given_up: int = 0

    def as_dict(self) -> dict:
        return {
            "events": len(self.events),
            "enqueued": len(self.enqueued),
            "already_sent": self.already_sent,
            "given_up": self.given_up,
        }


def sweep(*, now=None, dry_run: bool = False, case_id: int | None = None) -> SweepReport:
    """Find the due events (of every case, or of ``case_id`` alone) and enqueue one send per
    (event, recipient) not yet reminded."""
    now = now or timezone.now()
    if case_id is None:
        events = due_events(now=now)
    else:
        case = TalkCase.objects.filter(pk=case_id).first()
        events = case_events(case, calendar=load_calendar(), now=now) if case else []
    report = SweepReport(events=events)
    done = sent_pairs(report.events)
    for event in report.events:
        for user in recipients(event):
            if (event.case_id, event.kind, event.key, user.pk) in done:
                report.already_sent += 1
                continue
            if failed_attempts(event, user.pk) >= MAX_ATTEMPTS:
                report.given_up += 1
                continue
            report.enqueued.append((event, user.pk))
            if not dry_run:
                send_reminder_task.enqueue(event=event.as_payload(), user_id=user.pk)
    return report


@task()
def generation_task(*, job_id: int) -> str:
    """A long generation asked for in the admin (services.jobs): an integrity file, a package."""
    return job_run(job_id)


@task()
def sweep_reminders_task() -> dict:
    """The sweep as a task, for schedulers that enqueue rather than run commands; like the
    command, it also removes the packages kept their day."""
    return {**sweep().as_dict(), "expired_packages": jobs_expire()}


@task()
def remind_case_task(*, case_id: int) -> dict:
    """The sweep of one case, enqueued when a step on it commits."""
    return sweep(case_id=case_id).as_dict()


@task()
def send_reminder_task(*, event: dict, user_id: int) -> str:
    reminder = ReminderEvent.from_payload(event)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "no such user"
    if not event_still_due(reminder):
        return "no longer due"
    return reminder_send(event=reminder, user=user)


@task()
def checkpoint_task() -> str:
    """The daily signed checkpoint (README, "Signed checkpoints"): the rows since the last one
    are verified, the chain signed, the witnesses sent its JSON. A broken chain or a missing
    key is reported in the task's result and nothing is signed."""
    try:
        result = checkpoint_make(user=None)
    except (ChainBroken, KeyMissing) as exc:
        return f"not made: {exc}"
    made = result.checkpoint
    sent = (
        f"sent to {len(result.sent_to)} witnesses"
        if result.sent_to
        else f"not sent: {result.send_error or 'no witness address'}"
    )
    return f"checkpoint #{made.pk}: {made.tree_size} rows, root {made.root}; {sent}"
