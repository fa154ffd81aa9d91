"""Cells of the CSV and XLSX exports that a spreadsheet must not run.

Names, reasons and places are typed by users; a cell that starts with =, +, -, @ (or a tab or
carriage return before one) is read as a formula by Excel and WPS, which can fetch URLs or run
commands (CSV injection, OWASP). Such a cell is written as text: in CSV with a leading
apostrophe, which the spreadsheet shows as the text marker; in XLSX as a string cell with the
quote prefix, so that editing it does not turn it into a formula either. The text itself is
kept, but for the control characters an XLSX file cannot hold at all (openpyxl refuses them),
which are left out rather than failing the whole export.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value):
    """A CSV cell that cannot run: text that looks like a formula gets a leading apostrophe."""
    return f"'{value}" if is_formula_like(value) else value


def xlsx_value(value):
    """A value an XLSX cell can hold: text without the control characters the format forbids."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def xlsx_cell(cell):
    """An openpyxl cell (ordinary or write-only) that cannot run: formula-like text stays text."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
