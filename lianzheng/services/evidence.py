"""A case's evidence package (案卷): one ZIP an inspector checks offline with its verify.py.

It holds the case's whole history (JSON and CSV), each history row's Merkle inclusion proof
against a signed checkpoint (a fresh one when the newest does not cover the case's last row),
the checkpoint and its public key, every generated document of the case, a 案卷目录 PDF listing
every item's SHA-256, and ``verify.py``: lianzheng/audit/offline_verify.py with the encoding and
Merkle modules embedded, so the package is checked by the code that wrote its hashes, in
whatever encodings its rows use.

Whistleblower information (第七条（四）) stays out unless the person downloading is one of its
three readers and asks for it; that showing is logged like any other.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from lianzheng.audit import chain, checkpoints, encoding, merkle, offline_verify
from lianzheng.documents.evidence import contents_pdf
from lianzheng.documents.fonts import load_fonts
from lianzheng.history import user_display
from lianzheng.models import ConfidentialAccess, GeneratedDocument, TalkCase
from lianzheng.permissions import user_can_ask
from lianzheng.selectors.audit import CASE_LINKED, WITHHELD
from lianzheng.services.confidential import confidential_refusals

BEGIN = "# --- embedded modules: writing a package replaces this block with the modules' source ---"
END = "# --- end of embedded modules ---"
CONFIDENTIAL_PURPOSE = "evidence package"


class PackageRefused(Exception):
    """The package cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes
    rows: int
    documents: int
    checkpoint_id: int


def verify_script() -> str:
    """offline_verify.py with encoding.py and merkle.py embedded in place of their import."""
    source = Path(offline_verify.__file__).read_text(encoding="utf-8")
    head, rest = source.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    modules = "\n".join(
        f"{name} = _embedded({('lianzheng_embedded_' + name)!r}, "
        f"{Path(module.__file__).read_text(encoding='utf-8')!r})"
        for name, module in (("encoding", encoding), ("merkle", merkle))
    )
    block = (
        "# Copies of lianzheng/audit/encoding.py and lianzheng/audit/merkle.py, embedded when\n"
        "# this package was written.\n"
        "import types as _types\n\n\n"
        "def _embedded(name, source):\n"
        "    module = _types.ModuleType(name)\n"
        "    sys.modules[name] = module\n"
        "    exec(compile(source, f'<embedded {name}>', 'exec'), module.__dict__)\n"
        "    return module\n\n\n" + modules + "\n"
    )
    return head + block + END + tail


def row_encoding(version) -> str:
    """The function of lianzheng/audit/encoding.py that made a row's canonical text, by name
    (its ``chain_encoding``; NULL: version 1): verify.py calls it with (table label, column
    names, values)."""
    return {None: "canonical_v1", 1: "canonical_v1", 2: "canonical_v2"}[version]


# What version 2 hashes beyond a table's own columns (lianzheng.audit.chain.TableShape).
V2_EXTRA = ("history_id", "chain_seq", "chain_encoding")


def _case_rows(case: TalkCase, *, confidential: bool) -> list[dict]:
    """Every history row of the case, in chain order, with its columns as the encoding sees
    them (normalised: JSON values that the encoding maps to the same text)."""
    by_name = {m._meta.model_name: m for m in chain.chained_models()}
    rows = []
    for name, field in CASE_LINKED.items():
        if name in WITHHELD and not confidential:
            continue
        model = by_name.get(name)
        if model is None:
            continue
        shape = chain.shape_of(model)
        qs = model._default_manager.filter(**{field: case.pk}, chain_seq__isnull=False)
        for values in qs.values_list(*shape.row_columns):
            body = dict(
                zip(shape.columns, map(encoding.normalise, values[chain.PREFIX :]), strict=True)
            )
            if values[4] == 2:
                body.update(zip(V2_EXTRA, (values[3], values[0], values[4]), strict=True))
            row = {
                "seq": values[0],
                "table": shape.label,
                "history_id": values[3],
                "prev": values[1],
                "hash": values[2],
                "encoding": row_encoding(values[4]),
                "columns": body,
            }
            if offline_verify.row_hash(row) != row["hash"]:
                raise PackageRefused(
                    _(
                        "History row %(seq)s (%(table)s history_id=%(id)s) does not match its "
                        "hash; run manage.py lianzheng_audit verify first."
                    )
                    % {"seq": row["seq"], "table": shape.label, "id": row["history_id"]}
                )
            rows.append(row)
    rows.sort(key=lambda r: r["seq"])
    return rows


