"""verify.py: check a lianzheng case evidence package (案卷) offline.

Usage::

    python verify.py CASE.zip            # the package as downloaded
    python verify.py CASE-folder/        # or unpacked
    python verify.py CASE.zip --public-key KEY_ID_OR_HEX   # pin the bureau's signing key

Needs Python 3.10+ and the ``cryptography`` package (``pip install cryptography``); nothing
else. It exits 0 and says what it checked when everything holds, 1 naming the first file or row
that does not match, 2 when it cannot be run as asked.

What it checks, in order:

1. ``checkpoint/checkpoint.json`` is signed (Ed25519) by the key in
   ``checkpoint/public_key.pem``. Compare the printed key id with the one the bureau's witnesses
   (e.g. the 纪委 mailbox) received, or pass it with ``--public-key``: a package made by someone
   else with their own key verifies too, but under another key id.
2. Every row of ``history/history.json`` gives its recorded hash when recomputed from its
   columns (by the bureau's own encoding, carried below), and its Merkle inclusion proof
   (``proofs/inclusion.json``, RFC 9162) leads from that hash to the checkpoint's signed root.
   A row changed in any column, or one whose hashes were recomputed, no longer does.
3. ``history/history.csv`` says exactly what ``history.json`` says.
4. Every document under ``documents/`` has the SHA-256 a chained history row of the case
   recorded, and every document those rows record is there.
5. Every file matches the SHA-256 listed in ``manifest.json`` (which the 案卷目录 PDF prints),
   and nothing is missing or added.

The encoding and Merkle code below are copies of lianzheng/audit/encoding.py and
lianzheng/audit/merkle.py made when the package was written, so this file checks the package
by the very code that wrote the hashes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import zipfile

# --- embedded modules: writing a package replaces this block with the modules' source ---
from lianzheng.audit import encoding, merkle

# --- end of embedded modules ---

MANIFEST = "manifest.json"
HISTORY = "history/history.json"
HISTORY_CSV = "history/history.csv"
PROOFS = "proofs/inclusion.json"
CHECKPOINT = "checkpoint/checkpoint.json"
PUBLIC_KEY = "checkpoint/public_key.pem"
VERIFY = "verify.py"
DOCUMENT_TABLE = "lianzheng.historicalgenerateddocument"

CSV_COLUMNS = (
    ("seq", "序号 seq"),
    ("table", "表 table"),
    ("history_id", "history_id"),
    ("history_date", "时间 time (UTC)"),
    ("history_type", "类型 type"),
    ("history_user_display", "操作人 user"),
    ("history_transition", "操作 transition"),
    ("history_change_reason", "原因 reason"),
    ("columns", "全部字段 all columns (JSON)"),
    ("prev", "前一哈希 previous hash"),
    ("hash", "哈希 hash"),
)


class Mismatch(Exception):
    """The first thing that does not hold: ``what`` names the file or row."""

    def __init__(self, what: str, why: str):
        super().__init__(f"{what}: {why}")
        self.what = what
        self.why = why


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def history_csv(rows: list[dict]) -> bytes:
    """The CSV the package holds for ``rows``: one line a history row, UTF-8 with a BOM (so
    that Excel reads the Chinese), every column also as JSON. Rebuilt here to compare."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _key, heading in CSV_COLUMNS])
    for row in rows:
        columns = row["columns"]
        line = []
        for key, _heading in CSV_COLUMNS:
            if key == "columns":
                value = json.dumps(columns, ensure_ascii=False, sort_keys=True)
            elif key in row:
                value = row[key]
            else:
                value = columns.get(key)
            line.append("" if value is None else str(value))
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode()


def manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "self_sha256"}
    return sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    )


def row_hash(row: dict) -> str:
    """The row's link hash recomputed from its columns by the encoding it names."""
    function = getattr(encoding, row["encoding"], None)
    if function is None or not row["encoding"].startswith("canonical_"):
        raise ValueError(f"unknown encoding {row['encoding']!r}")
    columns = row["columns"]
    extra = row.get("encoding_args") or {}
    text = function(row["table"], list(columns), list(columns.values()), **extra)
    return encoding.link_hash(row["prev"], text)


