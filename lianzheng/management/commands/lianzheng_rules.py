"""``manage.py lianzheng_rules [--json]``: the regulation as the system enforces it."""

import json

from django.core.management.base import BaseCommand

from lianzheng.rules import RULES


class Command(BaseCommand):
    help = "Print the rules table: code, article, anchor, quotation and guarded transitions."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        rows = [
            {
                "code": rule.code,
                "article": rule.article_ref,
                "article_en": rule.article_ref_en,
                "anchor": rule.anchor,
                "quote": rule.quote,
                "summary_en": rule.summary_en,
                "transitions": list(rule.transitions),
                "talk_types": sorted(rule.talk_types) if rule.talk_types else "all",
            }
            for rule in RULES.values()
        ]
        if options.get("json"):
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"{row['code']:<6} {row['article']:<14} #{row['anchor']:<14} "
                f"{', '.join(row['transitions'])}"
            )
            self.stdout.write(f"       {row['summary_en']}")
            self.stdout.write(f"       「{row['quote']}」")
