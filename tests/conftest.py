from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
# The plaintext file keyring is refused outside the tests; the suite opts in.
os.environ.setdefault("COUNTER_TEST_KEYRING", "1")
# Every store a test opens leaves its data key in the keyring: keep this run's
# keyring file (and tokens) in a folder of its own, never the user's.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="counter-tests-data-home-")

from counter_app import clock
from counter_app.i18n import set_language
from counter_app.services.context import DeskContext
from counter_app.store.db import Store

# Tests never read the real clock: every test starts on this working day (a
# Wednesday) unless it sets another; `pytest --today 2026-10-01` runs the whole
# suite on another day, e.g. a weekend or a holiday.
DEFAULT_TODAY = "2026-11-25"


def _now() -> datetime:
    return datetime.now().astimezone()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        default=DEFAULT_TODAY,
        help="the desk's date for every test (default %(default)s, a working day)",
    )


@pytest.fixture(scope="session")
def today(pytestconfig: pytest.Config) -> date:
    return date.fromisoformat(str(pytestconfig.getoption("--today")))


@pytest.fixture(autouse=True)
def _chinese_and_fixed_clock(today: date) -> Iterator[None]:
    set_language("zh_CN")
    offset = datetime.combine(today, time(10, 0)).astimezone() - _now()
    # The desk's clock runs on from 10:00 that day, so records still order in time.
    clock.set_clock(lambda: _now() + offset)
    yield
    clock.set_clock(None)
    set_language("zh_CN")


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh, empty store (migrated, nothing seeded)."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def seeded_store(store: Store) -> Store:
    """A store with the shipped catalog and calendar."""
    from counter_app.services.setup import ensure_seeded

    ensure_seeded(store)
    return store


@pytest.fixture
def clerk() -> DeskContext:
    return DeskContext(
        username="clerk01",
        display_name="王晓明",
        role="clerk",
        site_code="320102001",
        window_code="01",
    )


@pytest.fixture
def supervisor() -> DeskContext:
    return DeskContext(
        username="chief01",
        display_name="张堃",
        role="supervisor",
        site_code="320102001",
        window_code="01",
    )
