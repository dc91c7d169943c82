"""Running pbxsim beside the engine for `callhive demo`, as a separate process.

The engine and pbxsim meet only on the wire, as the engine meets a real Asterisk, so the demo starts
`python -m pbxsim` as a child (with a scenario: simulated agents registering and answering, callers
arriving), reads the ports it bound from its first line of output, and stops it with
SIGTERM (then SIGKILL if it does not go within a few seconds) so that nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from engine.config import Settings
from engine.errors import CallhiveError

READY_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class SimPorts:
    ami_port: int
    ari_port: int
    pid: int


@contextlib.asynccontextmanager
async def run_pbxsim(settings: Settings, scenario: Path | None = None) -> AsyncIterator[SimPorts]:
    env = {
        **os.environ,
        # Credentials travel in the environment, not argv, so they do not show in process listings.
        "PBXSIM_AMI_USERNAME": settings.ami.username,
        "PBXSIM_AMI_SECRET": settings.ami.secret.reveal(),
        "PBXSIM_ARI_USERNAME": settings.ari.username,
        "PBXSIM_ARI_PASSWORD": settings.ari.password.reveal(),
    }
    world = ["--scenario", str(scenario), "--app", settings.ari.app] if scenario is not None else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pbxsim",
        "--host", "127.0.0.1", "--ami-port", "0", "--ari-port", "0", *world,
        "--log-level", settings.logging.level.value.upper(),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        ports = await asyncio.wait_for(_read_ready(process), READY_TIMEOUT)
        yield ports
    except TimeoutError:
        raise CallhiveError(f"pbxsim did not report ready within {READY_TIMEOUT:.0f} s") from None
    finally:
        await _stop(process)


async def _read_ready(process: asyncio.subprocess.Process) -> SimPorts:
    assert process.stdout is not None
    while True:
        line = await process.stdout.readline()
        if not line:
            raise CallhiveError(f"pbxsim exited before it was ready (exit code {await process.wait()})")
        text = line.decode(errors="replace").strip()
        if text.startswith("{"):
            ready = json.loads(text)
            return SimPorts(int(ready["ami_port"]), int(ready["ari_port"]), int(ready["pid"]))


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
