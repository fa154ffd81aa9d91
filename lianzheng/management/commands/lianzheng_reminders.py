"""``manage.py lianzheng_reminders [--dry-run]``: the reminder sweep, for cron or a systemd timer.

Finds the events due now and enqueues one send per event and recipient; in production the
database worker (``manage.py db_worker``) sends them. Safe to run as often as wanted: an event
already sent to a person is never sent to him again. It also removes the evidence packages made
in the background that were kept their day (services.job_runs.jobs_expire).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from lianzheng.services.job_runs import jobs_expire
from lianzheng.tasks import sweep


class Command(BaseCommand):
    help = "Find due reminders (consent, notice, talk, rectification) and enqueue them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list the due events and their recipients without enqueuing anything",
        )

    def handle(self, *args, dry_run=False, **options):
        report = sweep(dry_run=dry_run)
        expired = 0 if dry_run else jobs_expire()
        for event, user_id in report.enqueued:
            self.stdout.write(
                f"{'would remind' if dry_run else 'enqueued'} user {user_id}: "
                f"{event.kind} {event.key} (case {event.case_id}, due {event.due_on})"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{timezone.localtime():%Y-%m-%d %H:%M}: {len(report.events)} due events, "
                f"{len(report.enqueued)} {'to send' if dry_run else 'enqueued'}, "
                f"{report.already_sent} already sent, {report.given_up} given up after "
                f"repeated failures; {expired} expired packages removed."
            )
        )
