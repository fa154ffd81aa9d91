"""Generating a case's documents and keeping each as an immutable, versioned record.

``document_generate`` is the one way a document comes into being: it checks who asks, what the
case can produce now, renders the PDF, stores the file under a name no later write can take,
and records file, SHA-256, author, time and the case version in one transaction with its history
row and chain link. ``document_read`` gives the bytes back only if they still hash to what was
recorded, so a file changed on disk is refused rather than handed out as the record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from reportlab.platypus.doctemplate import LayoutError

from lianzheng.audit.records import problems_of
from lianzheng.choices import DocumentKind, TalkType
from lianzheng.documents import case_documents as docs
from lianzheng.documents.fonts import FontsUnavailable, MissingGlyph, load_fonts
from lianzheng.history import Change, recording
from lianzheng.models import (
    CaseSubject,
    DocumentSettings,
    GeneratedDocument,
    Person,
    Postponement,
    RectificationCheck,
    TalkCase,
    TalkRecord,
)
from lianzheng.permissions import user_can_ask, user_can_view_cases
from lianzheng.refusals import Refusal, TransitionRefused, input_problem
from lianzheng.selectors import documents as context
from lianzheng.services.errors import pdf_failed
from lianzheng.services.files import files_kept_with_rows

# progress(share from 0 to 1, stage): how far a long generation got (models.jobs.JobStage).
Progress = Callable[[float, str], None]

CASE_KINDS = (DocumentKind.RECTIFICATION_NOTICE, DocumentKind.RECTIFICATION_REPORT)
# Signed or filed records, not 公文: their pages say 「第x页 共y页」, so that none goes missing.
PAGE_OF_TOTAL = (
    DocumentKind.RECORD,
    DocumentKind.COMMITMENT,
    DocumentKind.RECTIFICATION_REPORT,
    DocumentKind.INTEGRITY_FILE,
)
SUBJECT_KINDS = (DocumentKind.NOTICE, DocumentKind.RECORD, DocumentKind.COMMITMENT)


class DocumentUnavailable(Exception):
    """The record of a document stands, but its file cannot be handed out as that record."""

    status = 409


class DocumentTampered(DocumentUnavailable):
    """The stored file no longer hashes to the SHA-256 recorded when it was generated."""

    def __init__(self, document: GeneratedDocument, actual: str):
        self.document = document
        self.actual = actual
        super().__init__(
            f"文书文件与登记的 SHA-256 不符，可能已被改动，拒绝提供。登记值 {document.sha256}，"
            f"实际值 {actual}。 / The stored file does not match its recorded SHA-256 and may "
            f"have been altered; it is not served. Recorded {document.sha256}, found {actual}."
        )


class DocumentMissing(DocumentUnavailable):
    """The stored file is gone (a media folder not restored with the database, say)."""

    status = 410

    def __init__(self, document: GeneratedDocument):
        self.document = document
        super().__init__(
            f"文书文件缺失（{document.file.name}），无法提供；请从备份中恢复媒体文件夹。"
            f" / The document's file ({document.file.name}) is missing and cannot be served; "
            "restore the media folder from the backup."
        )


@dataclass(frozen=True)
class DocumentOption:
    """One document the case page offers: what, for whom, and why not if it cannot be made."""

    kind: str
    person: Person | None
    label: str
    problem: str = ""  # empty when it can be generated now
    problem_en: str = ""

    @property
    def available(self) -> bool:
        return not self.problem

    @property
    def title(self) -> str:
        """The document's name in the reader's language (``label`` is its printed name)."""
        return str(DocumentKind(self.kind).label)

    @property
    def problem_text(self) -> str:
        """Why not, in the reader's language."""
        return input_problem(self.problem, self.problem_en).text


def _label(kind: str) -> str:
    """The document's Chinese name (廉政约谈通知书 …), whatever the reader's language: it is
    the name printed on the document and in its file name."""
    return context.zh(DocumentKind(kind).label)


