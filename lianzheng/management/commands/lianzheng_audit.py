"""``manage.py lianzheng_audit verify|head|files|grants``: check the hash chain (and the
append-only records against their history rows), print its head, check the stored documents and
evidence against their SHA-256 and their chained history (after restoring a backup), or print or
apply the production database grants that keep history and the logs append-only."""

import os
from functools import partial

from django.core.management.base import BaseCommand, CommandError

from lianzheng.audit import guards, verification
from lianzheng.models import ChainHead
from lianzheng.services.audit import record_verification
from lianzheng.services.documents import stored_file_problems


class Command(BaseCommand):
    help = "Verify the history hash chain, print its head, or print production grants."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the chain and name the first broken link")
        verify.add_argument("--range", help="FIRST:LAST sequence numbers to check")
        verify.add_argument(
            "--since-head",
            help="SEQ:HASH of a head kept outside the system; checks nothing before it changed",
        )
        verify.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes checking ranges of the chain side by side (default: one per CPU)",
        )
        verify.add_argument(
            "--reference",
            action="store_true",
            help="check by the definition alone (the ORM and the canonical serialisation; "
            "several times slower, same verdicts)",
        )
        sub.add_parser("head", help="print the current head (sequence and hash)")
        sub.add_parser(
            "files", help="check every stored document and evidence file against its SHA-256"
        )
        grants = sub.add_parser(
            "grants",
            help="print (or, with --apply, run) the PostgreSQL grants that leave the "
            "application's role able only to read and append to history and the logs",
        )
        grants.add_argument("--app-role", default="lianzheng_app")
        grants.add_argument("--owner-role", default="lianzheng_owner")
        grants.add_argument(
            "--apply",
            action="store_true",
            help="run the GRANT/REVOKE statements for --app-role in this database (connect as "
            "the tables' owner; the role must exist)",
        )

    def handle(self, *args, action, **options):
        if action == "head":
            head = ChainHead.current()
            self.stdout.write(f"{head.seq}:{head.hash}")
            return
        if action == "files":
            self.check_files()
            return
        if action == "grants":
            try:
                if options["apply"]:
                    ran = guards.apply_grants(options["app_role"])
                    self.stdout.write(self.style.SUCCESS(f"OK: {len(ran)} statements applied"))
                else:
                    self.stdout.write(
                        guards.production_grants_sql(options["app_role"], options["owner_role"])
                    )
            except guards.GrantsRefused as exc:
                raise CommandError(str(exc)) from exc
            return
        if options["reference"]:
            check = verification.verify_reference
        else:
            check = partial(verification.verify, workers=max(1, options["workers"]))
        if options.get("since_head"):
            seq, _, digest = options["since_head"].partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError("--since-head takes SEQ:HASH, as printed by 'head'")
            verdict = verification.verify_since_head(int(seq), digest, check=check)
        elif options.get("range"):
            first, _, last = options["range"].partition(":")
            if not (first.isdigit() and last.isdigit()):
                raise CommandError("--range takes FIRST:LAST sequence numbers")
            verdict = check(int(first), int(last))
        else:
            verdict = check()

        record_verification(verdict, user=None)
        if verdict.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {verdict.checked} rows checked; head {verdict.last_seq or 0}:"
                    f"{verdict.head_hash}"
                )
            )
            return
        broken = verdict.broken
        raise CommandError(
            f"BROKEN at sequence {broken.seq}: {broken.table} history_id={broken.history_id}: "
            f"{broken.reason} ({verdict.checked} rows before it hold)"
        )

    def check_files(self):
        checked, problems = stored_file_problems()
        for p in problems:
            self.stderr.write(f"{p.problem.upper()}: {p.what}" + (f": {p.name}" if p.name else ""))
        if problems:
            raise CommandError(
                f"{len(problems)} problems with {checked} recorded files: missing, altered, "
                "or not as their history in the chain records them"
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} recorded files match their SHA-256"))
