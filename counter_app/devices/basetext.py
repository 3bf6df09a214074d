"""The 256-byte text block a card's chip holds (UTF-16LE, fixed fields),
which older reader SDKs write to ``wz.txt`` after ``Read_Content`` instead
of offering getters. Layout of the resident card (GA 467) and of the
HK/Macao/Taiwan residence permit (card type ``J`` at character 124, the
permit number and issue count in the resident card's reserved area)."""

from __future__ import annotations

from counter_app.devices.card import CardError
from counter_app.i18n import _

SIZE = 256
# (field, start byte, end byte)
RESIDENT_FIELDS = (
    ("name", 0, 30),
    ("sex", 30, 32),
    ("nation", 32, 36),
    ("birth", 36, 52),
    ("address", 52, 122),
    ("id", 122, 158),
    ("authority", 158, 188),
    ("start", 188, 204),
    ("end", 204, 220),
)
PERMIT_FIELDS = (("pass_id", 220, 238), ("issues", 238, 242))
TYPE_AT = (248, 250)


def parse_base_text(raw: bytes) -> dict[str, str]:
    """The fields of one block; CardError when it is not one."""
    if len(raw) < SIZE:
        raise CardError(
            _("读卡器输出的证件文字信息不完整（{n} 字节），请重新读卡").format(
                n=len(raw)
            )
        )

    def text(start: int, end: int) -> str:
        return raw[start:end].decode("utf-16-le", errors="replace").strip(" \0")

    kind = text(*TYPE_AT).upper()
    if kind == "I":
        raise CardError(
            _("该读卡器驱动以文件方式输出，不支持外国人永久居留身份证，请手工录入")
        )
    fields = {name: text(a, b) for name, a, b in RESIDENT_FIELDS}
    fields["cert_type"] = kind
    if kind == "J":
        fields.update({name: text(a, b) for name, a, b in PERMIT_FIELDS})
    return fields


def make_base_text(fields: dict[str, str]) -> bytes:
    """A block from fields (tests, the simulator's recordings)."""
    out = bytearray(b" \0" * (SIZE // 2))
    for name, a, b in (*RESIDENT_FIELDS, *PERMIT_FIELDS, ("cert_type", *TYPE_AT)):
        value = fields.get(name, "").encode("utf-16-le")[: b - a]
        out[a : a + len(value)] = value
    return bytes(out)
