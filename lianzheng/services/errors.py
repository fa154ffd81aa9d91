"""What the services raise when the machinery, not the request, stopped them (the refusals of
the request itself are lianzheng.refusals)."""

from __future__ import annotations

import uuid

from lianzheng.refusals import describe, input_problem


class OperationFailed(Exception):
    """An expected fault of the machinery, not of the request — the database, the file storage,
    the PDF engine — stopped the operation. Everything it had written was rolled back (and any
    file it had stored removed), so the user can simply try again; ``reference`` ties the
    message he sees to the traceback in the log."""

    def __init__(self, message: str, message_en: str, *, reference: str = ""):
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
