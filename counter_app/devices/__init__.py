"""The window's devices behind small driver interfaces, without Qt: the ID
card reader (vendor SDK through ctypes, keyboard-wedge readers, a simulator
replaying recorded cards) and the settings that choose among them. The
widgets that use them live in ``counter_app/ui/devices``."""