NO_NOTICE = (
    "尚未发出书面通知（第六条（三））",
    "no written notice has been sent yet (Article 6(3))",
)
NO_RECORD = ("尚未记录谈话（第七条（三））", "the talk has not been recorded yet (Article 7(3))")
NO_COMMITMENT = (
    "谈话记录中尚无廉洁自律承诺（第四条（二））",
    "the talk record holds no integrity commitment yet (Article 4(2))",
)
NO_ITEMS = ("尚无整改事项（第九条）", "no rectification items yet (Article 9)")
NO_OWN_ITEMS = ("本人尚无整改事项（第九条）", "no rectification items of his own yet (Article 9)")
NO_PHONE = (
    "尚未设置办公室电话：通知书须告诉约谈对象如何联系办公室（如申请推后补谈），请先在“设置 › "
    "公文设置”中填写办公室电话，再生成通知书（第六条（三）、第八条（一））",
    "the office telephone is not set: the notice must tell the subject how to reach the office "
    "(to apply for a postponement, say); enter it under Settings › Document settings, then "
    "generate the notice (Articles 6(3) and 8(1))",
)


def _why(ok: bool, problem: tuple[str, str]) -> tuple[str, str]:
    return ("", "") if ok else problem


def case_document_options(
    case: TalkCase, *, subjects=None, notices=None, records=None
) -> list[DocumentOption]:
    """Every document the case has or will have, with the reason one is not yet possible.
    ``subjects``, ``notices``, ``records``: the case's, when the caller has read them."""
    options: list[DocumentOption] = []
    if subjects is None:
        subjects = case.subjects.select_related("person")
    subjects = sorted(subjects, key=lambda s: (s.sort_order, s.pk))
    if records is None:
        records = TalkRecord.objects.filter(case=case)
    records = {r.subject_id: r for r in records}
    if notices is None:
        notices = case.notices.filter(superseded=False)
    noticed = {n.subject_id for n in notices if not n.superseded}
    phone_set = None
    for subject in subjects:
        person = subject.person
        problem = _why(subject.pk in noticed, NO_NOTICE)
        if not problem[0]:
            # Asked here, before generating, so that the case page says why, not the refusal.
            if phone_set is None:
                phone_set = bool(DocumentSettings.load().contact_phone.strip())
            problem = _why(phone_set, NO_PHONE)
        options.append(
            DocumentOption(DocumentKind.NOTICE, person, _label(DocumentKind.NOTICE), *problem)
        )
        record = records.get(subject.pk)
        options.append(
            DocumentOption(
                DocumentKind.RECORD,
                person,
                _label(DocumentKind.RECORD),
                *_why(record is not None, NO_RECORD),
            )
        )
        if case.talk_type == TalkType.PRE_APPOINTMENT:
            ok = record is not None and record.commitment.strip()
            options.append(
                DocumentOption(
                    DocumentKind.COMMITMENT,
                    person,
                    _label(DocumentKind.COMMITMENT),
                    *_why(bool(ok), NO_COMMITMENT),
                )
            )
    items = getattr(case, "open_items", None)
    has_items = bool(items) or case.rectification_items.exists()
    if len(subjects) > 1 and has_items:
        # A collective talk: each subject is told, and reports on, his own items (R9.1).
        owners = set(case.rectification_items.values_list("subject_id", flat=True))
        for kind in CASE_KINDS:
            for subject in subjects:
                mine = subject.pk in owners or None in owners
                options.append(
                    DocumentOption(kind, subject.person, _label(kind), *_why(mine, NO_OWN_ITEMS))
                )
        return options
    for kind in CASE_KINDS:
        options.append(DocumentOption(kind, None, _label(kind), *_why(has_items, NO_ITEMS)))
    return options


