"""Records are named in the audit log by their labels; a time in a label is the bureau's, as
every page shows it (a reminder sent at 06:29 in Aba read 「22:29」 of the day before)."""

from __future__ import annotations

from datetime import UTC, datetime

from lianzheng.audit.models import ChainVerification
from lianzheng.choices import ReminderKind
from lianzheng.models import ApiCall, Reminder

SENT = datetime(2026, 12, 5, 22, 29, tzinfo=UTC)  # 2026-12-06 06:29 in Asia/Shanghai


def test_a_reminder_is_labelled_in_the_bureaus_time():
    reminder = Reminder(kind=ReminderKind.CONSENT_AWAITED, recipient_name="王建国", sent_at=SENT)
    assert str(reminder).endswith("王建国（2026-12-06 06:29）")


def test_an_api_call_and_a_verification_are_labelled_in_the_bureaus_time():
    assert str(ApiCall(at=SENT, method="GET", path="/api/cases/v1/", status=200)).startswith(
        "2026-12-06 06:29:00 GET"
    )
    assert str(ChainVerification(verified_at=SENT, ok=True)) == "2026-12-06 06:29 OK"
