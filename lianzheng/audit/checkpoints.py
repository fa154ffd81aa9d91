"""Signed checkpoints of the chain, and verification against them.

The hash chain alone proves only that the rows agree with each other: someone with write access
to the database who rewrites a row and recomputes every hash after it leaves a chain that
verifies. A checkpoint is the chain's state (its size, the hash of its last row, the root of the
Merkle tree over every row) signed with an Ed25519 key kept outside the database; copies go to
witnesses by email and to auditors as downloads. A rewritten chain no longer reaches the signed
head hash, nor gives the signed root, and cannot be signed again without the key.

The key comes from settings: ``LIANZHENG_CHECKPOINT_KEY`` (the PEM text, e.g. from an
environment variable) or ``LIANZHENG_CHECKPOINT_KEY_FILE`` (a file readable by the application
only; ``lianzheng_audit keygen`` writes one). Development and test settings name a
``LIANZHENG_CHECKPOINT_DEV_KEY_FILE`` made on first use; production settings leave it unset, so
production refuses to sign without a configured key. Public keys of earlier keys stay listed in
``LIANZHENG_CHECKPOINT_PUBLIC_KEYS`` so that checkpoints signed before a rotation still verify.
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from lianzheng.audit import chain, fast, merkle
from lianzheng.audit.chain import BrokenLink, Verdict
from lianzheng.audit.models import ChainHead, Checkpoint

LOG_NAME = "lianzheng"
FORMAT = 1

HOW_TO_MAKE_A_KEY = (
    "No checkpoint signing key is configured. Create one with "
    "`manage.py lianzheng_audit keygen --output /etc/lianzheng/checkpoint.key` (readable by the "
    "application's user only, kept out of the database and its backups), then set "
    "LIANZHENG_CHECKPOINT_KEY_FILE to its path (or LIANZHENG_CHECKPOINT_KEY to its text); "
    "see README, 'Signed checkpoints'."
)


class KeyMissing(Exception):
    """No signing key: the message says how to make one."""

    def __init__(self, detail: str = HOW_TO_MAKE_A_KEY):
        super().__init__(detail)


class ChainBroken(Exception):
    """The chain does not hold: no checkpoint may bless it."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict
        b = verdict.broken
        super().__init__(
            f"the chain does not hold at sequence {b.seq} ({b.table} history_id="
            f"{b.history_id}): {b.reason}; no checkpoint was made"
        )


# -- keys ----------------------------------------------------------------------------------------


def new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_key_file(path: str | os.PathLike) -> Ed25519PrivateKey:
    """A new key in a new file, readable and writable by its owner only (0600); an existing
    file is never overwritten (a lost key would leave its checkpoints unverifiable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = new_private_key_pem()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return serialization.load_pem_private_key(pem, password=None)


def _load_pem(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyMissing(f"{where} does not hold an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(f"{where} holds a key that is not Ed25519")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The configured key; in development (a DEV_KEY_FILE setting) made on first use."""
    text = getattr(settings, "LIANZHENG_CHECKPOINT_KEY", "") or ""
    if text.strip():
        return _load_pem(text.strip().encode(), "LIANZHENG_CHECKPOINT_KEY")
    path = getattr(settings, "LIANZHENG_CHECKPOINT_KEY_FILE", "") or ""
    if path:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyMissing(
                f"LIANZHENG_CHECKPOINT_KEY_FILE={path} cannot be read ({exc.strerror}). "
                + HOW_TO_MAKE_A_KEY
            ) from exc
        return _load_pem(data, path)
    dev = getattr(settings, "LIANZHENG_CHECKPOINT_DEV_KEY_FILE", None)
    if dev:
        return development_key(dev)
    raise KeyMissing()


