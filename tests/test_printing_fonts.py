"""Fonts: embedding, rare-character fallback, text extraction beyond the BMP."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from printing.fontfiles import FONT_DIRS_ENV, RARE_B, FontFile, windows_font_dirs
from printing.fonts import (
    BODY,
    RARE_A,
    FontNotFound,
    draw_text,
    locate_fonts,
    make_to_unicode_cmap,
    markup,
    missing_glyphs,
    register_fonts,
    split_runs,
)
from printing.model import Paper
from printing.styles import styles_for
from tests.printing_fixtures import pdf_fonts, pdf_text


def test_body_and_rare_fonts_are_found() -> None:
    names = register_fonts()
    assert names[0] == BODY
    assert RARE_A in names


def test_split_runs_switches_font_for_rare_characters() -> None:
    runs = split_runs("王𠮷䶮 堃ABC")
    assert runs[0] == (BODY, "王")
    assert runs[1][0] != BODY and runs[1][1].startswith("𠮷䶮")
    assert "".join(text for _font, text in runs) == "王𠮷䶮 堃ABC"
    assert runs[-1] == (BODY, "堃ABC")


def test_markup_escapes_and_wraps_rare_runs() -> None:
    text = markup("A<B>&𠮷")
    assert "A&lt;B&gt;&amp;" in text
    assert '<font name="' in text and "𠮷</font>" in text


def test_no_missing_glyphs_for_rare_names() -> None:
    assert missing_glyphs("王𠮷䶮堃昇喆犇") == []


def test_to_unicode_cmap_writes_surrogate_pairs() -> None:
    cmap = make_to_unicode_cmap("X", [0, 0x5803, 0x20BB7])
    assert "<01> <5803>" in cmap
    assert "<02> <D842DFB7>" in cmap


def test_to_unicode_cmap_splits_bfchar_blocks_of_100() -> None:
    cmap = make_to_unicode_cmap("X", list(range(0x4E00, 0x4E00 + 256)))
    assert cmap.count("beginbfchar") == 3
    assert "100 beginbfchar" in cmap and "56 beginbfchar" in cmap


def test_missing_body_font_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound) as caught:
        locate_fonts([tmp_path], platform="linux")
    message = str(caught.value)
    assert "未找到中文字体 wqy-microhei.ttc" in message
    assert "sudo apt install fonts-wqy-microhei" in message
    assert str(tmp_path) in message


def test_missing_font_on_windows_names_the_windows_fonts(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound) as caught:
        locate_fonts([tmp_path], platform="win32")
    message = str(caught.value)
    assert "msyh.ttc" in message and "simsun.ttc" in message
    assert "apt" not in message


def test_fonts_found_in_a_custom_dir(tmp_path: Path) -> None:
    body = locate_fonts()[BODY].path
    (tmp_path / "wqy-microhei.ttc").symlink_to(body)
    assert locate_fonts([tmp_path])[BODY] == FontFile(tmp_path / "wqy-microhei.ttc")


def test_fontconfig_finds_the_system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing in the shipped folder: every role comes from fc-match/fc-list.
    monkeypatch.delenv(FONT_DIRS_ENV, raising=False)
    found = locate_fonts(platform="linux")
    expected = subprocess.run(
        ["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found[BODY] == FontFile(Path(expected), 0)
    assert found[RARE_A].path.name == "HanaMinA.ttf"
    assert found[RARE_B].path.name == "HanaMinB.ttf"


def test_windows_font_folder_is_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Windows layout: 微软雅黑 and SimSun-ExtB in %WINDIR%\Fonts, the
    # files standing in for them are the Linux ones (same formats).
    linux = locate_fonts(platform="linux")
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    (fonts / "msyh.ttc").symlink_to(linux[BODY].path)
    (fonts / "simsunb.ttf").symlink_to(linux[RARE_B].path)
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    monkeypatch.delenv(FONT_DIRS_ENV, raising=False)
    found = locate_fonts(platform="win32")
    assert found[BODY] == FontFile(fonts / "msyh.ttc")
    assert found[RARE_B] == FontFile(fonts / "simsunb.ttf")
    assert RARE_A not in found
    assert windows_font_dirs({"WINDIR": "D:\\Win", "LOCALAPPDATA": "E:\\u"}) == [
        Path("D:\\Win") / "Fonts",
        Path("E:\\u") / "Microsoft" / "Windows" / "Fonts",
    ]


def test_paragraph_and_canvas_text_extract_rare_characters() -> None:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, initialFontName=BODY)
    style = styles_for(Paper.A4).body
    doc.build([Paragraph(markup("申请人：王𠮷䶮堃"), style)])
    text = pdf_text(buffer.getvalue())
    assert "申请人：王𠮷䶮堃" in text
    assert all(row.embedded for row in pdf_fonts(buffer.getvalue()))

    buffer = io.BytesIO()
    canvas = Canvas(buffer, initialFontName=BODY)
    draw_text(canvas, 72, 720, "吉𠮷 and 䶮", size=12)
    canvas.showPage()
    canvas.save()
    assert "吉𠮷 and 䶮" in pdf_text(buffer.getvalue())
