"""verify.py: check a lianzheng case evidence package (案卷) offline.

Usage::

    python verify.py CASE.zip            # the package as downloaded
    python verify.py CASE-folder/        # or unpacked
    python verify.py CASE.zip --public-key KEY_ID_OR_HEX   # pin the bureau's signing key
    python verify.py CASE.zip --lang en  # or zh; without it, English when LC_ALL, LC_MESSAGES
                                         # or LANG (the first one set) starts with "en"

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

# The usage in Chinese; the module docstring above is the English one. Every reader sees one.
USAGE_ZH = """verify.py：离线核验廉政谈话案件的证据包（案卷）。

用法：

    python verify.py 案卷.zip            # 核验下载所得的案卷 ZIP 文件
    python verify.py 案卷文件夹/         # 或核验解压后的文件夹
    python verify.py 案卷.zip --public-key 密钥标识或公钥的十六进制值
                                         # 指定本局的签名公钥
    python verify.py 案卷.zip --lang en  # 以英文输出；默认以中文输出

运行只需 Python 3.10 及以上版本和 cryptography 软件包
（pip install cryptography），别无其他依赖。全部核验通过时，程序说明
核验了哪些内容，退出码为 0；发现不符时，指明第一处不符的文件或行，
退出码为 1；无法按所给参数运行时，退出码为 2。

核验内容依次为：

1. checkpoint/checkpoint.json 由 checkpoint/public_key.pem 中的公钥以
   Ed25519 签名。请将输出的密钥标识与本局见证人（如纪委信箱）收到的
   密钥标识核对，或以 --public-key 指定：他人用自己的密钥制作的案卷
   同样能通过核验，但密钥标识不同。
2. history/history.json 的每一行，由其各列（按本局的编码方法，代码附
   于下文）重新算出的哈希与记录的哈希相同；其 Merkle 包含证明
   （proofs/inclusion.json，RFC 9162）能由该哈希推出检查点已签名的
   根哈希。任何一列被改动过的行，或哈希被重新计算过的行，都不能通过。
3. history/history.csv 与 history.json 的内容完全一致。
4. documents/ 下每一份文书的 SHA-256 均由本案某一已入链的历史记录行
   记录；这些行记录的每一份文书也都在包中。
5. 每个文件都与 manifest.json（案卷目录 PDF 亦予列出）所载的 SHA-256
   相符，没有缺失或多出的文件。