def read_members(path: str) -> dict[str, bytes]:
    if os.path.isdir(path):
        members = {}
        for folder, _dirs, files in os.walk(path):
            for name in files:
                full = os.path.join(folder, name)
                members[os.path.relpath(full, path).replace(os.sep, "/")] = open(full, "rb").read()
        return members
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def _json(members: dict[str, bytes], name: str):
    if name not in members:
        raise Mismatch(name, "missing from the package")
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Mismatch(name, f"cannot be read as JSON ({exc})") from exc


def check_checkpoint(members: dict[str, bytes], pinned: str | None) -> dict:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    checkpoint = _json(members, CHECKPOINT)
    try:
        public = bytes.fromhex(checkpoint["public_key"])
        if merkle.key_id(public) != checkpoint["key_id"]:
            raise ValueError("its key id does not name its public key")
        signed = merkle.statement(checkpoint)
        if checkpoint.get("statement") not in (None, signed.decode()):
            raise ValueError("its statement is not the one its fields make")
        Ed25519PublicKey.from_public_bytes(public).verify(
            bytes.fromhex(checkpoint["signature"]), signed
        )
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        raise Mismatch(CHECKPOINT, f"its signature does not hold ({exc or 'invalid'})") from exc
    if PUBLIC_KEY not in members:
        raise Mismatch(PUBLIC_KEY, "missing from the package")
    try:
        key = serialization.load_pem_public_key(members[PUBLIC_KEY])
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    except ValueError as exc:
        raise Mismatch(PUBLIC_KEY, f"is not a readable Ed25519 public key ({exc})") from exc
    if raw != public:
        raise Mismatch(PUBLIC_KEY, "is not the key the checkpoint names")
    if pinned and pinned.lower() not in (merkle.key_id(raw), raw.hex()):
        raise Mismatch(
            PUBLIC_KEY, f"key {merkle.key_id(raw)} is not the pinned key {pinned} (--public-key)"
        )
    return checkpoint


