"""``manage.py lianzheng_setup [--demo]``: install or bring up to date the add-on's profile."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lianzheng.roles import ROLES
from lianzheng.search.backend import index_incomplete
from lianzheng.services.setup import DemoNotAllowed, setup_all


class Command(BaseCommand):
    help = (
        "Create or update the role groups, units, site tree and regulation page; with --demo, "
        "demo logins. Safe to run any number of times."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also create demo logins")
        parser.add_argument(
            "--reset-demo-passwords",
            action="store_true",
            help="with --demo: give every demo login a new password and print it",
        )

    def handle(self, *args, demo=False, reset_demo_passwords=False, **options):
        try:
            report = setup_all(demo=demo, reset_demo_passwords=reset_demo_passwords)
        except DemoNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        # Saves keep the search index current; cases and pages from before the index (an
        # upgrade, a restored backup, rows loaded in bulk) are indexed here, once.
        if index_incomplete():
            self.stdout.write("Building the search index (manage.py update_index)…")
            call_command("update_index", verbosity=0, stdout=self.stdout)
        if report.created:
            self.stdout.write(f"Created: {len(report.created)} ({', '.join(report.created[:8])}…)")
        if report.updated:
            self.stdout.write(f"Updated: {', '.join(report.updated)}")
        if not report.created and not report.updated:
            self.stdout.write("Everything is already set up; nothing changed.")
        if report.demo_passwords:
            roles = {spec.demo_username: spec.group_name for spec in ROLES}
            self.stdout.write(
                self.style.WARNING(
                    "\nDemo logins (shown only now; --demo --reset-demo-passwords prints new ones):"
                )
            )
            for username, password in report.demo_passwords.items():
                role = roles.get(username, "超级管理员 superuser")
                self.stdout.write(f"  {username:<20} {password:<16} {role}")
            self.stdout.write("Sign in at http://127.0.0.1:8000/admin/\n")
