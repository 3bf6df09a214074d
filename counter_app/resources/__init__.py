"""Files shipped with the desk: catalog seed, holiday calendar, translations,
icon. They are package data, found through :mod:`importlib.resources`, so a
wheel, the Debian package and the standalone build find them as a source
checkout does."""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def resource_path(*parts: str) -> Path:
    """A real file-system path to a shipped file or folder.

    An installed package is a folder and gives its own path; a zipped one
    (zipimport) is extracted once for the life of the process.
    """
    node = resources.files(__name__).joinpath(*parts)
    if isinstance(node, Path):
        return node
    return Path(_extracted.enter_context(resources.as_file(node)))
