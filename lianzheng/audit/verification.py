"""Verifying the chain: the fast walk (``fast``) by default, and a head kept outside.

Kept apart from ``chain`` (the definition and the reference walk) so that the fast path can
build on the definition without the definition depending on it.
"""

from __future__ import annotations

from dataclasses import replace

from lianzheng.audit import chain, fast
from lianzheng.audit.chain import BrokenLink, Verdict
from lianzheng.audit.records import record_problems

__all__ = ["verify", "verify_reference", "verify_since_head"]


def with_records(verdict: Verdict) -> Verdict:
    """A whole chain that holds, and then the append-only records against their history rows
    (lianzheng.audit.records): the first that does not match is the broken link, named by
    its history row's sequence number."""
    if not verdict.ok:
        return verdict
    problems = record_problems()
    if not problems:
        return verdict
    p = problems[0]
    broken = BrokenLink(p.seq, f"{p.label} id={p.pk}", p.history_id, p.reason)
    return replace(verdict, broken=broken)


def verify_reference(start=None, end=None, *, expect_prev=None, chunk=5000) -> Verdict:
    """``chain.verify_reference`` and, over the whole chain, the records' check."""
    verdict = chain.verify_reference(start, end, expect_prev=expect_prev, chunk=chunk)
    return with_records(verdict) if start is None and end is None else verdict


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

    Over the whole chain (no ``start`` or ``end``), the append-only records are then checked
    against their history rows (``with_records``).
    """
    verdict = fast.verify(start, end, expect_prev=expect_prev, chunk=chunk, workers=workers)
    return with_records(verdict) if start is None and end is None else verdict


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
    return with_records(
        Verdict(
            before.checked + after.checked,
            before.first_seq,
            after.last_seq or seq,
            after.head_hash if after.last_seq else hash_,
            after.broken,
            before.by_reference + after.by_reference,
        )
    )
