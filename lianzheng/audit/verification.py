"""Verifying the chain: the fast walk (``fast``) by default, and a head kept outside.

Kept apart from ``chain`` (the definition and the reference walk) so that the fast path can
build on the definition without the definition depending on it.
"""

from __future__ import annotations

from lianzheng.audit import fast
from lianzheng.audit.chain import BrokenLink, Verdict, verify_reference

__all__ = ["verify", "verify_reference", "verify_since_head"]


def verify(
    start: int | None = None,
    end: int | None = None,
    *,
    expect_prev: str | None = None,
    chunk: int = 5000,
    workers: int = 1,
) -> Verdict:
    """Walk the chain from ``start`` (or the beginning) to ``end`` (or the head) and report the
    first link that does not hold: a gap in the sequence, a row whose hash does not match its
    content, or a row that does not point at its predecessor's hash.

    Rows are read straight from the cursor and serialised by an encoder planned per table
    (lianzheng.audit.fast); a row it cannot confirm is judged by the definition, so the
    verdict is ``verify_reference``'s. With ``workers`` > 1 ranges of the chain are checked
    in that many processes (outside any transaction of the caller's only).
    """
    return fast.verify(start, end, expect_prev=expect_prev, chunk=chunk, workers=workers)


def verify_since_head(seq: int, hash_: str, *, check=None) -> Verdict:
    """Check a head an auditor kept outside the system: the row at ``seq`` must still have
    ``hash_`` and the chain must hold from the beginning up to it and from it to the head.
    ``check`` walks each part (``verify`` unless told, e.g. ``verify_reference``)."""
    check = check or verify
    before = check(1, seq)
    if not before.ok:
        return before
    if before.last_seq != seq or before.head_hash != hash_:
        return Verdict(
            before.checked,
            before.first_seq,
            before.last_seq,
            before.head_hash,
            BrokenLink(
                seq, "kept head", 0, "the chain up to the kept head no longer ends in its hash"
            ),
        )
    after = check(seq + 1, None, expect_prev=hash_)
    return Verdict(
        before.checked + after.checked,
        before.first_seq,
        after.last_seq or seq,
        after.head_hash if after.last_seq else hash_,
        after.broken,
        before.by_reference + after.by_reference,
    )
