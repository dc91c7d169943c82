"""Opening the database: the configured server or the embedded one, a pool, migrations applied.

`open_database(settings)` is the one code path for every command (serve, demo, db migrate, doctor), so
the embedded and the external PostgreSQL are used exactly the same way once open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from engine.config import Settings
from engine.errors import CallhiveError
from engine.logs import register_secret
from engine.secret import masked_url
from engine.store.embedded import EmbeddedPostgres
from engine.store.migrate import migrate

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Database:
    pool: Any  # asyncpg.Pool; asyncpg ships no type information
    dsn: str
    shown_as: str  # the DSN with any password masked, for messages
    embedded: bool


@contextlib.asynccontextmanager
async def database_dsn(settings: Settings) -> AsyncIterator[tuple[str, bool]]:
    """The DSN to use, starting (and finally releasing) the embedded PostgreSQL when none is configured."""
    if settings.database.url is not None:
        yield settings.database.url.reveal(), False
        return
    server = EmbeddedPostgres(settings.paths.data_dir)
    dsn = await asyncio.to_thread(server.start)
    try:
        yield dsn, True
    finally:
        await asyncio.to_thread(server.stop)


async def connect(dsn: str, *, application_name: str = "callhive", timeout: float = 10.0) -> Any:
    try:
        return await asyncpg.connect(
            dsn, timeout=timeout, server_settings={"application_name": application_name}
        )
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise CallhiveError(f"cannot connect to PostgreSQL at {masked_url(dsn)}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@contextlib.asynccontextmanager
async def open_database(
    settings: Settings, *, apply_migrations: bool = True, pool_size: int = 8
) -> AsyncIterator[Database]:
    if settings.database.url is not None:
        register_secret(settings.database.url)
    async with database_dsn(settings) as (dsn, embedded):
        if apply_migrations:
            conn = await connect(dsn, application_name="callhive migrate")
            try:
                applied = await migrate(conn)
            finally:
                await conn.close()
            for migration in applied:
                log.info(
                    "migration applied",
                    extra={"fields": {"version": migration.version, "name": migration.name}},
                )
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=1, max_size=pool_size, server_settings={"application_name": "callhive"}
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise CallhiveError(f"cannot open a pool to {masked_url(dsn)}: {_reason(exc)}") from None
        try:
            yield Database(pool=pool, dsn=dsn, shown_as=masked_url(dsn), embedded=embedded)
        finally:
            await pool.close()
