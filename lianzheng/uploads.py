"""What an office may attach as paper it received: the evidence of a rectification check, the
scan of a written application. Kept apart from the services that store files, so a workflow
step can refuse an unacceptable file while the rules are judged, before anything is written.
"""

from __future__ import annotations

from pathlib import PurePath

from lianzheng.refusals import input_problem

# What an office may attach as paper it received (evidence of a rectification, the scan of a
# written application): what such offices scan or receive, and no larger than a mail server takes.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd"}


# What each attachable field is called in a refusal: (Chinese, English).
UPLOAD_WHAT = {"evidence": ("证明材料", "evidence"), "scan": ("申请书扫描件", "the scan")}


def upload_refusals(upload, field: str) -> list:
    """Why an attached file cannot be kept (its type or size), named on the form's field."""
    what, what_en = UPLOAD_WHAT.get(field, ("附件", "the file"))
    suffix = PurePath(PurePath(upload.name or "").name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        return [
            input_problem(
                f"{what}须为 PDF、图片、Word、Excel 或 OFD 文件",
                f"{what_en} must be a PDF, an image, a Word, Excel or OFD file",
                field,
            )
        ]
    if upload.size > UPLOAD_MAX_BYTES:
        return [input_problem(f"{what}不能超过 20 MB", f"{what_en} is limited to 20 MB", field)]
    return []
