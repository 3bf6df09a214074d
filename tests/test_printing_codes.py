"""The printed QR and Code128 codes decode to what the data says (zbarimg)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printing import DOCUMENTS, Paper, samples

pytestmark = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbarimg (apt zbar-tools) and pdftoppm (poppler-utils) needed",
)


def decode(pdf: bytes, tmp_path: Path, *, binary: bool = False) -> set[str]:
    """Symbols on page 1; ``binary`` returns the raw bytes as UTF-8 (zbar
    otherwise guesses Shift-JIS for 8-bit QR data), one symbol only."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-f",
            "1",
            "-l",
            "1",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        [
            "zbarimg",
            "-q",
            "--raw",
            *(["-Sbinary"] if binary else []),
            *map(str, tmp_path.glob("page*.png")),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    return {line for line in text.splitlines() if line}


@pytest.mark.parametrize("paper", [Paper.A4, Paper.ROLL_80])
def test_receipt_codes_carry_the_acceptance_number(
    paper: Paper, tmp_path: Path
) -> None:
    codes = decode(DOCUMENTS["receipt"](samples.receipt(), paper=paper), tmp_path)
    assert "XW20261123-0042" in codes  # Code128
    assert "https://zwfw.example.gov.cn/query?no=XW20261123-0042" in codes  # QR


def test_checklist_qr_opens_the_guide(tmp_path: Path) -> None:
    codes = decode(DOCUMENTS["checklist"](samples.checklist()), tmp_path)
    assert "https://zwfw.example.gov.cn/guide/320102-SL-0042" in codes


def test_chinese_receipt_number_only_in_the_qr_code(tmp_path: Path) -> None:
    pdf = DOCUMENTS["materials_receipt"](samples.materials_receipt())
    assert decode(pdf, tmp_path, binary=True) == {"XW收20261123-0210"}