def development_key(path) -> Ed25519PrivateKey:
    """The development key at ``path``, made if missing (``lianzheng_setup --demo``)."""
    path = Path(path)
    if not path.exists():
        try:
            return write_key_file(path)
        except FileExistsError:
            pass  # made meanwhile by another process
    return _load_pem(path.read_bytes(), str(path))


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(raw: bytes) -> str:
    return (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def trusted_keys() -> dict[str, bytes]:
    """Key id → raw public key of every key whose checkpoints count: the configured signing
    key's (if any) and the earlier ones listed in ``LIANZHENG_CHECKPOINT_PUBLIC_KEYS``."""
    keys = {}
    for item in getattr(settings, "LIANZHENG_CHECKPOINT_PUBLIC_KEYS", ()) or ():
        item = item.strip()
        if item:
            raw = bytes.fromhex(item)
            keys[merkle.key_id(raw)] = raw
    try:
        raw = raw_public(signing_key())
        keys[merkle.key_id(raw)] = raw
    except KeyMissing:
        pass  # no signing key here (a verifying machine): the listed public keys are all there is
    return keys


# -- the chain's entries -----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    seq: int
    hash: str
    table: str
    history_id: int


def entries(after: int, upto: int | None = None, chunk: int = 10000):
    """The chain's rows numbered after ``after`` (up to ``upto``), in sequence order, as
    ``(seq, chain_hash, table label, history_id)`` straight from the cursor."""
    streams = []
    for model in chain.chained_models():
        streams.append(_entry_stream(model, after, upto, chunk))
    return heapq.merge(*streams)


def _entry_stream(model, after, upto, chunk):
    connection = connections[model._default_manager.db]
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {qn('chain_seq')}, {qn('chain_hash')}, {qn('history_id')} "
        f"FROM {qn(model._meta.db_table)} WHERE {qn('chain_seq')} > %s"
    )
    params = [after]
    if upto is not None:
        sql += f" AND {qn('chain_seq')} <= %s"
        params.append(upto)
    sql += f" ORDER BY {qn('chain_seq')}"
    label = model._meta.label_lower
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            for seq, digest, history_id in rows:
                yield seq, digest, label, history_id


def entry_at(seq: int) -> Entry | None:
    for model in chain.chained_models():
        row = (
            model._default_manager.filter(chain_seq=seq)
            .values_list("chain_hash", "history_id")
            .first()
        )
        if row is not None:
            return Entry(seq, row[0], model._meta.label_lower, row[1])
    return None


def _raw(digest: str) -> bytes:
    try:
        return bytes.fromhex(digest)
    except (TypeError, ValueError):
        return (digest or "").encode()  # never a valid hash: its leaf differs, as it should


# -- making --------------------------------------------------------------------------------------


def _start_after(previous: Checkpoint | None) -> tuple[int, str | None]:
    """Where verification starts after ``previous``, which must hold: its signature, its
    frontier, and the row it ends at still with its signed hash."""
    if previous is None:
        return 1, None
    problem = checkpoint_problem(previous)
    if problem is None:
        problem = _head_problem(previous.tree_size, previous.head_hash, previous)
    if problem is not None:
        raise ChainBroken(Verdict(0, None, None, "", problem))
    return previous.tree_size + 1, previous.head_hash


def newest() -> Checkpoint | None:
    """The newest checkpoint, without its copy of the chain hashes (32 bytes a row: read only
    to name a rewritten row)."""
    return Checkpoint.objects.defer("entries").order_by("-tree_size", "-id").first()