def check_rows(members: dict[str, bytes], checkpoint: dict) -> list[dict]:
    history = _json(members, HISTORY)
    proofs = _json(members, PROOFS)
    try:
        size, root = int(checkpoint["tree_size"]), bytes.fromhex(checkpoint["root"])
        rows = history["rows"]
        by_seq = proofs["proofs"]
        if proofs.get("root") != checkpoint["root"] or proofs.get("tree_size") != size:
            raise Mismatch(PROOFS, "its proofs are for another checkpoint")
    except (KeyError, TypeError, ValueError) as exc:
        raise Mismatch(HISTORY, f"is not laid out as a package's history ({exc})") from exc
    for number, row in enumerate(rows, 1):
        try:
            name = (
                f"{HISTORY} row {number} (seq {row['seq']}, {row['table']} "
                f"history_id={row['history_id']})"
            )
        except (KeyError, TypeError):
            raise Mismatch(f"{HISTORY} row {number}", "is malformed") from None
        try:
            recomputed = row_hash(row)
        except Exception as exc:  # a damaged row may fail anywhere in the encoding
            raise Mismatch(name, f"cannot be encoded ({exc})") from exc
        if recomputed != row["hash"]:
            raise Mismatch(name, "its columns do not give its recorded hash: the row was changed")
        seq = row["seq"]
        if not isinstance(seq, int) or not 1 <= seq <= size:
            raise Mismatch(name, f"lies outside the checkpoint's {size} rows")
        try:
            proof = [bytes.fromhex(p) for p in by_seq[str(seq)]]
            leaf = merkle.leaf_hash(bytes.fromhex(row["hash"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Mismatch(
                f"{PROOFS} proof for seq {seq}", f"missing or malformed ({exc})"
            ) from exc
        if not merkle.verify_inclusion(seq - 1, size, leaf, proof, root):
            raise Mismatch(
                f"{PROOFS} proof for seq {seq}",
                f"does not lead from {name}'s hash to the signed root",
            )
    if set(by_seq) != {str(row["seq"]) for row in rows}:
        raise Mismatch(PROOFS, "holds proofs for rows the history does not")
    return rows


def check_csv(members: dict[str, bytes], rows: list[dict]) -> None:
    if HISTORY_CSV not in members:
        raise Mismatch(HISTORY_CSV, "missing from the package")
    expected = history_csv(rows).split(b"\r\n")
    actual = members[HISTORY_CSV].split(b"\r\n")
    for number, (want, have) in enumerate(zip(expected, actual, strict=False), 1):
        if want != have:
            seq = rows[number - 2]["seq"] if number > 1 and number - 2 < len(rows) else None
            where = f"line {number}" + (f" (seq {seq})" if seq is not None else " (headings)")
            raise Mismatch(f"{HISTORY_CSV} {where}", "differs from history.json")
    if len(expected) != len(actual):
        raise Mismatch(HISTORY_CSV, "has another number of lines than history.json has rows")


def check_documents(members: dict[str, bytes], manifest: dict, rows: list[dict]) -> int:
    """Every file under documents/ is one a proven history row recorded (by its SHA-256), and
    every document those rows record is there: the list comes from the signed rows, not from
    the manifest, which anyone can rewrite."""
    recorded: dict[str, list[int]] = {}
    for row in rows:
        columns = row["columns"]
        if row["table"] == DOCUMENT_TABLE and columns.get("history_type") == "+":
            recorded.setdefault(columns.get("sha256"), []).append(row["seq"])
    files = sorted(name for name in members if name.startswith("documents/"))
    unmatched = {digest: list(seqs) for digest, seqs in recorded.items()}
    for path in files:
        seqs = unmatched.get(sha256(members[path]))
        if not seqs:
            raise Mismatch(
                path,
                "its SHA-256 is not one a chained history row of the case recorded: "
                "the file was changed or added",
            )
        seqs.pop()
    for digest, seqs in sorted(unmatched.items()):
        if seqs:
            raise Mismatch(
                f"{HISTORY} seq {seqs[0]}",
                f"records a document (SHA-256 {digest}) that is missing from documents/",
            )
    for path, seq in manifest.get("documents", {}).items():
        row = next((r for r in rows if r["seq"] == seq), None)
        if path not in members or row is None or row["table"] != DOCUMENT_TABLE:
            raise Mismatch(MANIFEST, f"names no document row for {path}")
    return len(files)


def check_manifest(members: dict[str, bytes], manifest: dict) -> int:
    files = manifest.get("files")
    if not isinstance(files, dict) or manifest.get("self_sha256") != manifest_digest(manifest):
        raise Mismatch(MANIFEST, "was changed (its own SHA-256 does not match)")
    for name, digest in files.items():
        if name not in members:
            raise Mismatch(name, "listed in manifest.json but missing from the package")
        if sha256(members[name]) != digest:
            raise Mismatch(name, "does not match its SHA-256 in manifest.json (and the 案卷目录)")
    extra = sorted(set(members) - set(files) - {MANIFEST})
    if extra:
        raise Mismatch(extra[0], "is not listed in manifest.json")
    return len(files)


def verify(path: str, pinned: str | None = None) -> str:
    """Check the package at ``path``; the summary of what held, or Mismatch."""
    try:
        members = read_members(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise Mismatch(path, f"cannot be read as a ZIP file or folder ({exc})") from exc
    manifest = _json(members, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("self_sha256") != manifest_digest(manifest):
        raise Mismatch(MANIFEST, "was changed (its own SHA-256 does not match)")
    checkpoint = check_checkpoint(members, pinned)
    rows = check_rows(members, checkpoint)
    check_csv(members, rows)
    documents = check_documents(members, manifest, rows)
    files = check_manifest(members, manifest)
    return (
        f"OK: case {manifest.get('case')}: {len(rows)} history rows recomputed from their "
        f"columns and proven included (RFC 9162) in the checkpoint of {checkpoint['tree_size']} "
        f"rows with root {checkpoint['root']}, made {checkpoint['made_at']} and signed by key "
        f"{checkpoint['key_id']}; {documents} documents match the SHA-256 their history rows "
        f"recorded; history.csv matches history.json; {files} files match manifest.json. "
        f"Compare key id {checkpoint['key_id']} with the one the bureau's witnesses hold."
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pinned = None
    if "--public-key" in argv:
        at = argv.index("--public-key")
        if at + 1 >= len(argv):
            print("--public-key needs a key id or the key's hex", file=sys.stderr)
            return 2
        pinned = argv[at + 1]
        argv = argv[:at] + argv[at + 2 :]
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(verify(argv[0], pinned))
    except Mismatch as exc:
        print(f"MISMATCH: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