下文的编码代码和 Merkle 代码是制作案卷时 lianzheng/audit/encoding.py
和 lianzheng/audit/merkle.py 的副本：本程序用写入哈希的同一代码核验案卷。
"""

USAGE = {"zh": USAGE_ZH, "en": __doc__}

# Every message the script prints, by key, in each language. English wording is what scripts
# and tests match on: change it only with them. Values in {braces} are data (file names, hashes,
# the case number), shown as they are in both languages.
MESSAGES = {
    "en": {
        "ok": (
            "OK: case {case}: {rows} history rows recomputed from their columns and proven "
            "included (RFC 9162) in the checkpoint of {size} rows with root {root}, made "
            "{made_at} and signed by key {key_id}; {documents} documents match the SHA-256 their "
            "history rows recorded; history.csv matches history.json; {files} files match "
            "manifest.json. Compare key id {key_id} with the one the bureau's witnesses hold."
        ),
        "mismatch": "MISMATCH: {what}: {why}",
        "public_key_needed": "--public-key needs a key id or the key's hex",
        "lang_needed": "--lang needs zh or en",
        # where
        "row": "{file} row {number} (seq {seq}, {table} history_id={history_id})",
        "row_bare": "{file} row {number}",
        "proof_for": "{file} proof for seq {seq}",
        "csv_line": "{file} line {number} (seq {seq})",
        "csv_headings": "{file} line {number} (headings)",
        "history_seq": "{file} seq {seq}",
        # what is wrong
        "unreadable": "cannot be read as a ZIP file or folder ({error})",
        "missing": "missing from the package",
        "not_json": "cannot be read as JSON ({error})",
        "signature": "its signature does not hold ({error})",
        "key_id_mismatch": "its key id does not name its public key",
        "statement_mismatch": "its statement is not the one its fields make",
        "invalid": "invalid",
        "not_a_key": "is not a readable Ed25519 public key ({error})",
        "not_ed25519": "not an Ed25519 key",
        "not_checkpoint_key": "is not the key the checkpoint names",
        "not_pinned": "key {key_id} is not the pinned key {pinned} (--public-key)",
        "other_checkpoint": "its proofs are for another checkpoint",
        "not_history": "is not laid out as a package's history ({error})",
        "malformed_row": "is malformed",
        "unknown_encoding": "unknown encoding {name!r}",
        "cannot_encode": "cannot be encoded ({error})",
        "row_changed": "its columns do not give its recorded hash: the row was changed",
        "outside": "lies outside the checkpoint's {size} rows",
        "proof_malformed": "missing or malformed ({error})",
        "proof_fails": "does not lead from {row}'s hash to the signed root",
        "extra_proofs": "holds proofs for rows the history does not",
        "csv_differs": "differs from history.json",
        "csv_lines": "has another number of lines than history.json has rows",
        "document_unrecorded": (
            "its SHA-256 is not one a chained history row of the case recorded: "
            "the file was changed or added"
        ),
        "document_missing": "records a document (SHA-256 {digest}) that is missing from documents/",
        "no_document_row": "names no document row for {path}",
        "manifest_changed": "was changed (its own SHA-256 does not match)",
        "listed_missing": "listed in manifest.json but missing from the package",
        "hash_differs": "does not match its SHA-256 in manifest.json (and the 案卷目录)",
        "not_listed": "is not listed in manifest.json",
        # Python's own words in English; the Chinese says the same plainly
        "no_such_path": "{error}",
        "not_a_zip": "{error}",
        "not_utf8": "{error}",
        "bad_json": "{error}",
    },
    "zh": {
        "ok": (
            "核验通过：案件 {case}：{rows} 条历史记录均已由其各列重新算出哈希，并已按 "
            "RFC 9162 证明包含于共 {size} 行的检查点中；该检查点的根哈希为 {root}，生成于 "
            "{made_at}，由密钥 {key_id} 签名；{documents} 份文书与其历史记录所记载的 "
            "SHA-256 相符；history.csv 与 history.json 一致；{files} 个文件与 "
            "manifest.json 相符。请将密钥标识 {key_id} 与本局见证人所持有的密钥标识核对。"
        ),
        "mismatch": "不符：{what}：{why}",
        "public_key_needed": "--public-key 之后须给出密钥标识或公钥的十六进制值",
        "lang_needed": "--lang 之后须给出 zh（中文）或 en（英文）",
        "row": "{file} 第{number}行（序号 {seq}，{table} history_id={history_id}）",
        "row_bare": "{file} 第{number}行",
        "proof_for": "{file} 中序号 {seq} 的证明",
        "csv_line": "{file} 第{number}行（序号 {seq}）",
        "csv_headings": "{file} 第{number}行（表头）",
        "history_seq": "{file} 序号 {seq}",
        "unreadable": "无法作为 ZIP 文件或文件夹读取（{error}）",
        "missing": "包中缺少此文件",
        "not_json": "无法作为 JSON 读取（{error}）",
        "signature": "签名核验未通过（{error}）",
        "key_id_mismatch": "其密钥标识与其公钥不对应",
        "statement_mismatch": "其签名陈述与其各字段生成的陈述不同",
        "invalid": "签名无效",
        "not_a_key": "不是可读取的 Ed25519 公钥（{error}）",
        "not_ed25519": "不是 Ed25519 密钥",
        "not_checkpoint_key": "不是检查点所载明的公钥",
        "not_pinned": "公钥 {key_id} 不是以 --public-key 指定的公钥 {pinned}",
        "other_checkpoint": "其中的证明属于另一个检查点",
        "not_history": "不具备案卷历史记录的格式（{error}）",
        "malformed_row": "格式已损坏",
        "unknown_encoding": "未知的编码 {name!r}",
        "cannot_encode": "无法编码（{error}）",
        "row_changed": "其各列算出的哈希与记录的哈希不同——该行被改动过",
        "outside": "超出检查点所涵盖的 {size} 行",
        "proof_malformed": "缺失或格式已损坏（{error}）",
        "proof_fails": "不能由{row}的哈希推出已签名的根哈希",
        "extra_proofs": "含有历史记录中没有的行的证明",
        "csv_differs": "与 history.json 不一致",
        "csv_lines": "行数与 history.json 的记录行数不同",
        "document_unrecorded": (
            "其 SHA-256 不是本案任何已入链历史记录行所记录的——该文件被改动过或是后加入的"
        ),
        "document_missing": "记录了一份文书（SHA-256 {digest}），但 documents/ 中没有该文书",
        "no_document_row": "为 {path} 所列的不是文书的历史记录行",
        "manifest_changed": "被改动过（其自身的 SHA-256 不符）",
        "listed_missing": "已列入 manifest.json，但包中缺少此文件",
        "hash_differs": "与 manifest.json（及案卷目录）所载的 SHA-256 不符",
        "not_listed": "未列入 manifest.json",
        "no_such_path": "找不到该文件或文件夹",
        "not_a_zip": "不是 ZIP 文件",
        "not_utf8": "不是 UTF-8 编码的文本",
        "bad_json": "JSON 格式错误，位于第{line}行第{column}列",
    },
}
LANGUAGES = tuple(MESSAGES)


class Text:
    """A message by key and parameters, put into words only when printed: the checks run before
    anything is said, and one exception then reads in whichever language the reader chose.
    A parameter may itself be a Text (a row named inside a message)."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params

    def render(self, lang: str) -> str:
        params = {
            name: value.render(lang) if isinstance(value, Text) else value
            for name, value in self.params.items()
        }
        return MESSAGES[lang][self.key].format(**params)

    def __str__(self) -> str:
        return self.render("en")