def make_checkpoint(*, made_by: str = "", verify=None) -> Checkpoint:
    """Sign the chain as it stands. The rows since the newest checkpoint are verified first
    (all rows when there is none) and the newest checkpoint itself must hold, so a checkpoint
    never blesses a broken or rewritten chain; the tree is extended from that checkpoint's
    frontier, so the cost grows with the rows added since, not with the chain.

    The long part, verifying the rows up to the head as first read, runs before the head is
    locked (on many processes where ``verify`` may use them); under the lock only the rows
    added meanwhile are verified, so writers wait for little more than the signature."""
    key = signing_key()
    public = raw_public(key)
    verify = verify or fast.verify
    previous = newest()
    start, expect = _start_after(previous)
    upto = ChainHead.current().seq
    if upto >= start:
        verdict = verify(start, upto, expect_prev=expect)
        if not verdict.ok:
            raise ChainBroken(verdict)
        start, expect = upto + 1, verdict.head_hash
    with transaction.atomic():
        # The head's lock: no row joins the chain while its state is read and signed, and two
        # checkpoints are never made from the same predecessor at once.
        size = ChainHead.locked().seq
        latest = newest()
        if latest is not None and (previous is None or latest.pk != previous.pk):
            previous = latest  # made meanwhile: extend that one, verifying after it
            start, expect = _start_after(previous)
        if previous is not None and previous.tree_size > size:
            raise ChainBroken(
                Verdict(
                    0,
                    None,
                    None,
                    "",
                    BrokenLink(
                        size,
                        "head",
                        0,
                        f"the head is behind signed checkpoint #{previous.pk} "
                        f"({previous.tree_size} rows): rows were removed",
                    ),
                )
            )
        if size >= start:
            verdict = verify(start, size, expect_prev=expect)
            if not verdict.ok:
                raise ChainBroken(verdict)
        if previous is not None:
            frontier = merkle.Frontier.from_hex(previous.tree_size, previous.frontier)
            expect = previous.head_hash
        else:
            frontier, expect = merkle.Frontier(), None
        added = bytearray()
        head_hash = expect or chain.GENESIS
        count = frontier.size
        for seq, digest, _label, _hid in entries(frontier.size, size):
            if seq != count + 1:
                raise ChainBroken(
                    Verdict(0, None, None, "", BrokenLink(count + 1, "chain", 0, "row missing"))
                )
            raw = _raw(digest)
            frontier.append(raw)
            added += raw
            head_hash = digest
            count = seq
        now = timezone.now().replace(microsecond=0)
        fields = {
            "log": LOG_NAME,
            "format": FORMAT,
            "tree_size": frontier.size,
            "head_hash": head_hash,
            "root": frontier.root().hex(),
            "made_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "key_id": merkle.key_id(public),
        }
        signed = merkle.statement(fields)
        return Checkpoint.objects.create(
            tree_size=fields["tree_size"],
            head_hash=head_hash,
            root=fields["root"],
            made_at=now,
            key_id=fields["key_id"],
            public_key=public.hex(),
            signature=key.sign(signed).hex(),
            statement=signed.decode(),
            frontier=frontier.as_hex(),
            previous_size=previous.tree_size if previous is not None else 0,
            entries=bytes(added),
            made_by=made_by,
        )


# -- exporting and reading -------------------------------------------------------------------


def as_json(checkpoint: Checkpoint) -> dict:
    """What a witness keeps: the signed fields, the signature and the public key."""
    fields = json.loads(checkpoint.statement)
    return {
        **fields,
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
        "statement": checkpoint.statement,
    }


def json_bytes(checkpoint: Checkpoint) -> bytes:
    return (json.dumps(as_json(checkpoint), ensure_ascii=False, indent=2) + "\n").encode()