def _story_for(kind: str, case: TalkCase | None, person: Person | None, fonts):
    """The data and flowables of one document; refusals when the case cannot produce it yet."""
    if kind == DocumentKind.INTEGRITY_FILE:
        return docs.integrity_file_story(context.integrity_file_data(person), fonts), True
    option = next(
        (
            o
            for o in case_document_options(case)
            if o.kind == kind and (o.person is None or o.person.pk == getattr(person, "pk", None))
        ),
        None,
    )
    if option is None:
        raise TransitionRefused(
            [input_problem("本案件不产生此文书", "this case does not produce that document")]
        )
    if option.problem:
        raise TransitionRefused([input_problem(option.problem, option.problem_en)])
    if kind in CASE_KINDS:
        subject = CaseSubject.objects.get(case=case, person=person) if person else None
        data = context.rectification_data(case, subject)
        builder = (
            docs.rectification_notice_story
            if kind == DocumentKind.RECTIFICATION_NOTICE
            else docs.rectification_report_story
        )
        return builder(data, fonts), kind == DocumentKind.RECTIFICATION_NOTICE
    subject = CaseSubject.objects.get(case=case, person=person)
    if kind == DocumentKind.NOTICE:
        return docs.notice_story(context.notice_data(context.current_notice(subject)), fonts), True
    record = TalkRecord.objects.select_related("case", "subject__person__unit").get(subject=subject)
    data = context.record_data(record)
    if kind == DocumentKind.RECORD:
        return docs.record_story(data, fonts), True
    return docs.commitment_story(data, fonts), True


@contextmanager
def _render_faults():
    """What typesetting can meet, as the user is told it."""
    try:
        yield
    except MissingGlyph as exc:
        raise TransitionRefused([input_problem(str(exc), "unprintable character")]) from exc
    except LayoutError as exc:
        raise pdf_failed() from exc


def _integrity_pdf(data, person: Person, fonts, progress=None) -> bytes:
    story = docs.integrity_file_story(data, fonts)
    title = _title(DocumentKind.INTEGRITY_FILE, None, person)
    return docs.render(
        story,
        title,
        fonts,
        counted=DocumentKind.INTEGRITY_FILE in PAGE_OF_TOTAL,
        progress=progress,
    )


