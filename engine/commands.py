"""What `serve`, `demo` and `db migrate` do, once the CLI has parsed and loaded settings."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from pathlib import Path
from typing import TextIO

from engine.app import Engine
from engine.center_config import load_center_config
from engine.clock import WallClock
from engine.config import Settings
from engine.demo_team import log_in_when_reachable, run_breaks
from engine.errors import CallhiveError
from engine.pbxsim_process import run_pbxsim
from engine.store.applock import hold_app_lock
from engine.store.database import connect, database_dsn, open_database
from engine.store.migrate import current_version, migrate

log = logging.getLogger(__name__)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def serve(settings: Settings, out: TextIO) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    center = load_center_config(settings.paths.center)
    async with open_database(settings) as db, hold_app_lock(db.dsn, settings.ari.app):
        engine = Engine(settings, center, db, WallClock())
        await engine.run(stop, on_listening=lambda url: print(f"callhive: serving on {url}", file=out, flush=True))


async def demo(settings: Settings, duration: float | None, scenario: Path | None, out: TextIO) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    center = load_center_config(settings.paths.center)
    if scenario is not None and not await asyncio.to_thread(scenario.is_file):
        raise CallhiveError(f"{scenario}: scenario not found (--scenario names a pbxsim YAML world)")
    async with run_pbxsim(settings, scenario) as sim:
        settings = dataclasses.replace(
            settings,
            ami=dataclasses.replace(settings.ami, host="127.0.0.1", port=sim.ami_port),
            ari=dataclasses.replace(settings.ari, url=f"http://127.0.0.1:{sim.ari_port}/ari"),
        )
        log.info("pbxsim running", extra={"fields": {"ami_port": sim.ami_port, "ari_port": sim.ari_port}})
        async with open_database(settings) as db, hold_app_lock(db.dsn, settings.ari.app):
            # The simulated agents log in as soon as their softphone is reachable, and take breaks now and then.
            clock = WallClock()
            engine = Engine(settings, center, db, clock, acd_hooks=[log_in_when_reachable],
                            companion=lambda acd: run_breaks(acd, clock, seed=20261124))

            def announce(url: str) -> None:
                # The duration counts from when everything is up, not from the command's start.
                if duration is not None:
                    asyncio.get_running_loop().call_later(duration, stop.set)
                until = f"for {duration:g} s" if duration is not None else "until Ctrl-C"
                print(f"callhive demo: wallboard at {url}/wallboard/ ({until})", file=out, flush=True)

            await engine.run(stop, on_listening=announce)
    print("callhive demo: stopped", file=out, flush=True)


async def db_migrate(settings: Settings, out: TextIO) -> None:
    async with database_dsn(settings) as (dsn, _embedded):
        conn = await connect(dsn, application_name="callhive db migrate")
        try:
            applied = await migrate(conn)
            version = await current_version(conn)
        finally:
            await conn.close()
    if applied:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied)
        print(f"callhive: applied {len(applied)} migration(s): {names}; schema at version {version}", file=out)
    else:
        print(f"callhive: schema already at version {version}, nothing to apply", file=out)
