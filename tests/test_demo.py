"""`callhive demo` end to end: embedded PostgreSQL, pbxsim, engine and wallboard, and nothing left behind."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import psutil
import pytest

from tests.conftest import REPO, cli_env, wait_process

pytestmark = pytest.mark.slow


def log_file(data_dir: Path) -> BinaryIO:
    # The demo's logs go to a file: a pipe nobody reads would fill up and block the demo.
    data_dir.mkdir(parents=True, exist_ok=True)
    return (data_dir / "demo.log").open("ab")


async def start_demo(data_dir: Path, *args: str) -> asyncio.subprocess.Process:
    with log_file(data_dir) as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "engine.cli", "demo", *args, cwd=REPO,
            env=cli_env(CALLHIVE_PATHS_DATA_DIR=str(data_dir), CALLHIVE_HTTP_PORT="0"),
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )


async def wallboard_url(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 90)).decode()
    assert line.startswith("callhive demo: wallboard at http://127.0.0.1:"), line
    return line.split(" at ", 1)[1].split(" ", 1)[0]


def processes_of(data_dir: Path, demo_pid: int) -> list[psutil.Process]:
    """The demo's children (pbxsim) and the PostgreSQL processes serving its data directory."""
    found = psutil.Process(demo_pid).children(recursive=True)
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir.resolve()) in cmdline and process not in found:
            found.append(process)
    return found


# A busy little world: phones register at once and callers arrive every second, so a few seconds of demo
# show registration, queueing and answered calls.
QUICK_WORLD = """
seed: 7
agents:
  "1001-1004": {register_at: {min: 0, max: 0.5}, answer_after: {min: 0.5, max: 1}, talk: {min: 1, max: 2}}
inbound:
  - {number: "5000", rate: 1, window: {start: 1}, caller: "06XXXXXXXX", patience: 30}
"""


async def all_events(base: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http:
        while True:
            after = events[-1]["seq"] if events else 0
            async with http.get(f"{base}/api/events?after={after}&limit=1000") as response:
                page = (await response.json())["events"]
            if not page:
                return events
            events += page


async def test_demo_runs_everything_and_leaves_nothing_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    world = tmp_path / "world.yaml"
    world.write_text(QUICK_WORLD)
    demo = await start_demo(data_dir, "--duration", "6", "--scenario", str(world))
    url = await wallboard_url(demo)
    base = url.removesuffix("/wallboard/")
    helpers = processes_of(data_dir, demo.pid)
    names = " ".join(" ".join(p.cmdline()) for p in helpers)
    assert "pbxsim" in names, names
    assert "postgres" in names, names

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/health") as response:
            health = await response.json()
        assert health["database"] == "embedded"
        assert health["status"] == "ok"
        async with http.ws_connect(f"{url}live") as board, http.ws_connect(f"{url}live?debug=events") as socket:
            hello = json.loads((await socket.receive(timeout=30)).data)
            assert hello["type"] == "hello"
            assert hello["snapshot"]["seq"] >= 1
            board_hello = json.loads((await board.receive(timeout=30)).data)
            assert {q["queue"] for q in board_hello["snapshot"]["queues"]} >= {"support", "sales"}
            # The demo stops by itself; its last event reaches the debug view before the socket closes, and
            # the board's deltas follow in seq order until its socket closes too.
            seen = []
            async for message in socket:
                seen.append(json.loads(message.data)["event"]["type"])
            assert seen[-1] == "EngineStopped"
            deltas = [json.loads(message.data) async for message in board]
            assert deltas and all(d["type"] == "delta" for d in deltas)
            seqs = [d["seq"] for d in deltas]
            assert seqs == sorted(seqs) and seqs[0] > board_hello["snapshot"]["seq"]

    assert await wait_process(demo) == 0
    assert demo.stdout is not None
    assert (await demo.stdout.read()).decode().strip() == "callhive demo: stopped"
    psutil.wait_procs(helpers, timeout=10)
    assert [p.pid for p in helpers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []

    # The embedded database is kept and reused: a second run continues the same event stream.
    again = await start_demo(data_dir, "--scenario", str(world))
    url = await wallboard_url(again)
    types = [event["type"] for event in await all_events(url.removesuffix("/wallboard/"))]
    # Both runs, in one stream: the first one's connection to pbxsim over AMI and ARI, its stop, the second start.
    first_run = types[: types.index("EngineStopped") + 1]
    assert first_run[0] == "EngineStarted"
    assert {"AmiConnected", "AriResynced", "EngineStopping"} <= set(first_run)
    # Simulated agents registered (seen live, or by the resync after login if they were quicker than the
    # engine), callers arrived over ARI, and the engine handled them, all stored.
    assert {"ContactStatus", "ContactListItem"} & set(first_run)
    assert {"DeviceStateChange", "StasisStart", "CallerEnqueued", "AgentConnected"} <= set(first_run)
    assert "EngineStarted" in types[len(first_run):]
    helpers = processes_of(data_dir, again.pid)
    again.send_signal(signal.SIGINT)
    assert await wait_process(again) == 0
    psutil.wait_procs(helpers, timeout=10)
    assert [p.pid for p in helpers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
