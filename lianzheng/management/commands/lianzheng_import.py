"""The first load from the command line: ``manage.py lianzheng_import people FILE.xlsx
[--dry-run] [--valid-only]`` — the admin's import, with its preview printed row by row."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianzheng.refusals import TransitionRefused, describe
from lianzheng.services.spreadsheet_import import import_apply, import_preview
from lianzheng.spreadsheets.resources import SHEETS


class Command(BaseCommand):
    help = "Import people, units, appointments or role assignments from an XLSX or CSV file."

    def add_arguments(self, parser):
        parser.add_argument("sheet", choices=sorted(SHEETS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="preview only; save nothing")
        parser.add_argument(
            "--valid-only", action="store_true", help="save the valid rows of a file with errors"
        )

    def handle(self, *args, sheet, file, dry_run, valid_only, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        act = import_preview if dry_run else import_apply
        kwargs = {} if dry_run else {"valid_only": valid_only}
        try:
            done = act(user=None, sheet=sheet, filename=file.name, content=content, **kwargs)
        except TransitionRefused as error:
            if not dry_run:
                # Say which rows, as the preview would have.
                preview = import_preview(
                    user=None, sheet=sheet, filename=file.name, content=content
                )
                self._print_refused(preview)
            raise CommandError("; ".join(describe(r) for r in error.refusals)) from None
        self._print_refused(done)
        counts = done.counts
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{file.name} (SHA-256 {done.sha256}): {counts['new']} {verb} added, "
            f"{counts['update']} updated, {counts['skip']} unchanged, "
            f"{counts['refused']} refused" + (" (left out)" if not dry_run else "")
        )

    def _print_refused(self, preview):
        for row in preview.refused:
            reasons = "；".join(f"{c}：{r}" if c else r for c, r in row.problems)
            self.stdout.write(f"第{row.number}行 {row.label}：{reasons}")
