"""One module per printed document; each exposes ``render_*``."""
