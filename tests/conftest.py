"""Shared fixtures: one real PostgreSQL (the embedded one) per test run, one fresh database per test."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from engine.store.embedded import EmbeddedPostgres

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The DSN of the maintenance database of a PostgreSQL started for this run. Its folder is not under
    pytest's own temporary folders, which another pytest run on the machine may prune while this one runs."""
    folder = Path(tempfile.mkdtemp(prefix="callhive-test-pg-"))
    server = EmbeddedPostgres(folder)
    dsn = server.start()
    try:
        yield dsn
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _with_database(dsn: str, name: str) -> str:
    # The embedded server's DSN is postgresql://postgres:@/postgres?host=<socket dir>
    head, _, query = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
async def new_database(pg_server: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of fresh, empty databases for this test (each dropped afterwards); returns their DSNs."""
    names: list[str] = []

    async def create() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(pg_server)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        names.append(name)
        return _with_database(pg_server, name)

    yield create
    admin = await asyncpg.connect(pg_server)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(new_database: Callable[[], Awaitable[str]]) -> str:
    """A database of its own for this test."""
    return await new_database()


@pytest.fixture
async def db_conn(database_url: str) -> AsyncIterator[Any]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


def cli_env(**overrides: str) -> dict[str, str]:
    """The environment for a `callhive` subprocess: this one minus any CALLHIVE_/DATABASE_URL leakage."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLHIVE_") and k != "DATABASE_URL"}
    env.update(overrides)
    return env


async def wait_process(process: asyncio.subprocess.Process, timeout: float = 60.0) -> int:
    return await asyncio.wait_for(process.wait(), timeout)