def _title(kind: str, case: TalkCase | None, person: Person | None) -> str:
    parts = [_label(kind)]
    if case is not None:
        parts.append(case.number)
    if person is not None:
        parts.append(person.name)
    return "-".join(parts)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "doc"


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def document_generate(
    *,
    user,
    kind: str,
    case: TalkCase | None = None,
    person: Person | None = None,
    progress: Progress | None = None,
) -> GeneratedDocument:
    """Render and store a new version of a document. Nothing is overwritten: an earlier version
    stays as it was, and a failure (missing font, missing data, a full disk, a history row or a
    commit that fails) leaves neither a row nor a file.

    An integrity file (a person's every case, tens of pages) is typeset before the write
    transaction and stored only if what it says is still what the database says, read again
    under the person's lock (else it is typeset again there): on SQLite a write transaction
    holds the whole database, and the office would otherwise wait seconds for one person's
    file. ``progress(share, stage)`` is told how far it got (the background job's bar)."""
    if kind not in DocumentKind.values:
        raise TransitionRefused([input_problem("未知的文书类型", "unknown document", "kind")])
    if not user_can_ask(user, "document"):
        raise PermissionDenied
    if kind == DocumentKind.INTEGRITY_FILE:
        if person is None:
            raise TransitionRefused([input_problem("请指定人员", "a person is required", "person")])
        case = None
    elif case is None:
        raise TransitionRefused([input_problem("请指定案件", "a case is required", "case")])
    try:
        fonts = load_fonts()
    except FontsUnavailable as exc:
        raise TransitionRefused([input_problem(str(exc), "fonts unavailable")]) from exc
    tell = progress or (lambda share, stage: None)
    prepared = None
    if kind == DocumentKind.INTEGRITY_FILE:
        tell(0.05, "reading")
        data = context.integrity_file_data(person)
        tell(0.15, "typesetting")
        with _render_faults():
            pdf = _integrity_pdf(
                data, person, fonts, lambda done: tell(0.15 + 0.79 * done, "typesetting")
            )
        prepared = (data, pdf)
        tell(0.95, "storing")
    # The file is written before its row; if the row, its history or the commit fails, the
    # file goes too (files_kept_with_rows encloses the transaction for that).
    with files_kept_with_rows() as store, transaction.atomic():
        # The lock serialises version numbers per case (or person) and fixes the case
        # version the document is generated from.
        if case is not None:
            case = TalkCase.objects.select_for_update().get(pk=case.pk)
        else:
            person = Person.objects.select_for_update().get(pk=person.pk)
        if (again := _just_generated(user, kind, case, person)) is not None:
            return again
        with _render_faults():
            if prepared is not None:
                data, pdf = prepared
                current = context.integrity_file_data(person)
                if current != data:  # a case of his changed while the file was typeset
                    pdf = _integrity_pdf(current, person, fonts)
                for_subject = True
            else:
                story, for_subject = _story_for(kind, case, person, fonts)
                title = _title(kind, case, person)
                pdf = docs.render(story, title, fonts, counted=kind in PAGE_OF_TOTAL)
        version = GeneratedDocument.objects.filter(kind=kind, case=case, person=person).count() + 1
        digest = hashlib.sha256(pdf).hexdigest()
        now = timezone.now()
        owner = f"case-{case.pk}" if case is not None else f"person-{person.pk}"
        who = f"-{person.pk}" if person is not None and case is not None else ""
        stored_name = store(
            f"lianzheng/documents/{now:%Y}/{owner}/{_safe(kind)}{who}-v{version}-{digest[:16]}.pdf",
            ContentFile(pdf),
        )
        latest = case.history.order_by("-history_id").first() if case is not None else None
        document = GeneratedDocument(
            kind=kind,
            case=case,
            person=person,
            version=version,
            file=stored_name,
            filename=f"{_title(kind, case, person)}-第{version}版.pdf",
            sha256=digest,
            size=len(pdf),
            pages=_page_count(pdf),
            for_subject=for_subject,
            generated_by_id=user.pk,
            generated_by_name=user.get_full_name() or user.get_username(),
            generated_at=now,
            case_version=latest.history_id if latest else None,
            case_state=case.state if case is not None else "",
        )
        change = Change(
            user=user,
            reason=f"生成文书 / document generated: {document.filename}",
            articles=(ARTICLES.get(kind, ""),),
        )
        with recording(change):
            document.save()
    return document


# A second request for the same document by the same user within this time, from an unchanged
# case, is the same click twice (a double click, a reload that posts again): it returns the
# version just made instead of another.
REPEAT_WINDOW = timedelta(seconds=15)


def _just_generated(user, kind, case, person) -> GeneratedDocument | None:
    """The version this user made of this document a moment ago from the case as it stands,
    if any; marked ``repeated``. Asked under the case's (or person's) lock, so a second request
    waits for the first and finds its row."""
    latest = (
        GeneratedDocument.objects.filter(kind=kind, case=case, person=person)
        .order_by("-version")
        .first()
    )
    if (
        latest is None
        or latest.generated_by_id != user.pk
        or latest.generated_at < timezone.now() - REPEAT_WINDOW
    ):
        return None
    if case is not None:
        current = case.history.order_by("-history_id").values_list("history_id", flat=True).first()
        if latest.case_version != current:
            return None
    latest.repeated = True
    return latest


def documents_generate_all(
    *, user, case: TalkCase, kind: str
) -> tuple[list[GeneratedDocument], list[Refusal]]:
    """Every subject's document of ``kind`` that the case can produce now (a collective talk's
    notices at once): each generated in its own transaction, as a single one would be, so one
    subject's refusal (a glyph the font lacks in his name) keeps nobody else's notice back.
    Returns those made and the refusals, each naming whose document it was."""
    made, refusals = [], []
    for option in case_document_options(case):
        if option.kind != kind or option.person is None or not option.available:
            continue
        try:
            made.append(document_generate(user=user, kind=kind, case=case, person=option.person))
        except TransitionRefused as error:
            refusals += [
                replace(r, message=f"{option.person.name}：{r.message}") for r in error.refusals
            ]
    return made, refusals


