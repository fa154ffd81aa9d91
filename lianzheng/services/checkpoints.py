"""Making signed checkpoints (lianzheng.audit.checkpoints) and sending them to the witnesses.

A checkpoint is only as good as the copies kept where the database's administrator cannot reach
them: each is emailed, with its JSON attached, to the addresses in
``LIANZHENG_CHECKPOINT_WITNESSES`` (the 纪委 mailbox, say), and offered to auditors as JSON and
as a one-page PDF certificate."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from lianzheng.audit import checkpoints
from lianzheng.documents.evidence import certificate_pdf
from lianzheng.documents.fonts import load_fonts
from lianzheng.history import user_display
from lianzheng.models import Checkpoint


def witnesses() -> list[str]:
    return list(getattr(settings, "LIANZHENG_CHECKPOINT_WITNESSES", []) or [])


def checkpoint_make(*, user=None, email: bool = True) -> Checkpoint:
    """Verify the rows since the newest checkpoint, sign a new one, and send it to the
    witnesses. Raises ``checkpoints.KeyMissing`` (no key; says how to make one) or
    ``checkpoints.ChainBroken`` (nothing is signed over a broken chain)."""
    made_by = user_display(user) if user is not None else "命令行 command line"
    checkpoint = checkpoints.make_checkpoint(made_by=made_by)
    if email and witnesses():
        send_to_witnesses(checkpoint)
    return checkpoint


def send_to_witnesses(checkpoint: Checkpoint) -> int:
    message = EmailMessage(
        subject=(
            f"廉政约谈审计链签名检查点 / audit chain checkpoint: {checkpoint.tree_size} 条 rows"
        ),
        body=(
            "请保存本邮件及附件：它是廉政约谈系统审计链在下述时刻的签名状态，数据库管理员无法更改您手中"
            "的副本。核验：manage.py lianzheng_audit verify --checkpoint 附件.json\n"
            "Please keep this message and its attachment: the signed state of the audit chain, "
            "which no one with access to the database can change in your copy.\n\n"
            f"rows covered: {checkpoint.tree_size}\n"
            f"Merkle root: {checkpoint.root}\n"
            f"head hash:   {checkpoint.head_hash}\n"
            f"made at:     {checkpoint.made_at:%Y-%m-%d %H:%M:%S} UTC\n"
            f"key id:      {checkpoint.key_id}\n"
        ),
        to=witnesses(),
    )
    message.attach(
        f"lianzheng-checkpoint-{checkpoint.tree_size}.json",
        checkpoints.json_bytes(checkpoint),
        "application/json",
    )
    return message.send()


def certificate(checkpoint: Checkpoint) -> bytes:
    return certificate_pdf(load_fonts(), checkpoints.as_json(checkpoint))
