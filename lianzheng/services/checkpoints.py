"""Making signed checkpoints (lianzheng.audit.checkpoints) and sending them to the witnesses.

A checkpoint is only as good as the copies kept where the database's administrator cannot reach
them: each is emailed, with its JSON attached, to the addresses in
``LIANZHENG_CHECKPOINT_WITNESSES`` (the 纪委 mailbox, say), and offered to auditors as JSON and
as a one-page PDF certificate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext

from lianzheng.audit import checkpoints
from lianzheng.documents.evidence import certificate_pdf
from lianzheng.documents.fonts import load_fonts
from lianzheng.history import user_display
from lianzheng.models import Checkpoint


def witnesses() -> list[str]:
    return list(getattr(settings, "LIANZHENG_CHECKPOINT_WITNESSES", []) or [])


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckpointMade:
    """A new checkpoint and where its copies went: who has the checkpoint is what makes it
    worth anything, so whoever signs one is told if nobody got a copy, or why sending failed."""

    checkpoint: Checkpoint
    sent_to: list[str] = field(default_factory=list)
    send_error: str = ""


def checkpoint_make(*, user=None, email: bool = True) -> CheckpointMade:
    """Verify the rows since the newest checkpoint, sign a new one, and send it to the
    witnesses. Raises ``checkpoints.KeyMissing`` (no key; says how to make one) or
    ``checkpoints.ChainBroken`` (nothing is signed over a broken chain). A mail server that
    refuses does not undo the signature: the checkpoint stands, and the failure is reported."""
    # As the evidence package and the verifications record it, read in the reader's language
    # (selectors.changes.SYSTEM_WORDS).
    made_by = user_display(user) if user is not None else "命令行 command line"
    checkpoint = checkpoints.make_checkpoint(made_by=made_by)
    addresses = witnesses() if email else []
    if not addresses:
        return CheckpointMade(checkpoint)
    try:
        send_to_witnesses(checkpoint)
    except Exception as exc:  # any mail failure is reported, the checkpoint kept
        logger.exception("checkpoint %s not sent to the witnesses", checkpoint.pk)
        return CheckpointMade(checkpoint, send_error=str(exc) or type(exc).__name__)
    return CheckpointMade(checkpoint, sent_to=addresses)


def send_to_witnesses(checkpoint: Checkpoint) -> int:
    """E-mail the checkpoint's JSON to the witnesses, in the bureau's language (a mailbox has
    no profile to choose another)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Audit chain checkpoint: %(rows)s rows") % {"rows": checkpoint.tree_size}
        body = gettext(
            "Please keep this message and its attachment: they are the signed state of the "
            "integrity-talk system's audit chain at the time below, and no one with access to "
            "the database can change your copy. To verify the chain against it: "
            "manage.py lianzheng_audit verify --checkpoint <attachment>.json\n\n"
            "Rows covered: %(rows)s\nMerkle root: %(root)s\nHead hash: %(head)s\n"
            "Signed at: %(made_at)s\nKey id: %(key)s\n"
        ) % {
            "rows": checkpoint.tree_size,
            "root": checkpoint.root,
            "head": checkpoint.head_hash,
            "made_at": f"{timezone.localtime(checkpoint.made_at):%Y-%m-%d %H:%M:%S %z}",
            "key": checkpoint.key_id,
        }
    message = EmailMessage(subject=subject, body=body, to=witnesses())
    message.attach(
        f"lianzheng-checkpoint-{checkpoint.tree_size}.json",
        checkpoints.json_bytes(checkpoint),
        "application/json",
    )
    return message.send()


def certificate(checkpoint: Checkpoint) -> bytes:
    return certificate_pdf(load_fonts(), checkpoints.as_json(checkpoint))
