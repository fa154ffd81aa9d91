"""The serif title face: a CFF font rewritten as TrueType once, then read from the cache.

The real conversion takes a minute, so these tests stand a copy of a TrueType file in for it;
the converted face itself is what every document test embeds (test_paper_fit)."""

from __future__ import annotations

import shutil
import subprocess

from lianzheng.documents import cff2ttf, fonts

NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
WENKAI = fonts.DEFAULT_FILES["kai"][0]


def test_cff_outlines_are_told_from_truetype_ones():
    assert cff2ttf.is_cff(NOTO_SERIF, 2)
    assert not cff2ttf.is_cff(UMING, 0)
    assert not cff2ttf.is_cff(WENKAI)


def fake_conversion(calls, *, fail=False):
    def run(command, **_kwargs):
        calls.append(command)
        if fail:
            raise subprocess.CalledProcessError(1, command, stderr=b"out of memory")
        shutil.copy(WENKAI, command[-1])

    return run


def test_a_cff_face_is_converted_once_and_then_read_from_the_cache(settings, tmp_path, monkeypatch):
    settings.LIANZHENG_FONT_CACHE = str(tmp_path)
    calls = []
    monkeypatch.setattr(fonts.subprocess, "run", fake_conversion(calls))
    first = fonts.truetype_copy(NOTO_SERIF, 2)
    again = fonts.truetype_copy(NOTO_SERIF, 2)
    assert first == again and first.parent == tmp_path and first.is_file()
    assert len(calls) == 1 and calls[0][-3:-1] == [NOTO_SERIF, "2"]
    assert oct(first.stat().st_mode & 0o777) == "0o644"
    font, why = fonts._load("xiaobiaosong", f"{NOTO_SERIF}#2")
    assert font is not None and not why and len(calls) == 1


def test_a_failed_conversion_leaves_no_file_and_the_title_stands_in_with_a_serif(
    settings, tmp_path, monkeypatch
):
    settings.LIANZHENG_FONT_CACHE = str(tmp_path)
    calls = []
    monkeypatch.setattr(fonts.subprocess, "run", fake_conversion(calls, fail=True))
    font, why = fonts._load("xiaobiaosong", f"{NOTO_SERIF}#2")
    assert font is None and "not converted" in why and "out of memory" in why
    assert [p.name for p in tmp_path.iterdir()] == [".lock"]
    # The whole set: the title role falls back to the Song face, not to the sans-serif 黑体.
    monkeypatch.setattr(fonts, "_cache", {})  # this process has loaded the converted face
    fontset = fonts.load_fonts()
    assert fontset.face("xiaobiaosong") == fontset.face("song")
