"""The Chinese fonts documents are set in: found, checked, registered with reportlab once.

Official documents (GB/T 9704) name typefaces by role: 仿宋 for the body, 小标宋 for titles and the
issuing organ's mark, 黑体 for first-level headings, 楷体 for second-level ones. Those typefaces
are licensed; a bureau that holds them points ``LIANZHENG_PDF_FONTS`` at its files. Everyone else
gets Debian's free TrueType fonts: AR PL UMing (a Song face with GB-style punctuation), LXGW WenKai
(楷) and WenQuanYi Zen Hei (黑), which the project's set-up installs.

Only TrueType outlines are accepted: reportlab embeds and subsets them (``FontFile2`` in the PDF).
It cannot embed the CFF-based Noto/Source Han ``.otf`` files, and Adobe's non-embedded
``STSong-Light`` leaves the reader to guess a font — neither is acceptable for a record. With no
usable font we refuse to generate, naming what to install; we never draw boxes.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# The typeface roles of GB/T 9704 and what stands in for each when a bureau has not configured it.
ROLES = ("song", "fangsong", "xiaobiaosong", "hei", "kai")
STAND_INS = {"fangsong": "song", "xiaobiaosong": "hei"}

DEBIAN_PACKAGES = "fonts-arphic-uming fonts-lxgw-wenkai fonts-wqy-zenhei"
DEFAULT_FILES = {
    "song": ["/usr/share/fonts/truetype/arphic/uming.ttc#0"],  # face 0 is AR PL UMing CN
    "kai": [
        "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
        "/usr/share/fonts/opentype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
    ],
    "hei": ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0"],
}

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


def _load(role: str, spec: str) -> tuple[TTFont | None, str]:
    """One candidate file: the registered font, or why it cannot be used."""
    path, _, index = spec.partition("#")
    if not Path(path).is_file():
        return None, f"{path}: not found"
    name = f"lz-{role}-{zlib.crc32(spec.encode()):08x}"
    try:
        font = TTFont(name, path, subfontIndex=int(index or 0))
    except (TTFError, OSError, ValueError) as exc:
        # reportlab refuses CFF outlines ("postscript outlines are not supported") and fonts
        # whose licence forbids embedding; say which file and why.
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