class Mismatch(Exception):
    """The first thing that does not hold: ``what`` names the file or row (a file name, or a
    Text naming a row in it), ``why`` says what is wrong with it. Kept as keys, not words, so
    that ``main`` can print it in the reader's language; ``str()`` gives the English."""

    def __init__(self, what: Text | str, key: str, **params):
        self.what = what
        self.why = Text(key, **params)
        super().__init__(f"{what}: {self.why}")

    def render(self, lang: str) -> str:
        return Text("mismatch", what=self.what, why=self.why).render(lang)


class Reason(ValueError):
    """A ValueError this script raises itself, so that the Mismatch it becomes can say why in
    the reader's language rather than in Python's words."""

    def __init__(self, key: str, **params):
        self.text = Text(key, **params)
        super().__init__(str(self.text))


def detail(exc: BaseException) -> Text | str:
    """What went wrong underneath, for a Mismatch's parentheses: in the reader's language for
    the failures a damaged package usually gives, else Python's own message (which names the
    exact fault and has no translation here)."""
    if isinstance(exc, Reason):
        return exc.text
    if isinstance(exc, FileNotFoundError):
        return Text("no_such_path", error=str(exc))
    if isinstance(exc, zipfile.BadZipFile):
        return Text("not_a_zip", error=str(exc))
    if isinstance(exc, UnicodeDecodeError):
        return Text("not_utf8", error=str(exc))
    if isinstance(exc, json.JSONDecodeError):
        return Text("bad_json", error=str(exc), line=exc.lineno, column=exc.colno)
    return str(exc)


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
        raise Reason("unknown_encoding", name=row["encoding"])
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
        raise Mismatch(name, "missing")
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Mismatch(name, "not_json", error=detail(exc)) from exc


