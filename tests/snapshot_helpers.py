"""Everything a failed write could have left behind, captured so that a test can say "exactly as
before": every row of every table of the add-on (cases and their parts, history, the chain head,
the case counters, the logs), Wagtail's log entries, and every file in the media folder with
its SHA-256."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from lianzheng.audit import verification


def _tables() -> list[type]:
    models = list(apps.get_app_config("lianzheng").get_models(include_auto_created=True))
    models.append(apps.get_model("wagtailcore", "ModelLogEntry"))
    return sorted(models, key=lambda m: m._meta.db_table)


def rows() -> dict[str, list[tuple]]:
    out = {}
    for model in _tables():
        columns = [f.attname for f in model._meta.concrete_fields]
        manager = model._base_manager
        out[model._meta.db_table] = list(manager.order_by("pk").values_list(*columns))
    return out


def files(root=None) -> dict[str, str]:
    root = Path(root or settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@dataclass
class Snapshot:
    rows: dict[str, list[tuple]]
    files: dict[str, str]
    head: tuple[int, str]

    @classmethod
    def take(cls) -> Snapshot:
        from lianzheng.models import ChainHead

        head = ChainHead.current()
        return cls(rows=rows(), files=files(), head=(head.seq, head.hash))

    def differences(self, other: Snapshot) -> list[str]:
        """What changed, table by table, in words a failing assertion can show."""
        found = []
        for table in sorted(set(self.rows) | set(other.rows)):
            before, after = self.rows.get(table, []), other.rows.get(table, [])
            if before != after:
                gone = [r for r in before if r not in after]
                new = [r for r in after if r not in before]
                found.append(
                    f"{table}: {len(gone)} rows gone or changed, {len(new)} new: {new[:2]}"
                )
        if self.files != other.files:
            found.append(f"files: {sorted(set(self.files) ^ set(other.files))}")
        if self.head != other.head:
            found.append(f"chain head moved from {self.head} to {other.head}")
        return found


def assert_unchanged(before: Snapshot) -> None:
    """The database, the media folder and the chain are as in ``before``, and the chain
    verifies, by the function and by the command an auditor runs."""
    after = Snapshot.take()
    assert not before.differences(after), before.differences(after)
    verdict = verification.verify()
    assert verdict.ok, verdict.broken
    assert (verdict.last_seq or 0, verdict.head_hash) == before.head
    call_command("lianzheng_audit", "verify", "--workers", "1", stdout=io.StringIO())