def _checkpoint_for(last_seq: int, user) -> checkpoints.Checkpoint:
    newest = checkpoints.newest()
    if newest is None or newest.tree_size < last_seq:
        try:
            newest = checkpoints.make_checkpoint(
                made_by=f"{user_display(user) if user else '命令行 command line'}（案卷 package）"
            )
        except checkpoints.KeyMissing as exc:
            raise PackageRefused(
                _(
                    "No signing key is configured, so no checkpoint can be signed for the "
                    "package; the administrator makes one with manage.py lianzheng_audit keygen."
                )
            ) from exc
        except checkpoints.ChainBroken as exc:
            raise PackageRefused(
                _(
                    "The audit chain does not hold (%(detail)s); no checkpoint was signed and no "
                    "package made."
                )
                % {"detail": exc}
            ) from exc
    problem = checkpoints.checkpoint_problem(newest)
    if problem is not None:
        raise PackageRefused(
            _("Signed checkpoint #%(number)s does not hold: %(reason)s")
            % {"number": newest.pk, "reason": problem.reason}
        )
    return newest


def case_label(case: TalkCase) -> str:
    """The case as the package names it: its number, or for a draft (no number yet) its key."""
    return case.number or f"未编号草稿-{case.pk}"


def package_filename(case: TalkCase) -> str:
    """The ZIP's name, 案卷-阿州住建廉约〔2026〕1号.zip: also what the package page shows in
    the command that checks it."""
    safe_number = "".join(c for c in case_label(case) if c not in '/\\:*?"<>|')
    return f"案卷-{safe_number}.zip"


def _member_name(number: int, filename: str) -> str:
    safe = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in filename)
    return f"documents/{number:02d}-{safe}"