def check_checkpoint(members: dict[str, bytes], pinned: str | None) -> dict:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    checkpoint = _json(members, CHECKPOINT)
    try:
        public = bytes.fromhex(checkpoint["public_key"])
        if merkle.key_id(public) != checkpoint["key_id"]:
            raise Reason("key_id_mismatch")
        signed = merkle.statement(checkpoint)
        if checkpoint.get("statement") not in (None, signed.decode()):
            raise Reason("statement_mismatch")
        Ed25519PublicKey.from_public_bytes(public).verify(
            bytes.fromhex(checkpoint["signature"]), signed
        )
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        # InvalidSignature says nothing of itself
        why = Text("invalid") if isinstance(exc, InvalidSignature) else detail(exc)
        raise Mismatch(CHECKPOINT, "signature", error=why) from exc
    if PUBLIC_KEY not in members:
        raise Mismatch(PUBLIC_KEY, "missing")
    try:
        key = serialization.load_pem_public_key(members[PUBLIC_KEY])
        if not isinstance(key, Ed25519PublicKey):
            raise Reason("not_ed25519")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    except ValueError as exc:
        raise Mismatch(PUBLIC_KEY, "not_a_key", error=detail(exc)) from exc
    if raw != public:
        raise Mismatch(PUBLIC_KEY, "not_checkpoint_key")
    if pinned and pinned.lower() not in (merkle.key_id(raw), raw.hex()):
        raise Mismatch(PUBLIC_KEY, "not_pinned", key_id=merkle.key_id(raw), pinned=pinned)
    return checkpoint


