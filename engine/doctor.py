"""`callhive doctor`: one line per check, each failure with a hint on what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from engine.adapters.probe import Verdict, probe_ami, probe_ari
from engine.config import Settings
from engine.errors import CallhiveError
from engine.store.database import connect, database_dsn
from engine.store.migrate import current_version, discover


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: Verdict

    def line(self) -> str:
        mark = "ok  " if self.verdict.ok else "FAIL"
        text = f"{mark}  {self.name:<9} {self.verdict.detail}"
        if not self.verdict.ok and self.verdict.hint:
            text += f" -- fix: {self.verdict.hint}"
        return text


async def check_database(settings: Settings) -> Verdict:
    known = len(discover())
    try:
        async with database_dsn(settings) as (dsn, embedded):
            conn = await connect(dsn, application_name="callhive doctor", timeout=5)
            try:
                server = await conn.fetchval("SHOW server_version")
                version = await current_version(conn)
            finally:
                await conn.close()
    except CallhiveError as exc:
        hint = (
            "check DATABASE_URL (host, port, user, password, database name)"
            if settings.database.url is not None
            else f"check that {settings.paths.data_dir} is writable, or set DATABASE_URL"
        )
        return Verdict(False, str(exc), hint)
    where = "embedded PostgreSQL" if embedded else "PostgreSQL"
    if version > known:
        return Verdict(
            False,
            f"{where} {server}: schema version {version} is newer than this callhive ({known})",
            "upgrade callhive",
        )
    pending = "" if version == known else f"; {known - version} migration(s) pending, applied at start"
    return Verdict(True, f"{where} {server}, schema version {version} of {known}{pending}")


async def run_doctor(settings: Settings, out: TextIO) -> bool:
    checks = [Check("config", Verdict(True, f"settings loaded from {settings.source}"))]
    checks.append(Check("database", await check_database(settings)))
    checks.append(Check("ami", await probe_ami(settings.ami)))
    checks.append(Check("ari", await probe_ari(settings.ari)))
    for check in checks:
        print(check.line(), file=out, flush=True)
    return all(check.verdict.ok for check in checks)
