from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from engine.errors import CallhiveError
from engine.store.migrate import MIGRATION_LOCK_KEY, Migration, current_version, discover, migrate
from tests.conftest import REPO, cli_env

EXPECTED_TABLES = {"events", "calls", "call_segments", "queue_log", "schema_version"}
# Made by the first migration, never read or written, dropped by the third.
DROPPED_TABLES = {"agents", "agent_skills", "agent_presence", "queues", "queue_members"}


async def tables(conn: Any) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row["tablename"] for row in rows}


async def test_applies_all_then_nothing(db_conn: Any) -> None:
    first = await migrate(db_conn)
    assert [m.version for m in first] == [m.version for m in discover()]
    assert await tables(db_conn) >= EXPECTED_TABLES
    assert not await tables(db_conn) & DROPPED_TABLES
    assert await current_version(db_conn) == len(discover())
    second = await migrate(db_conn)
    assert second == []
    count = await db_conn.fetchval("SELECT count(*) FROM schema_version")
    assert count == len(discover())


async def test_edited_migration_is_refused(db_conn: Any) -> None:
    await migrate(db_conn)
    original = discover()
    edited = [replace(original[0], sql=original[0].sql + "\n-- edited\n"), *original[1:]]
    with pytest.raises(CallhiveError, match="changed after it was applied"):
        await migrate(db_conn, edited)


async def test_database_newer_than_code_is_refused(db_conn: Any) -> None:
    await migrate(db_conn)
    newer = [*discover(), Migration(len(discover()) + 1, "future", "SELECT 1")]
    await migrate(db_conn, newer)
    with pytest.raises(CallhiveError, match="newer than this callhive"):
        await migrate(db_conn)


async def test_failed_migration_leaves_no_trace(db_conn: Any) -> None:
    broken = [Migration(1, "broken", "CREATE TABLE half (id int); SELECT no_such_function();")]
    with pytest.raises(asyncpg.PostgresError):
        await migrate(db_conn, broken)
    assert "half" not in await tables(db_conn)
    assert await current_version(db_conn) == 0
    # The lock was released: a correct run still goes through.
    await migrate(db_conn)


async def test_events_are_append_only(db_conn: Any) -> None:
    await migrate(db_conn)
    await db_conn.execute(
        "INSERT INTO events (seq, received_at, source, type) VALUES (1, now(), 'engine', 'EngineStarted')"
    )
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await db_conn.execute("UPDATE events SET type = 'x'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await db_conn.execute("DELETE FROM events")


async def schema_fingerprint(conn: Any) -> list[tuple[str, str, str]]:
    rows = await conn.fetch(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' ORDER BY table_name, column_name"""
    )
    return [(r["table_name"], r["column_name"], r["data_type"]) for r in rows]


@pytest.mark.slow
async def test_concurrent_db_migrate_commands(
    database_url: str, db_conn: Any, new_database: Callable[[], Awaitable[str]]
) -> None:
    """Two `callhive db migrate` processes at once: one applies, the other waits and finds nothing to do."""
    commands = [
        asyncio.create_subprocess_exec(
            sys.executable, "-m", "engine.cli", "db", "migrate",
            env=cli_env(DATABASE_URL=database_url), cwd=REPO,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    processes = await asyncio.gather(*commands)
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    codes = [p.returncode for p in processes]
    assert codes == [0, 0], outputs
    said = sorted(out.decode() for out, _err in outputs)
    assert "nothing to apply" in said[1] or "nothing to apply" in said[0]
    assert sum("applied" in s and "nothing" not in s for s in said) == 1
    assert await db_conn.fetchval("SELECT count(*) FROM schema_version") == len(discover())

    # The same schema as one plain, single migration run gives.
    reference = await asyncpg.connect(await new_database())
    try:
        await migrate(reference)
        assert await schema_fingerprint(db_conn) == await schema_fingerprint(reference)
    finally:
        await reference.close()


async def test_migrate_waits_for_the_lock_holder(database_url: str, db_conn: Any) -> None:
    """While another session holds the migration lock, migrate waits on it instead of racing."""
    holder = await asyncpg.connect(database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        running = asyncio.create_task(migrate(db_conn))
        while True:  # wait until PostgreSQL reports the migrate session blocked on the advisory lock
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if waiting:
                break
            await asyncio.sleep(0)
        assert not running.done()
        assert "events" not in await tables(holder)
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        applied = await asyncio.wait_for(running, 30)
        assert len(applied) == len(discover())
    finally:
        await holder.close()
