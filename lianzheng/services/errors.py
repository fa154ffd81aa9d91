"""What the services raise when they refuse: a list of refusals a person can act on."""

from __future__ import annotations

from lianzheng.rules.table import Refusal


def input_problem(message: str, message_en: str, field: str = "") -> Refusal:
    """A refusal that is not a rule of the regulation: missing input, a wrong state, a role."""
    return Refusal(
        code="",
        article="",
        article_en="",
        anchor="",
        message=message,
        message_en=message_en,
        field=field,
    )


class TransitionRefused(Exception):
    """The request changed nothing; ``refusals`` say why, each citing its article if any."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = list(refusals)
        super().__init__("；".join(describe(r) for r in self.refusals))

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.refusals if r.code]

    def for_field(self, field: str) -> list[Refusal]:
        return [r for r in self.refusals if r.field == field]


def describe(refusal: Refusal) -> str:
    if refusal.code:
        return str(refusal)
    return f"{refusal.message}（{refusal.message_en}）"


def full_clean_or_refuse(instance, **kwargs) -> None:
    """Model validation, reported as refusals naming their fields, like the rules'."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        problems = []
        for field, messages in exc.message_dict.items():
            for message in messages:
                problems.append(input_problem(str(message), str(message), field))
        raise TransitionRefused(problems) from exc


class OperationFailed(Exception):
    """An expected fault of the machinery, not of the request — the database, the file storage,
    the PDF engine — stopped the operation. Everything it had written was rolled back (and any
    file it had stored removed), so the user can simply try again; ``reference`` ties the
    message he sees to the traceback in the log."""

    def __init__(self, message: str, message_en: str, *, reference: str = ""):
        import uuid

        self.reference = reference or uuid.uuid4().hex[:8]
        self.refusal = input_problem(
            f"{message}操作未完成，没有保存任何内容；请稍后重试，如仍失败，请将错误编号"
            f"{self.reference}告知系统管理员。",
            f"{message_en} The operation was not completed and nothing was saved; try again "
            f"later, and if it fails again give the system administrator the error reference "
            f"{self.reference}.",
        )
        super().__init__(describe(self.refusal))


def storage_failed() -> OperationFailed:
    return OperationFailed(
        "文件未能存储（存储空间可能已满或不可写）。",
        "The file could not be stored (the storage may be full or not writable).",
    )


def database_failed() -> OperationFailed:
    return OperationFailed(
        "数据库未能完成本次操作（可能正忙或暂时不可用）。",
        "The database could not complete the operation (it may be busy or unavailable).",
    )


def pdf_failed() -> OperationFailed:
    return OperationFailed(
        "文书未能排版成 PDF（某段内容过长，一页排不下）。",
        "The document could not be laid out as a PDF (a passage is too long for a page).",
    )
