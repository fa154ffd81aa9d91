"""Reading our PDFs back as a reader would: their text, their fonts, where things are drawn."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def flat_text(pdf: bytes) -> str:
    """All the text with line breaks removed, so a field broken across lines is found whole."""
    return re.sub(r"\n", "", "".join(page_texts(pdf)))


def fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the pages use, and whether it carries an embedded TrueType program."""
    found: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            embedded = bool(descriptor and "/FontFile2" in descriptor.get_object())
            found[str(font.get("/BaseFont"))] = embedded
    return found


def positioned_text(pdf: bytes, page_number: int = 0) -> list[tuple[float, float, str]]:
    """(x, y, text) of each piece of text drawn on a page, in points from the bottom left."""
    pieces: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((x, y, text))

    reader(pdf).pages[page_number].extract_text(visitor_text=visit)
    return pieces


def word_boxes(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x_min, y_min, x_max, y_max, word) as poppler's pdftotext sees them, in points from
    the top left: an independent reader's idea of where each glyph run starts and ends."""
    import html
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(
            ["pdftotext", "-bbox", f.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    boxes, page = [], 0
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("<page"):
            page += 1
        m = re.match(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>',
            line,
        )
        if m:
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            boxes.append((page, x0, y0, x1, y1, html.unescape(m.group(5))))
    return boxes
