"""The printed QR and Code128 codes decode to what the data says (zbarimg)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printing import DOCUMENTS, Paper, samples
from tests.printing_fixtures import pdf_text, squeeze

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
    data = samples.receipt()
    codes = decode(DOCUMENTS["receipt"](data, paper=paper), tmp_path)
    assert codes == {"XW20261123-0042", data.status_url}  # Code128, QR link


@pytest.mark.parametrize("paper", [Paper.A4, Paper.ROLL_80])
def test_no_status_link_no_qr_code(paper: Paper, tmp_path: Path) -> None:
    """A QR code carries a working link or is left out, never the bare number."""
    pdf = DOCUMENTS["receipt"](samples.receipt(status_url=""), paper=paper)
    assert decode(pdf, tmp_path) == {"XW20261123-0042"}  # the Code128 only


def test_checklist_qr_opens_the_guide(tmp_path: Path) -> None:
    codes = decode(DOCUMENTS["checklist"](samples.checklist()), tmp_path)
    assert "https://zwfw.example.gov.cn/guide/320102-SL-0042" in codes


def test_chinese_receipt_number_is_printed_not_coded(tmp_path: Path) -> None:
    """Code128 cannot carry Chinese and a QR code holds only links: the
    number is printed in words."""
    pdf = DOCUMENTS["materials_receipt"](samples.materials_receipt())
    assert "XW收20261123-0210" in squeeze(pdf_text(pdf))
