"""Which devices the desk uses, with defaults that work without hardware.

A plain dataclass read from a mapping: the environment today
(``COUNTER_DEVICE_CARD_READER`` …), a site configuration file later (its
``[devices]`` table is the same keys in lower case without the prefix).
Nothing here blocks start-up: an unknown value falls back to the default
and says so in ``problems``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.resources import resource_path

READER_KINDS = ("simulator", "sdk", "wedge", "none")
# Vendor SDKs number USB readers from 1001 and serial ports from 1.
DEFAULT_PORT = 1001


@dataclass(frozen=True)
class DeviceSettings:
    card_reader: str = "simulator"
    sdk_library: str = ""  # e.g. /opt/reader/libtermb.so
    sdk_port: int = DEFAULT_PORT
    sdk_symbol_prefix: str = ""  # some SDKs export CVR_InitComm …
    sdk_encoding: str = "gb18030"  # GB 18030 covers 𠮷 and every Ext. B name
    # SDKs without getters write wz.txt/zp.bmp here ("" = current folder).
    sdk_output_dir: str = ""
    simulator_file: str = ""  # recorded cards; "" = the shipped set
    # A keyboard-wedge reader types 18 characters within this many ms.
    wedge_max_ms: int = 60
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> DeviceSettings:
        """From ``card_reader``, ``sdk_library``, ``sdk_port`` … (strings)."""
        problems: list[str] = []
        kind = values.get("card_reader", cls.card_reader).strip().lower()
        if kind not in READER_KINDS:
            problems.append(f"card_reader={kind!r} unknown, using simulator")
            kind = cls.card_reader
        port = _int(values, "sdk_port", DEFAULT_PORT, problems)
        wedge = _int(values, "wedge_max_ms", cls.wedge_max_ms, problems)
        return cls(
            card_reader=kind,
            sdk_library=values.get("sdk_library", "").strip(),
            sdk_port=port,
            sdk_symbol_prefix=values.get("sdk_symbol_prefix", "").strip(),
            sdk_encoding=values.get("sdk_encoding", "").strip() or cls.sdk_encoding,
            sdk_output_dir=values.get("sdk_output_dir", "").strip(),
            simulator_file=values.get("simulator_file", "").strip(),
            wedge_max_ms=wedge,
            problems=tuple(problems),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeviceSettings:
        env = os.environ if env is None else env
        prefix = "COUNTER_DEVICE_"
        return cls.from_mapping(
            {
                k[len(prefix) :].lower(): v
                for k, v in env.items()
                if k.startswith(prefix)
            }
        )

    def simulator_path(self) -> Path:
        if self.simulator_file:
            return Path(self.simulator_file)
        return resource_path("devices", "cards.json")


def _int(values: Mapping[str, str], key: str, default: int, problems: list[str]) -> int:
    raw = values.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{key}={raw!r} is not a number, using {default}")
        return default
