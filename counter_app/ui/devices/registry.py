"""The desk's devices, opened once per window from ``DeviceSettings``
(environment today, the site configuration later) and kept in the app
context, so tests and the device page reach the same instances."""

from __future__ import annotations

from counter_app.devices.card import CardReader
from counter_app.devices.readers import open_reader
from counter_app.devices.settings import DeviceSettings
from counter_app.ui.context import AppContext


def device_settings(app: AppContext) -> DeviceSettings:
    found = app.extras.get("device_settings")
    if not isinstance(found, DeviceSettings):
        found = DeviceSettings.from_env()
        app.extras["device_settings"] = found
    return found


def card_reader(app: AppContext) -> CardReader:
    found = app.extras.get("card_reader")
    if found is None:
        found = open_reader(device_settings(app))
        app.extras["card_reader"] = found
    return found  # type: ignore[return-value]


def use_reader(app: AppContext, reader: CardReader) -> None:
    """Replace the reader (the device page after a settings change, tests)."""
    app.extras["card_reader"] = reader
