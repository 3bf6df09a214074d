"""Helpers and fixtures for the printing tests: poppler tools, a private CUPS.

Import what a test module needs: ``from tests.printing_fixtures import ...``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

POPPLER = ("pdftotext", "pdffonts", "pdfinfo")


def require_poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip("poppler-utils missing: " + ", ".join(missing))


def _poppler(args: list[str], pdf: bytes) -> str:
    require_poppler()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        result = subprocess.run(
            [*args, handle.name, *(["-"] if args[0] == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return result.stdout.decode("utf-8")


def pdf_text(pdf: bytes, *, mode: str = "-layout", page: int | None = None) -> str:
    """Text of ``pdf`` (or one page of it) as pdftotext extracts it."""
    args = ["pdftotext", "-enc", "UTF-8", mode]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return _poppler(args, pdf)


def pdf_words(pdf: bytes) -> str:
    """The pdftotext -bbox XHTML (one <word> with its box per word)."""
    return _poppler(["pdftotext", "-enc", "UTF-8", "-bbox"], pdf)


def squeeze(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class FontRow:
    name: str
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def pdf_fonts(pdf: bytes) -> list[FontRow]:
    rows = []
    lines = _poppler(["pdffonts"], pdf).splitlines()[2:]
    for line in lines:
        parts = line.split()
        # name type [type2] encoding emb sub uni object id
        emb, sub, uni = parts[-5], parts[-4], parts[-3]
        rows.append(
            FontRow(parts[0], parts[1], emb == "yes", sub == "yes", uni == "yes")
        )
    return rows


def pdf_pages(pdf: bytes) -> int:
    for line in _poppler(["pdfinfo"], pdf).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo printed no page count")


# --- a private CUPS scheduler with a cups-pdf queue -------------------------

PRINTER = "CounterPDF"
PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_CONF_DIR = Path("/etc/cups")


@dataclass(frozen=True)
class CupsPdfPrinter:
    name: str
    server: str  # value for CUPS_SERVER (the scheduler's socket)
    out_dir: Path
    log_dir: Path

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.server}

    def wait_for_pdf(self, known: set[Path], timeout: float = 60) -> Path:
        """The first new PDF to land in out_dir, fully written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = set(self.out_dir.glob("*.pdf")) - known
            for path in new:
                data = path.read_bytes()
                if data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]:
                    return path
            time.sleep(0.2)
        log = self.log_dir / "error_log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise AssertionError(f"no PDF arrived in {self.out_dir}; cupsd log:\n{tail}")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _cups_skip_reason() -> str | None:
    for tool in ("cupsd", "lpadmin", "lp", "lpstat"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} not installed (apt cups)"
    if not CUPS_PDF_BACKEND.exists() or not PPD.exists():
        return "printer-driver-cups-pdf not installed"
    if os.geteuid() != 0:
        return "a private cupsd with the cups-pdf backend needs root"
    if not os.access(CUPS_PDF_CONF_DIR, os.W_OK):
        return f"{CUPS_PDF_CONF_DIR} not writable for the cups-pdf instance config"
    return None


@pytest.fixture(name="cups_pdf")
def cups_pdf_fixture() -> Iterator[CupsPdfPrinter]:
    """A private ``cupsd -f`` with a cups-pdf queue writing into a temp dir.

    The scheduler uses its own config, spool and socket; only the cups-pdf
    instance file (/etc/cups/cups-pdf-<instance>.conf, where the backend
    looks) is outside the temp dir, and it is removed at teardown.
    """
    reason = _cups_skip_reason()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="counter-cups-"))
    # Filters run as user lp and must reach the spool and output dirs.
    base.chmod(0o755)
    dirs = {n: base / n for n in ("etc", "spool", "cache", "run", "log", "out")}
    for d in dirs.values():
        d.mkdir()
    (dirs["etc"] / "ppd").mkdir()
    (dirs["spool"] / "tmp").mkdir()
    (base / "cpspool").mkdir(mode=0o755)
    dirs["out"].chmod(0o1777)
    socket = dirs["run"] / "cups.sock"
    _write(
        dirs["etc"] / "cupsd.conf",
        f"""Listen {socket}
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
""",
    )
    _write(
        dirs["etc"] / "cups-files.conf",
        f"""ServerRoot {dirs["etc"]}
RequestRoot {dirs["spool"]}
TempDir {dirs["spool"] / "tmp"}
CacheDir {dirs["cache"]}
StateDir {dirs["run"]}
ErrorLog {dirs["log"] / "error_log"}
AccessLog {dirs["log"] / "access_log"}
PageLog {dirs["log"] / "page_log"}
Printcap {dirs["run"] / "printcap"}
ServerBin /usr/lib/cups
DataDir /usr/share/cups
User lp
Group lp
SystemGroup root
LogFileGroup root
""",
    )
    instance = f"counter-{uuid.uuid4().hex[:8]}"
    instance_conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{instance}.conf"
    _write(
        instance_conf,
        f"""Out {dirs["out"]}
AnonDirName {dirs["out"]}
Spool {base / "cpspool"}
Log {dirs["log"]}
LogType 3
UserUMask 0000
Grp root
""",
    )
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    proc = subprocess.Popen(
        [
            cupsd,
            "-f",
            "-c",
            str(dirs["etc"] / "cupsd.conf"),
            "-s",
            str(dirs["etc"] / "cups-files.conf"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    printer = CupsPdfPrinter(PRINTER, str(socket), dirs["out"], dirs["log"])
    try:
        deadline = time.monotonic() + 15
        while not socket.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.skip(f"cupsd did not start: {err.strip() or 'timeout'}")
            time.sleep(0.1)
        result = subprocess.run(
            [
                "lpadmin",
                "-p",
                PRINTER,
                "-v",
                f"cups-pdf:/{instance}",
                "-E",
                "-P",
                str(PPD),
            ],
            env=printer.env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"lpadmin could not add the cups-pdf queue: {result.stderr}")
        yield printer
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        instance_conf.unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)
