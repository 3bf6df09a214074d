"""Scanning and material files without Qt: sources, processing, hot folder.

The UI calls these from worker threads; nothing here touches a widget.
"""
