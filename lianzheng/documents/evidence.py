"""The evidence PDFs: a case package's table of contents (案卷目录) and a checkpoint's one-page
certificate (root in hex and as a QR code). Drawn on the canvas, in the project's fonts; plain
pages whose every line says what a reader checks, not official documents."""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lianzheng.documents.fonts import FontSet

WIDTH, HEIGHT = A4
LEFT = 20 * mm
RIGHT = WIDTH - 20 * mm
TOP = HEIGHT - 22 * mm
BOTTOM = 20 * mm


class _Page:
    """A canvas that writes lines top down and turns the page when full."""

    def __init__(self, fonts: FontSet, title: str):
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pagesize=A4, invariant=True)
        self.canvas.setTitle(title)
        self.canvas.setCreator("lianzheng")
        self.song = fonts.face("song").name
        self.hei = fonts.face("hei").name
        self.y = TOP

    def line(self, text: str, *, size: float = 10.5, bold: bool = False, gap: float = 1.5):
        font = self.hei if bold else self.song
        for part in self._wrap(text, font, size):
            if self.y < BOTTOM:
                self.canvas.showPage()
                self.y = TOP
            self.canvas.setFont(font, size)
            self.canvas.drawString(LEFT, self.y, part)
            self.y -= size * gap

    def _wrap(self, text: str, font: str, size: float) -> list[str]:
        lines, current = [], ""
        for char in text:
            if self.canvas.stringWidth(current + char, font, size) > RIGHT - LEFT:
                lines.append(current)
                current = ""
            current += char
        return [*lines, current]

    def space(self, points: float = 6):
        self.y -= points

    def pdf(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.out.getvalue()


def contents_pdf(
    fonts: FontSet, *, case_number: str, made_at: str, checkpoint: dict, items: list[tuple]
) -> bytes:
    """案卷目录: every item of the package with its size and SHA-256. ``items``:
    ``(path, size, sha256, description)``."""
    page = _Page(fonts, f"案卷目录 {case_number}")
    page.line(f"案卷目录  {case_number}", size=18, bold=True, gap=1.8)
    page.line(f"生成时间 made: {made_at}")
    page.line(
        f"签名检查点 checkpoint: {checkpoint['tree_size']} 条 rows, 密钥 key "
        f"{checkpoint['key_id']}, {checkpoint['made_at']}"
    )
    page.line(f"Merkle 根 root: {checkpoint['root']}")
    page.line(
        "核验：运行 python verify.py 本文件包（需 cryptography）；下列每项的 SHA-256 亦载于 "
        "manifest.json。 Check with: python verify.py PACKAGE.zip"
    )
    page.space(8)
    for number, (path, size, digest, description) in enumerate(items, 1):
        page.line(f"{number}. {path}  ({size} 字节 bytes)  {description}", bold=True)
        page.line(f"    SHA-256: {digest}", size=9.5)
        page.space(3)
    return page.pdf()


def certificate_pdf(fonts: FontSet, fields: dict) -> bytes:
    """One page: what the checkpoint signed, the root in hex and as a QR code."""
    page = _Page(fonts, f"签名检查点证书 {fields['tree_size']}")
    page.line("审计链签名检查点证书", size=20, bold=True, gap=1.8)
    page.line("Signed checkpoint of the lianzheng audit chain", size=12, gap=2)
    for label, key in (
        ("覆盖行数 rows covered", "tree_size"),
        ("生成时间 made at (UTC)", "made_at"),
        ("密钥标识 key id", "key_id"),
        ("公钥 public key (Ed25519)", "public_key"),
        ("末行哈希 head hash", "head_hash"),
        ("Merkle 根 root (RFC 9162)", "root"),
        ("签名 signature", "signature"),
    ):
        page.line(label, bold=True)
        page.line(f"    {fields[key]}", size=9.5)
        page.space(2)
    page.space(6)
    page.line(
        "核对方法：以 manage.py lianzheng_audit verify --checkpoint 本证书对应的 JSON 文件核验；"
        "证书上的根与见证人邮件中的根应一致。 To check: compare this root with the witnesses' "
        "copy and run `lianzheng_audit verify --checkpoint FILE.json`.",
        size=9.5,
    )
    widget = QrCodeWidget(fields["root"])
    x0, y0, x1, y1 = widget.getBounds()
    side = 55 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, page.canvas, LEFT, max(BOTTOM, page.y - side - 6 * mm))
    return page.pdf()
