"""A fake vendor reader library for the ctypes driver: a C file written
from a card's data and compiled with the system compiler, exporting the
InitComm / Authenticate / Read_Content API the real SDKs have.

``FAKE_SDK_NO_CARD=1`` makes Authenticate fail, ``FAKE_SDK_READ_FAIL=1``
Read_Content; ``fake_calls`` returns the calls made, so a test sees that
the port was opened with the configured number and always closed.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

PORT = 1001

_TEMPLATE = r"""
#include <stdlib.h>
#include <string.h>

static char calls[4096];
static int opened = 0;

static void note(const char *s) {
    if (strlen(calls) + strlen(s) + 2 < sizeof calls) {
        strcat(calls, s); strcat(calls, ";");
    }
}
static int give(const char *v, int n, char *buf, int *len) {
    if (!opened) return 0;
    memcpy(buf, v, n); buf[n] = 0; *len = n; return 1;
}

int fake_calls(char *buf, int len) {
    strncpy(buf, calls, len - 1); buf[len - 1] = 0; return 1;
}
int PREFIXInitComm(int port) {
    char s[32]; sprintf(s, "InitComm(%d)", port); note(s);
    if (port != EXPECTED_PORT) return 0;
    opened = 1; return 1;
}
int PREFIXCloseComm(void) { note("CloseComm"); opened = 0; return 1; }
int PREFIXAuthenticate(void) {
    note("Authenticate");
    return (opened && !getenv("FAKE_SDK_NO_CARD")) ? 1 : 0;
}
int PREFIXRead_Content(int active) {
    note("Read_Content");
    return (opened && active == 1 && !getenv("FAKE_SDK_READ_FAIL")) ? 1 : 0;
}
"""

_FIELDS = {
    "GetPeopleName": "name",
    "GetPeopleSex": "sex",
    "GetPeopleNation": "nation",
    "GetPeopleBirthday": "birth",
    "GetPeopleAddress": "address",
    "GetPeopleIDCode": "id",
    "GetDepartment": "authority",
    "GetStartDate": "start",
    "GetEndDate": "end",
    "GetCertType": "cert_type",
    "GetEnName": "en_name",
    "GetNationality": "nationality",
    "GetPassCheckID": "pass_id",
}


def _c_bytes(data: bytes) -> str:
    return '"' + "".join(f"\\x{b:02x}" for b in data) + '"'


def photo_bmp() -> bytes:
    """A 102 × 126 BMP like the one SDKs decode from the chip: a dark
    rectangle on white, so its PNG can be checked."""
    im = Image.new("RGB", (102, 126), "white")
    im.paste((20, 40, 160), (30, 30, 70, 90))
    out = io.BytesIO()
    im.save(out, "BMP")
    return out.getvalue()


def build_fake_sdk(
    tmp: Path, card: dict[str, str], *, prefix: str = "", photo: bool = True
) -> Path:
    """Compile a library holding ``card`` (values GB 18030 encoded as real
    SDKs deliver them); skips the test when there is no C compiler."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler (gcc/cc) to build the fake reader library")
    src = _TEMPLATE.replace("PREFIX", prefix).replace("EXPECTED_PORT", str(PORT))
    for fn, key in _FIELDS.items():
        if key not in card:
            continue
        raw = card[key].encode("gb18030")
        src += (
            f"int {prefix}{fn}(char *buf, int *len) "
            f"{{ return give({_c_bytes(raw)}, {len(raw)}, buf, len); }}\n"
        )
    if photo:
        bmp = photo_bmp()
        src += (
            f"static const char bmp[] = {_c_bytes(bmp)};\n"
            f"int {prefix}GetBMPData(char *buf, int *len) "
            f"{{ if (!opened) return 0; memcpy(buf, bmp, {len(bmp)}); "
            f"*len = {len(bmp)}; return 1; }}\n"
        )
    c_file = tmp / "fakesdk.c"
    c_file.write_text("#include <stdio.h>\n" + src, encoding="ascii")
    lib = tmp / "libfakesdk.so"
    done = subprocess.run(
        [cc, "-shared", "-fPIC", "-O0", "-o", str(lib), str(c_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return lib


def build_file_sdk(tmp: Path, text_block: bytes, *, photo: bool = True) -> Path:
    """A library without getters: ``Read_Content`` writes ``wz.txt`` (and
    ``zp.bmp``) into ``$FAKE_SDK_OUT``, as older SDKs do in their folder."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler (gcc/cc) to build the fake reader library")
    bmp = photo_bmp() if photo else b""
    src = _TEMPLATE.replace("PREFIX", "").replace("EXPECTED_PORT", str(PORT))
    src = src.replace(
        "int Read_Content(int active)", "int Read_Content_plain(int active)"
    )
    src += f"""
static const char wz[] = {_c_bytes(text_block)};
static const char bmp[] = {_c_bytes(bmp) if bmp else '""'};
static void put(const char *dir, const char *name, const char *data, int n) {{
    char path[1024]; FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb"); if (!f) return;
    fwrite(data, 1, n, f); fclose(f);
}}
int Read_Content(int active) {{
    const char *dir = getenv("FAKE_SDK_OUT");
    if (!Read_Content_plain(active) || !dir) return 0;
    put(dir, "wz.txt", wz, {len(text_block)});
    if ({len(bmp)} > 0) put(dir, "zp.bmp", bmp, {len(bmp)});
    return 1;
}}
"""
    c_file = tmp / "filesdk.c"
    c_file.write_text("#include <stdio.h>\n" + src, encoding="ascii")
    lib = tmp / "libfilesdk.so"
    done = subprocess.run(
        [cc, "-shared", "-fPIC", "-O0", "-o", str(lib), str(c_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return lib
