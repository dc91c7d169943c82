from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import aiohttp
import pytest

from tests.conftest import REPO, cli_env, wait_process

pytestmark = pytest.mark.slow


async def start_serve(database_url: str, pbx_port: int, app: str = "callhive") -> asyncio.subprocess.Process:
    """`callhive serve` with its AMI and ARI on a port nobody answers (the defaults may be a real Asterisk's)."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "engine.cli", "serve", cwd=REPO,
        env=cli_env(DATABASE_URL=database_url, CALLHIVE_HTTP_PORT="0", CALLHIVE_ARI_APP=app,
                    CALLHIVE_AMI_PORT=str(pbx_port), CALLHIVE_ARI_URL=f"http://127.0.0.1:{pbx_port}/ari"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def read_url(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    assert line.startswith("callhive: serving on http://127.0.0.1:"), line
    return line.split("serving on ", 1)[1].strip()


async def test_serve_runs_holds_the_app_and_stops_cleanly(database_url: str, db_conn: Any, closed_port: int) -> None:
    first = await start_serve(database_url, closed_port)
    try:
        url = await read_url(first)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/api/health") as response:
                health = await response.json()
            assert health["status"] == "ok"
            assert health["app"] == "callhive"
            assert health["database"] == "external"
            assert health["seq"] >= 1
            async with http.get(f"{url}/wallboard/") as response:
                assert response.status == 200
                assert "callhive" in await response.text()

        second = await start_serve(database_url, closed_port)
        _out, err = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 1
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("callhive: error: another engine is already driving ARI app 'callhive'")
    finally:
        first.send_signal(signal.SIGTERM)
        assert await wait_process(first) == 0

    types = [row["type"] for row in await db_conn.fetch("SELECT type FROM events ORDER BY seq")]
    assert types == ["EngineStarted", "EngineStopping", "EngineStopped"]

    # A restart continues the stream where it stopped.
    again = await start_serve(database_url, closed_port)
    await read_url(again)
    again.send_signal(signal.SIGINT)
    assert await wait_process(again) == 0
    seqs = [row["seq"] for row in await db_conn.fetch("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, 7))
