"""``manage.py lianzheng_audit verify|head|files|grants|keygen|checkpoint|consistency|package``:
check the hash chain (and the append-only records against their history rows; against the newest
signed checkpoint, or one kept outside), print its head, check the stored documents and evidence
against their SHA-256 and their chained history (after restoring a backup), print or apply the
production database grants that keep history and the logs append-only, make a signing key, sign
a checkpoint, prove that one checkpoint extends another, or write a case's evidence package."""

import json
import os
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianzheng.audit import checkpoints, guards, merkle, verification
from lianzheng.models import ChainHead, Checkpoint, TalkCase
from lianzheng.services.audit import record_verification
from lianzheng.services.checkpoints import certificate, checkpoint_make
from lianzheng.services.documents import stored_file_problems
from lianzheng.services.evidence import PackageRefused, package_case


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
            "--checkpoint",
            metavar="FILE",
            help="a checkpoint's JSON kept outside the system (a witness's copy): the chain must "
            "still reach its signed head (default: the newest stored checkpoint)",
        )
        verify.add_argument(
            "--incremental",
            action="store_true",
            help="check only the rows added since the newest signed checkpoint (and that the "
            "row it ends at still has its signed hash)",
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
        keygen = sub.add_parser(
            "keygen", help="write a new Ed25519 checkpoint signing key (mode 0600)"
        )
        keygen.add_argument("--output", required=True, help="the key file to create")
        checkpoint = sub.add_parser(
            "checkpoint", help="verify the rows since the last checkpoint and sign a new one"
        )
        checkpoint.add_argument("--output", help="also write its JSON to this file")
        checkpoint.add_argument("--pdf", help="also write its one-page certificate to this file")
        checkpoint.add_argument(
            "--no-email", action="store_true", help="do not send it to the witnesses"
        )
        consistency = sub.add_parser(
            "consistency",
            help="prove (RFC 9162) that a later stored checkpoint extends an earlier one",
        )
        consistency.add_argument("old", type=int, help="the earlier checkpoint's id")
        consistency.add_argument("new", type=int, help="the later checkpoint's id")
        package = sub.add_parser("package", help="write a case's evidence package (案卷)")
        package.add_argument("case_number")
        package.add_argument("--output", required=True, help="the ZIP file to write")
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
        if action == "keygen":
            self.keygen(options["output"])
            return
        if action == "checkpoint":
            self.checkpoint(options)
            return
        if action == "consistency":
            self.consistency(options["old"], options["new"])
            return
        if action == "package":
            self.package(options["case_number"], options["output"])
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
        elif options.get("checkpoint"):
            try:
                fields = json.loads(Path(options["checkpoint"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {options['checkpoint']}: {exc}") from exc
            if not isinstance(fields, dict):
                raise CommandError(f"{options['checkpoint']} is not a checkpoint's JSON")
            verdict = checkpoints.verify_full(check, checkpoint=fields)
        elif options.get("incremental"):
            verdict = checkpoints.verify_incremental(check)
        elif options.get("range"):
            first, _, last = options["range"].partition(":")
            if not (first.isdigit() and last.isdigit()):
                raise CommandError("--range takes FIRST:LAST sequence numbers")
            verdict = check(int(first), int(last))
        else:
            verdict = checkpoints.verify_full(check)

        record_verification(verdict, user=None)
        if verdict.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {verdict.checked} rows checked; head {verdict.last_seq or 0}:"
                    f"{verdict.head_hash}{self.held_against(options)}"
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

    @staticmethod
    def held_against(options) -> str:
        """What the chain was held against besides itself, said with the verdict."""
        if options.get("since_head") or options.get("range"):
            return ""
        if options.get("checkpoint"):
            return f"; held against the signed checkpoint in {options['checkpoint']}"
        newest = checkpoints.newest()
        if newest is None:
            return (
                "; no signed checkpoint yet: the chain was checked against itself only "
                "(`lianzheng_audit checkpoint` signs one)"
            )
        how = "rows since" if options.get("incremental") else "held against"
        return (
            f"; {how} signed checkpoint #{newest.pk} ({newest.tree_size} rows, "
            f"{newest.made_at:%Y-%m-%d %H:%M} UTC, key {newest.key_id})"
        )

    def keygen(self, output):
        try:
            key = checkpoints.write_key_file(output)
        except FileExistsError as exc:
            raise CommandError(f"{output} exists; a key is never overwritten") from exc
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        raw = checkpoints.raw_public(key)
        self.stdout.write(
            f"Wrote {output} (mode 0600). Keep it out of the database and its backups.\n"
            f"Set LIANZHENG_CHECKPOINT_KEY_FILE={output}\n"
            f"Key id: {merkle.key_id(raw)}\nPublic key (hex): {raw.hex()}\n"
            f"{checkpoints.public_pem(raw)}"
        )

    def checkpoint(self, options):
        try:
            result = checkpoint_make(user=None, email=not options["no_email"])
        except (checkpoints.KeyMissing, checkpoints.ChainBroken) as exc:
            raise CommandError(str(exc)) from exc
        made = result.checkpoint
        if options.get("output"):
            Path(options["output"]).write_bytes(checkpoints.json_bytes(made))
        if options.get("pdf"):
            Path(options["pdf"]).write_bytes(certificate(made))
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint #{made.pk}: {made.tree_size} rows, root {made.root}, key {made.key_id}"
            )
        )
        if result.sent_to:
            self.stdout.write(f"E-mailed to {', '.join(result.sent_to)}")
        elif result.send_error:
            self.stderr.write(f"Not e-mailed to the witnesses: {result.send_error}")
        elif not options["no_email"]:
            self.stderr.write("Not e-mailed: LIANZHENG_CHECKPOINT_WITNESSES is empty")

    def consistency(self, old_id, new_id):
        old = Checkpoint.objects.filter(pk=old_id).first()
        new = Checkpoint.objects.filter(pk=new_id).first()
        if old is None or new is None:
            raise CommandError("no stored checkpoint has that id")
        if old.tree_size > new.tree_size:
            raise CommandError("the first checkpoint must be the earlier (smaller) one")
        for cp in (old, new):
            problem = checkpoints.checkpoint_problem(cp)
            if problem is not None:
                raise CommandError(f"checkpoint #{cp.pk}: {problem.reason}")
        proof, holds = checkpoints.consistency(old, new)
        self.stdout.write(
            json.dumps(
                {
                    "old": {"tree_size": old.tree_size, "root": old.root},
                    "new": {"tree_size": new.tree_size, "root": new.root},
                    "proof": proof,
                },
                indent=1,
            )
        )
        if not holds:
            raise CommandError(
                f"checkpoint #{new.pk} does not extend #{old.pk}: the chain was rewritten "
                "between them"
            )
        self.stdout.write(
            self.style.SUCCESS(f"OK: checkpoint #{new.pk} extends #{old.pk} (RFC 9162 §2.1.4)")
        )

    def package(self, number, output):
        case = TalkCase.objects.filter(number=number).first()
        if case is None:
            raise CommandError(f"no case has the number {number}")
        try:
            made = package_case(case)
        except PackageRefused as exc:
            raise CommandError(str(exc)) from exc
        Path(output).write_bytes(made.data)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {made.rows} history rows, {made.documents} documents, "
                f"checkpoint #{made.checkpoint_id}. Check it with: python verify.py {output}"
            )
        )
