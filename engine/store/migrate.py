"""Versioned SQL migrations, applied in order under a PostgreSQL advisory lock.

Files are `migrations/NNNN_name.sql`; each is applied in its own transaction and recorded in
`schema_version` with a checksum. The advisory lock makes `callhive db migrate` and `callhive serve`
started at the same moment safe: the second waits, then finds nothing left to do. An applied migration
whose file changed afterwards is refused: the schema would no longer be what the files say.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import CallhiveError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A fixed 64-bit key for pg_advisory_lock; any constant works as long as every engine uses the same one.
MIGRATION_LOCK_KEY = 0x63616C6C68697665  # "callhive"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise CallhiveError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise CallhiveError(f"{directory}: migration versions must run 1, 2, 3... without gaps, got {versions}")
    return found


async def migrate(conn: Any, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply what is missing; returns the migrations applied by this call (empty when up to date)."""
    wanted = discover() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_version (
                   version    integer     PRIMARY KEY,
                   name       text        NOT NULL,
                   checksum   text        NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_version ORDER BY version")
        applied = {row["version"]: row for row in rows}
        newest_known = max((m.version for m in wanted), default=0)
        if applied and max(applied) > newest_known:
            raise CallhiveError(
                f"the database schema is at version {max(applied)}, newer than this callhive "
                f"(knows up to {newest_known}); upgrade callhive before running it on this database"
            )
        done: list[Migration] = []
        for migration in wanted:
            row = applied.get(migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise CallhiveError(
                        f"migration {migration.version:04d}_{migration.name}.sql changed after it was "
                        "applied; add a new migration instead of editing an applied one"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)


async def current_version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    value = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
    return int(value)
