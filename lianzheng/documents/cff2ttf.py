"""A CFF-outline (PostScript-flavoured OpenType) face rewritten with TrueType outlines.

reportlab embeds TrueType ``glyf`` outlines only, and the free serif CJK faces Debian ships
(Noto Serif CJK, ``fonts-noto-cjk``) are CFF. fontTools redraws each glyph through ``cu2qu``
(cubic curves to quadratic ones, within 1 unit of 1000 per em), so the outlines are the same
letterforms. Every glyph a character maps to is converted — no character of the face is lost;
glyphs reachable only through OpenType substitutions (vertical and regional forms) are left
empty, since reportlab never applies substitutions. The layout tables go with them.

It takes about a minute on two cores, so ``fonts`` runs it once, in a subprocess (``python -m
lianzheng.documents.cff2ttf SOURCE INDEX TARGET``), and keeps the result in a cache file. This
module imports neither Django nor reportlab.
"""

from __future__ import annotations

import os
import struct
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Bumped when the conversion changes, so that cached files made the old way are made again.
VERSION = 1
MAX_ERROR = 1.0  # font units (of 1000 per em for Noto): far below what print can show
DROPPED = ("CFF ", "CFF2", "VORG", "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH")


def is_cff(path: str, index: int = 0) -> bool:
    """Whether face ``index`` of the font file has CFF outlines (its sfnt version is 'OTTO')."""
    with open(path, "rb") as handle:
        tag = handle.read(4)
        if tag == b"ttcf":
            handle.seek(12 + 4 * index)
            (offset,) = struct.unpack(">L", handle.read(4))
            handle.seek(offset)
            tag = handle.read(4)
    return tag == b"OTTO"


_source = None


def _draw(job: tuple[str, int, list[str]]) -> dict[str, tuple[bytes, tuple[int, ...], int]]:
    """Some glyphs as compiled TrueType data, with their bounds and point count (run in a worker
    process, which opens the font once): compiled here, the parent only joins them."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    global _source
    path, index, names = job
    if _source is None or _source[0] != (path, index):
        _source = ((path, index), TTFont(path, fontNumber=index))
    glyph_set = _source[1].getGlyphSet()
    drawn = {}
    for name in names:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType's clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyph = pen.glyph()
        data = glyph.compile(_NO_TABLE)
        if glyph.numberOfContours:
            bounds = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
            points = len(glyph.coordinates)
        else:
            bounds, points = (0, 0, 0, 0), 0
        drawn[name] = (data, bounds, points, glyph.numberOfContours)
    return drawn


class _NoTable:
    """What compiling a simple glyph asks of its table: plain quadratic outlines."""

    extended = False


_NO_TABLE = _NoTable()


def convert(source: str, index: int, target: str, workers: int | None = None) -> None:
    """Write face ``index`` of ``source`` with TrueType outlines to ``target``."""
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    font = TTFont(source, fontNumber=index)
    order = font.getGlyphOrder()
    position = {name: i for i, name in enumerate(order)}
    mapped = sorted(set(font.getBestCmap().values()) | {order[0]}, key=position.__getitem__)
    workers = workers or min(os.cpu_count() or 1, 4)
    jobs = [(source, index, mapped[i :: workers * 4]) for i in range(workers * 4)]
    glyphs: dict = {}
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for part in pool.map(_draw, jobs):
                glyphs.update(part)
    else:
        for job in jobs:
            glyphs.update(_draw(job))
    for tag in DROPPED:
        if tag in font:
            del font[tag]
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    hmtx = font["hmtx"]
    for name in order:
        data, bounds, _points, _contours = glyphs.get(name, (b"", (0, 0, 0, 0), 0, 0))
        glyf.glyphs[name] = Glyph(data)
        hmtx[name] = (hmtx[name][0], bounds[0])
    outlined = [g for g in glyphs.values() if g[3]]
    head = font["head"]
    head.xMin = min(g[1][0] for g in outlined)
    head.yMin = min(g[1][1] for g in outlined)
    head.xMax = max(g[1][2] for g in outlined)
    head.yMax = max(g[1][3] for g in outlined)
    head.indexToLocFormat = 1
    head.glyphDataFormat = 0
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    for field in (
        "maxCompositePoints maxCompositeContours maxTwilightPoints maxStorage "
        "maxFunctionDefs maxInstructionDefs maxStackElements maxSizeOfInstructions "
        "maxComponentElements maxComponentDepth"
    ).split():
        setattr(maxp, field, 0)
    maxp.maxPoints = max(g[2] for g in outlined)
    maxp.maxContours = max(g[3] for g in outlined)
    font["post"].formatType = 3.0  # no glyph names: a CID font's are only numbers anyway
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = False  # set above from the compiled glyphs, which are not reopened
    font.save(target)


if __name__ == "__main__":
    source, index, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    convert(source, index, target)
    print(f"{source}#{index} -> {target} ({Path(target).stat().st_size} bytes)")
