"""The Chinese fonts documents are set in: found, checked, registered with reportlab once.

Official documents (GB/T 9704) name typefaces by role: 仿宋 for the body, 小标宋 for titles and the
issuing organ's mark, 黑体 for first-level headings, 楷体 for second-level ones. Those typefaces
are licensed; a bureau that holds them points ``LIANZHENG_PDF_FONTS`` at its files. Everyone else
gets Debian's free fonts: AR PL UMing (a Song face with GB-style punctuation), LXGW WenKai (楷),
WenQuanYi Zen Hei (黑) and, for titles, Noto Serif CJK SC Bold — a heavy Song like 小标宋, where
the sans-serif Zen Hei stood in before — which the project's set-up installs.

reportlab embeds and subsets TrueType outlines only (``FontFile2`` in the PDF); Adobe's
non-embedded ``STSong-Light`` leaves the reader to guess a font, which is not acceptable for a
record. A face with CFF outlines (Noto and Source Han, in ``.otf``/``.ttc``) is rewritten once
with TrueType outlines by ``cff2ttf`` and kept in a cache file (``font_cache_dir``), so the first
document on a machine waits about a minute and none after it. With no usable font for a role that
has no stand-in we refuse to generate, naming what to install; we never draw boxes.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from lianzheng.documents import cff2ttf

logger = logging.getLogger(__name__)

# The typeface roles of GB/T 9704 and what stands in for each when a bureau has not configured it.
ROLES = ("song", "fangsong", "xiaobiaosong", "hei", "kai")
STAND_INS = {"fangsong": "song", "xiaobiaosong": "song"}  # serif for serif

DEBIAN_PACKAGES = "fonts-arphic-uming fonts-lxgw-wenkai fonts-wqy-zenhei fonts-noto-cjk"
DEFAULT_FILES = {
    "song": ["/usr/share/fonts/truetype/arphic/uming.ttc#0"],  # face 0 is AR PL UMing CN
    "kai": [
        "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
        "/usr/share/fonts/opentype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
    ],
    "hei": ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0"],
    # Face 2 of the collection is SC (JP, KR, SC, TC, HK): CFF outlines, converted once.
    "xiaobiaosong": ["/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc#2"],
}
CONVERSION_TIMEOUT = 30 * 60  # seconds; a minute is usual on two cores

# When a character is missing from a role's font, these are tried next, in order.
FALLBACK_ORDER = ("song", "hei", "kai")


class FontsUnavailable(Exception):
    """No usable TrueType font for a role: generation stops with this message."""


class MissingGlyph(Exception):
    """A character that no configured font can draw; the message names it."""

    def __init__(self, char: str):
        self.char = char
        super().__init__(
            f"文本中有任何已配置字体都无法显示的字符「{char}」(U+{ord(char):04X})，请删除或替换该字符"
            f"后重新生成。 / The text holds a character no configured font can show: {char!r} "
            f"(U+{ord(char):04X}); remove or replace it and generate again."
        )


@dataclass(frozen=True)
class Face:
    """A registered font: the reportlab name to draw with, and the characters it covers."""

    role: str
    name: str
    path: str
    covers: frozenset[int]

    def has(self, char: str) -> bool:
        return ord(char) in self.covers


@dataclass(frozen=True)
class FontSet:
    """The faces of all roles. ``face(role)`` follows the stand-ins; ``for_char`` the fallbacks."""

    faces: dict[str, Face]

    def face(self, role: str) -> Face:
        if role not in ROLES:
            raise KeyError(f"unknown font role {role!r}; roles are {', '.join(ROLES)}")
        return self.faces[role]

    def for_char(self, role: str, char: str) -> Face:
        first = self.face(role)
        if first.has(char):
            return first
        for other in FALLBACK_ORDER:
            face = self.faces[other]
            if face.has(char):
                return face
        raise MissingGlyph(char)


_lock = threading.Lock()
_cache: dict[tuple, FontSet] = {}


def configured_files() -> dict[str, list[str]]:
    """Each role's candidate files: the bureau's setting first, then the Debian defaults."""
    custom = getattr(settings, "LIANZHENG_PDF_FONTS", {}) or {}
    unknown = set(custom) - set(ROLES)
    if unknown:
        raise FontsUnavailable(
            f"LIANZHENG_PDF_FONTS 中有未知的字体角色 / unknown font roles in LIANZHENG_PDF_FONTS: "
            f"{', '.join(sorted(unknown))} (roles: {', '.join(ROLES)})"
        )
    files: dict[str, list[str]] = {}
    for role in ROLES:
        value = custom.get(role)
        chosen = [value] if isinstance(value, str) else list(value or [])
        files[role] = chosen + DEFAULT_FILES.get(role, [])
    return files


def font_cache_dir() -> Path:
    """Where converted faces are kept: ``LIANZHENG_FONT_CACHE`` (setting or environment), else
    the user's cache directory. Not the media folder: what is there is backed up as the bureau's
    records, and the tests give every run a new one."""
    configured = getattr(settings, "LIANZHENG_FONT_CACHE", None) or os.environ.get(
        "LIANZHENG_FONT_CACHE"
    )
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lianzheng" / "fonts"


def truetype_copy(path: str, index: int) -> Path:
    """The TrueType rewrite of a CFF face, made once and kept. Its name carries the source's
    identity (path, size, time) and the converter's version, so a changed source or converter
    makes a new one. Processes that ask at once (the test workers, a server's) wait on a lock
    for the one that converts, and the file appears whole or not at all."""
    source = Path(path).resolve()
    stat = source.stat()
    identity = f"{source}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{cff2ttf.VERSION}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    folder = font_cache_dir()
    target = folder / f"{source.stem}-{index}-{digest}.ttf"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            return target
        logger.warning("Converting %s#%s to TrueType for the documents, once", source, index)
        handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
        os.close(handle)
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "lianzheng.documents.cff2ttf",
                    str(source),
                    str(index),
                    partial,
                ],
                check=True,
                capture_output=True,
                timeout=CONVERSION_TIMEOUT,
            )
            os.chmod(partial, 0o644)  # mkstemp's 0600 would keep it from a server's other user
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
        for old in folder.glob(f"{source.stem}-{index}-*.ttf"):
            if old != target:
                old.unlink(missing_ok=True)
    return target


def _load(role: str, spec: str) -> tuple[TTFont | None, str]:
    """One candidate file: the registered font, or why it cannot be used."""
    path, _, index = spec.partition("#")
    if not Path(path).is_file():
        return None, f"{path}: not found"
    name = f"lz-{role}-{zlib.crc32(spec.encode()):08x}"
    try:
        subfont = int(index or 0)
        if cff2ttf.is_cff(path, subfont):
            try:
                converted = truetype_copy(path, subfont)
            except (OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", b"") or b""
                return None, f"{path}: CFF outlines, not converted ({exc} {detail[-300:]!r})"
            font = TTFont(name, str(converted))
        else:
            font = TTFont(name, path, subfontIndex=subfont)
    except (TTFError, OSError, ValueError, struct.error) as exc:
        # reportlab refuses fonts whose licence forbids embedding, and broken files; say which
        # file and why.
        return None, f"{path}: {exc}"
    return font, ""


def load_fonts() -> FontSet:
    """The font set for the current settings, registered once per process."""
    files = configured_files()
    key = tuple((role, tuple(files[role])) for role in ROLES)
    with _lock:
        if key in _cache:
            return _cache[key]
        faces: dict[str, Face] = {}
        problems: list[str] = []
        for role in ROLES:
            for spec in files[role]:
                font, why = _load(role, spec)
                if font is None:
                    problems.append(f"{role}: {why}")
                    continue
                pdfmetrics.registerFont(font)
                covers = frozenset(font.face.charToGlyph)
                faces[role] = Face(role, font.fontName, spec.partition("#")[0], covers)
                break
        for role, stand_in in STAND_INS.items():
            if role not in faces and stand_in in faces:
                faces[role] = faces[stand_in]
                tried = [p for p in problems if p.startswith(f"{role}:")]
                if tried:
                    logger.warning("Font role %s stands in with %s: %s", role, stand_in, tried)
        missing = [role for role in ROLES if role not in faces]
        if missing:
            raise FontsUnavailable(
                "无法生成文书：缺少可嵌入的 TrueType 中文字体（"
                + "、".join(missing)
                + f"）。请安装 Debian 软件包 {DEBIAN_PACKAGES}，或在 LIANZHENG_PDF_FONTS 中指定"
                "字体文件。 / Cannot generate documents: no embeddable TrueType Chinese font for "
                + ", ".join(missing)
                + f". Install the Debian packages {DEBIAN_PACKAGES}, or point "
                "LIANZHENG_PDF_FONTS at font files. Tried: " + "; ".join(problems)
            )
        fontset = FontSet(faces)
        _cache[key] = fontset
        return fontset
