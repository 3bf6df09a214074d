"""Widgets for the window's devices: the card reader panel, the signature
pad and the device settings page."""
