"""The reader the settings choose; a new vendor is one module plus one line
here."""

from __future__ import annotations

from counter_app.devices.card import CardData, CardError, CardReader
from counter_app.devices.sdk import SdkReader
from counter_app.devices.settings import DeviceSettings
from counter_app.devices.simulator import SimulatorReader
from counter_app.devices.wedge import WedgeReader
from counter_app.i18n import _


class NoReader:
    name = "none"

    def probe(self) -> str:
        return _("未配置读卡器（card_reader = none），请手工录入证件信息")

    def read(self) -> CardData:
        raise CardError(self.probe())


def open_reader(settings: DeviceSettings) -> CardReader:
    kind = settings.card_reader
    if kind == "sdk":
        return SdkReader(settings)
    if kind == "wedge":
        return WedgeReader()
    if kind == "none":
        return NoReader()
    return SimulatorReader(settings.simulator_path())