def signature_problem(fields: dict, trusted: dict[str, bytes] | None = None) -> str | None:
    """Why a checkpoint (as exported) cannot be trusted, or None: its statement must be the
    one its fields make, its key one of the trusted keys, and its signature valid."""
    try:
        signed = merkle.statement(fields)
        public = bytes.fromhex(fields["public_key"])
        signature = bytes.fromhex(fields["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"the checkpoint is incomplete or malformed ({exc})"
    if fields.get("statement") not in (None, signed.decode()):
        return "the stored statement is not the one its fields make"
    if merkle.key_id(public) != fields.get("key_id"):
        return "its key id does not name its public key"
    trusted = trusted_keys() if trusted is None else trusted
    if trusted.get(fields["key_id"]) != public:
        return (
            f"it is signed with key {fields['key_id']}, which is not among the configured keys "
            "(LIANZHENG_CHECKPOINT_KEY_FILE, LIANZHENG_CHECKPOINT_PUBLIC_KEYS)"
        )
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed)
    except (InvalidSignature, ValueError):
        return "its signature does not match: it was altered or not made with its key"
    return None


def checkpoint_problem(checkpoint: Checkpoint, trusted=None) -> BrokenLink | None:
    """A stored checkpoint must be signed by a trusted key and its frontier give its root."""
    problem = signature_problem(as_json(checkpoint), trusted)
    if problem is None:
        fields = json.loads(checkpoint.statement)
        if (fields["tree_size"], fields["root"], fields["head_hash"]) != (
            checkpoint.tree_size,
            checkpoint.root,
            checkpoint.head_hash,
        ):
            problem = "its columns are not the ones it signed"
        else:
            try:
                frontier = merkle.Frontier.from_hex(checkpoint.tree_size, checkpoint.frontier)
                if frontier.root().hex() != checkpoint.root:
                    problem = "its stored frontier does not give its signed root"
            except (TypeError, ValueError):
                problem = "its stored frontier is malformed"
    if problem is None:
        return None
    return BrokenLink(checkpoint.tree_size, f"checkpoint #{checkpoint.pk}", 0, problem)


def _head_problem(size: int, head_hash: str, checkpoint: Checkpoint | None) -> BrokenLink | None:
    """The row the checkpoint ends at must still have its signed hash; if not, the first row
    that differs from what it covers, named."""
    if size == 0:
        return None
    entry = entry_at(size)
    if entry is not None and entry.hash == head_hash:
        return None
    return first_difference(size, head_hash, checkpoint)


def stored_entries(checkpoint: Checkpoint) -> bytes | None:
    """The chain hashes the checkpoints up to ``checkpoint`` recorded, joined, or None when
    they do not make up its signed root (then they were altered too and cannot name a row)."""
    parts, size = [], 0
    for cp in Checkpoint.objects.filter(tree_size__lte=checkpoint.tree_size).order_by(
        "tree_size", "id"
    ):
        if cp.previous_size != size or cp.tree_size < size:
            return None
        parts.append(bytes(cp.entries))
        size = cp.tree_size
    data = b"".join(parts)
    if size != checkpoint.tree_size or len(data) != 32 * size:
        return None
    frontier = merkle.Frontier()
    frontier.extend(data[i : i + 32] for i in range(0, len(data), 32))
    if frontier.root().hex() != checkpoint.root:
        return None
    return data


def first_difference(size: int, head_hash: str, checkpoint: Checkpoint | None) -> BrokenLink:
    """Name the first row of the first ``size`` that is not the one the checkpoint covers,
    comparing each row's hash with the copy the checkpoints kept (authenticated by the signed
    root)."""
    label = f"checkpoint #{checkpoint.pk}" if checkpoint is not None else "checkpoint"
    kept = stored_entries(checkpoint) if checkpoint is not None else None
    if kept is None:
        return BrokenLink(
            size,
            label,
            0,
            f"the chain's row {size} no longer has the signed head hash: rows up to it were "
            "rewritten (no authentic stored copy here to name the first one)",
        )
    expected = 1
    for seq, digest, table, history_id in entries(0, size):
        if seq != expected:
            return BrokenLink(expected, table, 0, f"row {expected} of {label} is missing")
        if _raw(digest) != kept[32 * (seq - 1) : 32 * seq]:
            return BrokenLink(
                seq,
                table,
                history_id,
                f"differs from the row signed {label} covers: it was rewritten and the "
                "hashes after it recomputed",
            )
        expected += 1
    return BrokenLink(expected, label, 0, f"the chain ends before row {size} that {label} covers")


# -- verifying against a checkpoint ------------------------------------------------------------


def _broken(verdict: Verdict, link: BrokenLink) -> Verdict:
    return Verdict(
        verdict.checked,
        verdict.first_seq,
        verdict.last_seq,
        verdict.head_hash,
        link,
        verdict.by_reference,
    )


def verify_full(verify=None, *, checkpoint: Checkpoint | dict | None = None) -> Verdict:
    """Walk the whole chain, then hold it against a signed checkpoint (the newest unless
    ``checkpoint`` is given: a stored one or the fields of an exported one): the row it ends at
    must still have its signed hash. A chain rewritten with every hash recomputed walks cleanly
    but fails here, and the first rewritten row is named."""
    verify = verify or fast.verify
    verdict = verify()
    if not verdict.ok:
        return verdict
    return _against(verdict, checkpoint if checkpoint is not None else newest())


def _against(verdict: Verdict, checkpoint) -> Verdict:
    if checkpoint is None:
        return verdict
    if isinstance(checkpoint, dict):
        problem = signature_problem(checkpoint)
        if problem is not None:
            return _broken(verdict, BrokenLink(0, "checkpoint file", 0, problem))
        size, head_hash, root = (
            checkpoint["tree_size"],
            checkpoint["head_hash"],
            checkpoint["root"],
        )
        stored = Checkpoint.objects.defer("entries").filter(tree_size=size, root=root).first()
    else:
        link = checkpoint_problem(checkpoint)
        if link is not None:
            return _broken(verdict, link)
        size, head_hash, stored = checkpoint.tree_size, checkpoint.head_hash, checkpoint
    if (verdict.last_seq or 0) < size:
        return _broken(
            verdict,
            BrokenLink(
                (verdict.last_seq or 0) + 1,
                "chain",
                0,
                f"the chain has {verdict.last_seq or 0} rows, the signed checkpoint covers "
                f"{size}: rows were removed",
            ),
        )
    link = _head_problem(size, head_hash, stored)
    return verdict if link is None else _broken(verdict, link)


def verify_incremental(verify=None) -> Verdict:
    """The routine check: the newest checkpoint holds (signature, frontier, the row it ends at
    still has its hash) and the rows added since it link onto it. Costs time in proportion
    to the rows added since; rows before are vouched for by the signed head hash (each row's
    hash covers the one before it). Without a checkpoint, the full walk."""
    verify = verify or fast.verify
    checkpoint = newest()
    if checkpoint is None:
        return verify()
    empty = Verdict(0, None, None, checkpoint.head_hash, None)
    link = checkpoint_problem(checkpoint) or _head_problem(
        checkpoint.tree_size, checkpoint.head_hash, checkpoint
    )
    if link is not None:
        return _broken(empty, link)
    since = verify(checkpoint.tree_size + 1, None, expect_prev=checkpoint.head_hash)
    return Verdict(
        since.checked,
        since.first_seq,
        since.last_seq or checkpoint.tree_size,
        since.head_hash,
        since.broken,
        since.by_reference,
    )


# -- proofs --------------------------------------------------------------------------------------


def tree_upto(size: int) -> merkle.Tree:
    """The tree over the chain's first ``size`` rows, read from the database (verify first)."""
    raws = [_raw(digest) for _seq, digest, _t, _h in entries(0, size)]
    return merkle.Tree(raws)


def consistency(old: Checkpoint, new: Checkpoint) -> tuple[list[str], bool]:
    """The RFC 9162 consistency proof that ``new`` extends ``old``, and whether it verifies."""
    tree = tree_upto(new.tree_size)
    proof = tree.consistency_proof(old.tree_size, new.tree_size)
    holds = merkle.verify_consistency(
        old.tree_size,
        new.tree_size,
        bytes.fromhex(old.root),
        bytes.fromhex(new.root),
        proof,
    )
    return [p.hex() for p in proof], holds
