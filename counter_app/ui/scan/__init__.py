"""Scanning in the workspace: the per-material files panel, the page viewer,
the SANE scan dialog, the hot-folder setting and the start-up blob check."""
