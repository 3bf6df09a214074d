"""Run central inside another process (demo mode): a uvicorn server in a
background thread on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from .api import Settings, create_app
from .db import Database, open_database


@dataclass
class EmbeddedCentral:
    db_path: Path
    port: int = 0  # 0: any free port; read base_url after start()
    settings: Settings = field(default_factory=Settings)
    _server: uvicorn.Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _db: Database | None = field(default=None, init=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(db_path=str(self.db_path), database_url=None)
        return self._db

    def start(self, timeout: float = 30) -> str:
        """Serve in a thread (uvicorn leaves signals alone off the main
        thread, so the host application keeps its own handlers)."""
        app = create_app(self.db, self.settings)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, name="central", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"central could not start on port {self.port}")
            time.sleep(0.02)
        sockets = [s for srv in self._server.servers for s in srv.sockets]
        self.port = int(sockets[0].getsockname()[1])
        return self.base_url

    def stop(self, timeout: float = 10) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> EmbeddedCentral:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
