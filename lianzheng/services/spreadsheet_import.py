"""Importing a spreadsheet: read it, preview every row's outcome, then save — all of it, or
only its valid rows when the user chooses so — with the file's name and SHA-256 as the reason
of every history row it writes.

The preview reads and checks every row as the import will, without writing; the confirmation
imports the same bytes (checked by their SHA-256) in one transaction, so a row that fails then
(someone changed the data in between) leaves nothing saved.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import PurePath

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from openpyxl import load_workbook

from lianzheng.history import Change, recording
from lianzheng.refusals import TransitionRefused, input_problem
from lianzheng.spreadsheets.resources import SHEETS, SheetResource

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
OUTCOME_LABELS = {
    "new": "新增",
    "update": "更新",
    "skip": "无变化",
    "invalid": "拒绝",
    "error": "拒绝",
}


@dataclass(frozen=True)
class RowOutcome:
    number: int  # the row in the spreadsheet (its header is row 1)
    outcome: str  # new, update, skip (unchanged), invalid or error (refused)
    label: str  # what the row is about, as the office reads it
    problems: tuple[tuple[str, str], ...] = ()  # (column, reason)

    @property
    def refused(self) -> bool:
        return self.outcome in ("invalid", "error")

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class Preview:
    sheet: str
    filename: str
    sha256: str
    rows: tuple[RowOutcome, ...]

    @property
    def refused(self) -> tuple[RowOutcome, ...]:
        return tuple(r for r in self.rows if r.refused)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": self.count("new"),
            "update": self.count("update"),
            "skip": self.count("skip"),
            "refused": len(self.refused),
        }

    @property
    def reason(self) -> str:
        return f"导入 {self.filename}（SHA-256 {self.sha256}）"


def _problem(message: str, field: str = "file") -> TransitionRefused:
    return TransitionRefused([input_problem(message, message, field)])


def read_sheet(filename: str, content: bytes, resource: SheetResource) -> tablib.Dataset:
    """The file's first sheet as rows under its header; XLSX, or CSV in UTF-8 (with or without
    BOM) or GB18030 (what Excel writes on Chinese Windows)."""
    if len(content) > MAX_BYTES:
        raise _problem("文件不能超过 10 MB")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises several kinds for a file that is not XLSX
            raise _problem("无法读取该 XLSX 文件：请用模板另存为 .xlsx 后再上传") from None
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    elif suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise _problem("无法识别 CSV 文件的编码：请存为 UTF-8 或 GB18030")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise _problem("只能导入 XLSX 或 CSV 文件")
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise _problem("文件是空的")
    header = [str(c or "").strip() for c in rows[0]]
    expected = [f.column_name for f in resource.get_import_fields()]
    missing = [c for c in expected if c not in header]
    if missing:
        raise _problem(f"第1行（表头）缺少列：{'、'.join(missing)}；请使用下载的模板")
    if len(rows) - 1 > MAX_ROWS:
        raise _problem(f"一次最多导入 {MAX_ROWS} 行")
    width = len(header)
    data = tablib.Dataset(headers=header)
    for row in rows[1:]:
        data.append([*row[:width], *[None] * (width - len(row))])
    return data


def _outcomes(resource: SheetResource, data: tablib.Dataset, result) -> tuple[RowOutcome, ...]:
    columns = {name: f.column_name for name, f in resource.fields.items()}
    outcomes = []
    for index, row in enumerate(result.rows):
        # A refused row has no record to name: its first two cells say which it was.
        cells = "、".join(str(c) for c in data[index][:2] if c not in (None, ""))
        problems = []
        if row.validation_error is not None:
            try:
                errors = row.validation_error.message_dict
            except AttributeError:
                errors = {NON_FIELD_ERRORS: row.validation_error.messages}
            for field, messages in errors.items():
                column = "" if field == NON_FIELD_ERRORS else columns.get(field, field)
                problems += [(column, str(m)) for m in messages]
        for error in row.errors:
            problems.append(("", str(error.error)))
        outcomes.append(
            RowOutcome(
                number=index + 2,
                outcome=row.import_type,
                label=str(row.object_repr or cells),
                problems=tuple(problems),
            )
        )
    return tuple(outcomes)


def _resource(sheet: str) -> SheetResource:
    try:
        return SHEETS[sheet]()
    except KeyError:
        raise _problem("未知的导入类别", "sheet") from None


def user_can_import(user, sheet: str) -> bool:
    model = SHEETS[sheet]._meta.model._meta
    return user.has_perms(
        [
            f"{model.app_label}.add_{model.model_name}",
            f"{model.app_label}.change_{model.model_name}",
        ]
    )


def import_preview(*, user, sheet: str, filename: str, content: bytes) -> Preview:
    """Every row's outcome, nothing saved. ``user`` None: the command line, whose operator
    already holds the server."""
    resource = _resource(sheet)
    if user is not None and not user_can_import(user, sheet):
        raise PermissionDenied
    data = read_sheet(filename, content, resource)
    result = resource.import_data(data, dry_run=True, use_transactions=True, raise_errors=False)
    return Preview(
        sheet=sheet,
        filename=PurePath(filename).name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=_outcomes(resource, data, result),
    )


def import_apply(
    *, user, sheet: str, filename: str, content: bytes, valid_only: bool = False
) -> Preview:
    """Save the file's rows in one transaction: all of them, or — when some are refused — only
    the valid ones if the user chose so, and otherwise none. Returns what was done, row by row.
    The import runs once: refused rows are never written, and a file with refused rows
    (unless ``valid_only``) or any row failing while saved is rolled back whole."""
    resource = _resource(sheet)
    if user is not None and not user_can_import(user, sheet):
        raise PermissionDenied
    data = read_sheet(filename, content, resource)
    done = Preview(
        sheet=sheet,
        filename=PurePath(filename).name,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=(),
    )
    with recording(Change(user=user, reason=done.reason)):
        result = resource.import_data(
            data,
            dry_run=False,
            use_transactions=True,
            raise_errors=False,
            rollback_on_validation_errors=not valid_only,
        )
    done = replace(done, rows=_outcomes(resource, data, result))
    if result.has_errors():
        raise _problem("导入时出错，未保存任何内容；请重新上传预览")
    if done.refused and not valid_only:
        raise _problem(
            f"文件中有 {len(done.refused)} 行不能导入，未保存任何内容；请改正后重新上传，"
            "或选择“只导入有效行”",
            "valid_only",
        )
    return done