def package_case(
    case: TalkCase, *, user=None, include_confidential: bool = False, progress=None
) -> Package:
    """The case's evidence package. ``user`` None is the command line (the operator of the
    server); a user must be one ``user_can_ask(user, "package")`` allows, and for the
    whistleblower report one of R7.4's readers, whose showing is logged. ``progress(share,
    stage)`` is told how far it got (the background job's bar; models.jobs.JobStage)."""
    tell = progress or (lambda share, stage: None)
    if user is not None and not user_can_ask(user, "package"):
        raise PermissionDenied
    if include_confidential:
        if user is None or confidential_refusals(user):
            raise PackageRefused(
                _("Only the readers of Article 7(4) may include the whistleblower report.")
            )
    label = case_label(case)
    tell(0.02, "reading")
    fonts = load_fonts()
    rows = _case_rows(case, confidential=include_confidential)
    if not rows:
        raise PackageRefused(_("Case %(case)s has no history.") % {"case": case})
    tell(0.15, "proofs")
    checkpoint = _checkpoint_for(rows[-1]["seq"], user)
    tree = checkpoints.tree_upto(checkpoint.tree_size)
    if tree.root().hex() != checkpoint.root:
        raise PackageRefused(
            _(
                "The chain no longer gives the root of signed checkpoint #%(number)s; run "
                "manage.py lianzheng_audit verify."
            )
            % {"number": checkpoint.pk}
        )
    proofs = {str(r["seq"]): [p.hex() for p in tree.inclusion_proof(r["seq"] - 1)] for r in rows}
    fields = checkpoints.as_json(checkpoint)

    members: dict[str, bytes] = {}
    descriptions: dict[str, str] = {}
    document_rows = {
        r["columns"]["id"]: r["seq"]
        for r in rows
        if r["table"] == "lianzheng.historicalgenerateddocument"
        and r["columns"].get("history_type") == "+"
    }
    documents: dict[str, int] = {}
    generated = list(GeneratedDocument.objects.filter(case=case).order_by("generated_at", "pk"))
    tell(0.3, "documents")
    for number, document in enumerate(generated, 1):
        tell(0.3 + 0.5 * (number - 1) / max(len(generated), 1), "documents")
        with default_storage.open(document.file.name, "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != document.sha256:
            raise PackageRefused(
                _("%(name)s does not match its SHA-256; run manage.py lianzheng_audit files.")
                % {"name": document.filename}
            )
        name = _member_name(number, document.filename)
        members[name] = data
        descriptions[name] = f"文书 document v{document.version}"
        documents[name] = document_rows[document.pk]
    members[offline_verify.HISTORY] = (
        json.dumps({"case": label, "rows": rows}, ensure_ascii=False, indent=1) + "\n"
    ).encode()
    descriptions[offline_verify.HISTORY] = "案件全部历史 the case's history"
    members[offline_verify.HISTORY_CSV] = offline_verify.history_csv(rows)
    descriptions[offline_verify.HISTORY_CSV] = "同上，CSV the same as CSV"
    members[offline_verify.PROOFS] = (
        json.dumps(
            {
                "checkpoint": offline_verify.CHECKPOINT,
                "tree_size": checkpoint.tree_size,
                "root": checkpoint.root,
                "proofs": proofs,
            },
            indent=1,
        )
        + "\n"
    ).encode()
    descriptions[offline_verify.PROOFS] = "Merkle 包含证明 inclusion proofs (RFC 9162)"
    members[offline_verify.CHECKPOINT] = checkpoints.json_bytes(checkpoint)
    descriptions[offline_verify.CHECKPOINT] = "签名检查点 signed checkpoint"
    members[offline_verify.PUBLIC_KEY] = checkpoints.public_pem(
        bytes.fromhex(checkpoint.public_key)
    ).encode()
    descriptions[offline_verify.PUBLIC_KEY] = "公钥 public key (Ed25519)"
    members[offline_verify.VERIFY] = verify_script().encode()
    descriptions[offline_verify.VERIFY] = "离线核验程序 offline verifier"

    tell(0.85, "typesetting")
    made_at = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S %Z")
    items = [
        (name, len(data), hashlib.sha256(data).hexdigest(), descriptions[name])
        for name, data in sorted(members.items())
    ]
    contents = "案卷目录.pdf"
    members[contents] = contents_pdf(
        fonts, case_number=label, made_at=made_at, checkpoint=fields, items=items
    )
    manifest = {
        "format": 1,
        "case": label,
        "made_at": made_at,
        "checkpoint": offline_verify.CHECKPOINT,
        "confidential_included": include_confidential,
        "documents": documents,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    manifest["self_sha256"] = offline_verify.manifest_digest(manifest)
    members[offline_verify.MANIFEST] = (
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    ).encode()

    if include_confidential:
        ConfidentialAccess.objects.create(
            case=case,
            user_id=user.pk,
            user_display=user_display(user),
            purpose=CONFIDENTIAL_PURPOSE,
        )
    tell(0.95, "storing")
    out = io.BytesIO()
    first = (offline_verify.VERIFY, contents, offline_verify.MANIFEST)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in [*first, *sorted(n for n in members if n not in first)]:
            archive.writestr(name, members[name])
    return Package(
        filename=package_filename(case),
        data=out.getvalue(),
        rows=len(rows),
        documents=len(documents),
        checkpoint_id=checkpoint.pk,
    )