ARTICLES = {
    DocumentKind.NOTICE: "R6.3",
    DocumentKind.RECORD: "R7.3",
    DocumentKind.COMMITMENT: "R4.2",
    DocumentKind.RECTIFICATION_NOTICE: "R9.1",
    DocumentKind.RECTIFICATION_REPORT: "R9.1",
    DocumentKind.INTEGRITY_FILE: "R9.1",
}


def document_read(*, user, document: GeneratedDocument, as_subject: bool = False) -> bytes:
    """The stored bytes, for whoever may open the case, or for the person a subject-facing
    document is addressed to; refused if they fail their hash."""
    own = (
        as_subject
        and document.for_subject
        and document.person_id is not None
        and Person.objects.filter(pk=document.person_id, user_id=user.pk).exists()
    )
    if not own and not user_can_view_cases(user):
        raise PermissionDenied
    try:
        with default_storage.open(document.file.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise DocumentMissing(document) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != document.sha256:
        raise DocumentTampered(document, actual)
    return data


@dataclass(frozen=True)
class FileProblem:
    """A recorded file (a generated document or rectification evidence) that is not as recorded."""

    what: str
    name: str
    problem: str  # "missing", "altered", or "forged" (the row differs from its chained history)


def _chained(model, columns: tuple[str, ...]) -> dict[int, tuple]:
    """The newest history row's ``columns`` for each id: what the hash chain says the row is."""
    newest = {}
    for pk, *values in model.history.order_by("chain_seq").values_list("id", *columns):
        newest[pk] = tuple(values)
    return newest


def stored_file_problems() -> tuple[int, list[FileProblem]]:
    """Every recorded file checked against its SHA-256, as after restoring a backup: how many
    were checked, and those missing or altered.

    The SHA-256 a file must have is the one in its row's newest history row, which the hash
    chain proves: a document's file and its ``sha256`` column changed together behind the
    application's back are caught, the live row being named as differing from its history
    (and the file as altered). A generated document's whole row is compared with its history
    row (lianzheng.audit.records), so a document row deleted or added around the application
    is named too."""
    problems = [FileProblem(str(p), "", "forged") for p in problems_of(GeneratedDocument)]
    documents = _chained(GeneratedDocument, ("file", "sha256"))
    checks = _chained(RectificationCheck, ("evidence", "evidence_sha256"))
    recorded = [
        (f"document {d.pk} ({d.filename})", d.file.name, d.sha256, documents.get(d.pk))
        for d in GeneratedDocument.objects.order_by("pk")
    ]
    recorded += [
        (
            f"evidence of check {c.pk} ({c.evidence_name})",
            c.evidence.name,
            c.evidence_sha256,
            checks.get(c.pk),
        )
        for c in RectificationCheck.objects.exclude(evidence="").order_by("pk")
    ]
    scans = _chained(Postponement, ("scan", "scan_sha256"))
    recorded += [
        (
            f"scan of application {p.pk} ({p.scan_name})",
            p.scan.name,
            p.scan_sha256,
            scans.get(p.pk),
        )
        for p in Postponement.objects.exclude(scan="").order_by("pk")
    ]
    for what, name, expected, chained in recorded:
        if chained is not None and chained != (name, expected):
            problems.append(
                FileProblem(f"{what}: its file or SHA-256 differs from its history", name, "forged")
            )
            expected = chained[1]
        digest = hashlib.sha256()
        try:
            with default_storage.open(name, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except FileNotFoundError:
            problems.append(FileProblem(what, name, "missing"))
            continue
        if digest.hexdigest() != expected:
            problems.append(FileProblem(what, name, "altered"))
    return len(recorded), problems