def check_rows(members: dict[str, bytes], checkpoint: dict) -> list[dict]:
    history = _json(members, HISTORY)
    proofs = _json(members, PROOFS)
    try:
        size, root = int(checkpoint["tree_size"]), bytes.fromhex(checkpoint["root"])
        rows = history["rows"]
        by_seq = proofs["proofs"]
        if proofs.get("root") != checkpoint["root"] or proofs.get("tree_size") != size:
            raise Mismatch(PROOFS, "other_checkpoint")
    except (KeyError, TypeError, ValueError) as exc:
        raise Mismatch(HISTORY, "not_history", error=detail(exc)) from exc
    for number, row in enumerate(rows, 1):
        try:
            name = Text(
                "row",
                file=HISTORY,
                number=number,
                seq=row["seq"],
                table=row["table"],
                history_id=row["history_id"],
            )
        except (KeyError, TypeError):
            raise Mismatch(Text("row_bare", file=HISTORY, number=number), "malformed_row") from None
        try:
            recomputed = row_hash(row)
        except Exception as exc:  # a damaged row may fail anywhere in the encoding
            raise Mismatch(name, "cannot_encode", error=detail(exc)) from exc
        if recomputed != row["hash"]:
            raise Mismatch(name, "row_changed")
        seq = row["seq"]
        if not isinstance(seq, int) or not 1 <= seq <= size:
            raise Mismatch(name, "outside", size=size)
        where = Text("proof_for", file=PROOFS, seq=seq)
        try:
            proof = [bytes.fromhex(p) for p in by_seq[str(seq)]]
            leaf = merkle.leaf_hash(bytes.fromhex(row["hash"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Mismatch(where, "proof_malformed", error=detail(exc)) from exc
        if not merkle.verify_inclusion(seq - 1, size, leaf, proof, root):
            raise Mismatch(where, "proof_fails", row=name)
    if set(by_seq) != {str(row["seq"]) for row in rows}:
        raise Mismatch(PROOFS, "extra_proofs")
    return rows


def check_csv(members: dict[str, bytes], rows: list[dict]) -> None:
    if HISTORY_CSV not in members:
        raise Mismatch(HISTORY_CSV, "missing")
    expected = history_csv(rows).split(b"\r\n")
    actual = members[HISTORY_CSV].split(b"\r\n")
    for number, (want, have) in enumerate(zip(expected, actual, strict=False), 1):
        if want != have:
            seq = rows[number - 2]["seq"] if number > 1 and number - 2 < len(rows) else None
            where = (
                Text("csv_line", file=HISTORY_CSV, number=number, seq=seq)
                if seq is not None
                else Text("csv_headings", file=HISTORY_CSV, number=number)
            )
            raise Mismatch(where, "csv_differs")
    if len(expected) != len(actual):
        raise Mismatch(HISTORY_CSV, "csv_lines")


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
            raise Mismatch(path, "document_unrecorded")
        seqs.pop()
    for digest, seqs in sorted(unmatched.items()):
        if seqs:
            raise Mismatch(
                Text("history_seq", file=HISTORY, seq=seqs[0]), "document_missing", digest=digest
            )
    for path, seq in manifest.get("documents", {}).items():
        row = next((r for r in rows if r["seq"] == seq), None)
        if path not in members or row is None or row["table"] != DOCUMENT_TABLE:
            raise Mismatch(MANIFEST, "no_document_row", path=path)
    return len(files)


def check_manifest(members: dict[str, bytes], manifest: dict) -> int:
    files = manifest.get("files")
    if not isinstance(files, dict) or manifest.get("self_sha256") != manifest_digest(manifest):
        raise Mismatch(MANIFEST, "manifest_changed")
    for name, digest in files.items():
        if name not in members:
            raise Mismatch(name, "listed_missing")
        if sha256(members[name]) != digest:
            raise Mismatch(name, "hash_differs")
    extra = sorted(set(members) - set(files) - {MANIFEST})
    if extra:
        raise Mismatch(extra[0], "not_listed")
    return len(files)


def verify(path: str, pinned: str | None = None, lang: str = "en") -> str:
    """Check the package at ``path``; the summary of what held in ``lang``, or Mismatch."""
    try:
        members = read_members(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise Mismatch(path, "unreadable", error=detail(exc)) from exc
    manifest = _json(members, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("self_sha256") != manifest_digest(manifest):
        raise Mismatch(MANIFEST, "manifest_changed")
    checkpoint = check_checkpoint(members, pinned)
    rows = check_rows(members, checkpoint)
    check_csv(members, rows)
    documents = check_documents(members, manifest, rows)
    files = check_manifest(members, manifest)
    return Text(
        "ok",
        case=manifest.get("case"),
        rows=len(rows),
        size=checkpoint["tree_size"],
        root=checkpoint["root"],
        made_at=checkpoint["made_at"],
        key_id=checkpoint["key_id"],
        documents=documents,
        files=files,
    ).render(lang)


def environment_language(environ=None) -> str:
    """English when the locale asks for it, read the way gettext reads it (LC_ALL, then
    LC_MESSAGES, then LANG: the first one set); else Chinese, the bureau's own language, which
    is also what a machine with no locale set (as Windows usually has) gets."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def take_option(argv: list[str], name: str) -> tuple[str | None, list[str]]:
    """``argv`` without option ``name`` and its value (``name VALUE`` or ``name=VALUE``): the
    value (None when the option is absent, "" when it has no value) and the rest."""
    for at, arg in enumerate(argv):
        if arg == name:
            if at + 1 >= len(argv):
                return "", argv[:at]
            return argv[at + 1], argv[:at] + argv[at + 2 :]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :], argv[:at] + argv[at + 1 :]
    return None, argv


def say(text: str, stream) -> None:
    """Print ``text``, escaping what the stream's encoding cannot hold (output redirected on a
    machine set to another code page) rather than dying on the first Chinese character."""
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        codec = getattr(stream, "encoding", None) or "ascii"
        print(text.encode(codec, "backslashreplace").decode(codec), file=stream)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = environment_language()
    chosen, argv = take_option(argv, "--lang")  # first, so that all the rest is in it
    if chosen is not None:
        if chosen.lower()[:2] not in LANGUAGES:
            say(Text("lang_needed").render(lang), sys.stderr)
            return 2
        lang = chosen.lower()[:2]
    pinned, argv = take_option(argv, "--public-key")
    if pinned == "":
        say(Text("public_key_needed").render(lang), sys.stderr)
        return 2
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        say(USAGE[lang], sys.stderr)
        return 2
    try:
        say(verify(argv[0], pinned, lang), sys.stdout)
    except Mismatch as exc:
        say(exc.render(lang), sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
