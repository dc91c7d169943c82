"""One engine per ARI application: a PostgreSQL session advisory lock named after the app.

Two engines on one Stasis app would each answer the other's calls (and a second ARI WebSocket for the
same app makes Asterisk send the first `ApplicationReplaced`), so `serve` takes this lock on a connection
of its own and holds it for its whole life; PostgreSQL drops it if the process dies, so a crash never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from engine.errors import CallhiveError
from engine.store.database import connect

_KEY_SQL = "hashtextextended('callhive.ari-app:' || $1, 0)"


class AppLockHeld(CallhiveError):
    """Another engine already drives this ARI application."""


@contextlib.asynccontextmanager
async def hold_app_lock(dsn: str, app: str) -> AsyncIterator[None]:
    holder = f"callhive serve app={app} pid={os.getpid()} host={socket.gethostname()}"
    conn: Any = await connect(dsn, application_name=holder[:63])
    try:
        got = await conn.fetchval(f"SELECT pg_try_advisory_lock({_KEY_SQL})", app)
        if not got:
            other = await _current_holder(conn, app)
            raise AppLockHeld(
                f"another engine is already driving ARI app '{app}' ({other}); stop it first, "
                "or give this one another [ari] app"
            )
        yield
    finally:
        await conn.close()


async def _current_holder(conn: Any, app: str) -> str:
    # advisory locks keyed by one bigint show the high and low halves in classid/objid.
    name = await conn.fetchval(
        f"""SELECT a.application_name
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
               AND ((l.classid::bigint << 32) | l.objid::bigint) = {_KEY_SQL}""",
        app,
    )
    return str(name) if name else "holder unknown"
