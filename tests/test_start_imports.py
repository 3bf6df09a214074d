"""The first window (the sign-in dialog) shows before the desk imports what
it does not need: the store, the services, SQLCipher, printing, sync
(``python -m bench.importtime`` lists the slowest imports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.importtime import first_window_imports, too_early


@pytest.mark.e2e
def test_nothing_heavy_is_imported_before_the_sign_in_dialog(tmp_path: Path) -> None:
    found = first_window_imports(tmp_path / "desk")
    modules = {i.module for i in found}
    assert {"PySide6.QtWidgets", "counter_app.ui.signin"} <= modules
    assert too_early(found) == []
    # the log file's handlers (socket, pickle) load behind the dialog too
    assert "logging.handlers" not in modules


def test_the_check_names_a_heavy_module_imported_early() -> None:
    from bench.importtime import Imported

    found = [
        Imported("PySide6.QtWidgets", 10, 10, 0),
        Imported("sqlcipher3.dbapi2", 5, 5, 1),
        Imported("printing_helpers", 1, 1, 0),  # a prefix, not the package
    ]
    assert too_early(found) == ["sqlcipher3.dbapi2"]
