"""One source for every figure: `callhive queue stats`, `GET /api/queues` and the live board's snapshot show the
same rows at the same seq, all from the read model; and the read model rebuilt from the events table at a past
seq shows what the live one showed then."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import aiohttp
import asyncpg

from engine.core.read_model import setup_of
from engine.core.read_model import views as rows
from engine.store.read_model import rebuild_read_model
from pbxsim.model import FarEnd
from tests.acd_rig import Rig, agent_ready, support_center
from tests.conftest import REPO, cli_env

CENTER = support_center("{strategy: longest_idle, wrapup_s: 10, ring_timeout_s: 15}")


async def queue_stats_json(url: str) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "engine.cli", "queue", "stats", "--json", cwd=REPO,
        env=cli_env(CALLHIVE_HTTP_HOST=host, CALLHIVE_HTTP_PORT=port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    answer: dict[str, Any] = json.loads(out)
    return answer


async def test_the_cli_the_api_and_the_live_snapshot_agree_at_one_seq_and_a_rebuild_agrees_later(rig: Rig) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=2))
    agent_ready(rig, "1001")
    first = world.place_inbound("callhive", ["inbound", "5000"])
    call = await rig.until("CallStarted", leg_id=first.id)
    await rig.until("AgentRinging", call_id=call.call_id)
    await rig.advance(2)
    await rig.until("AgentConnected", call_id=call.call_id)
    second = world.place_inbound("callhive", ["inbound", "5000"])  # waits: the only agent is talking
    waiting = await rig.until("CallerEnqueued", leg_id=second.id)
    await rig.advance(5)
    assert rig.engine.url is not None and rig.engine.acd is not None

    # Nothing happens while the three are read: the test's clock stands still, and so does the seq.
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{rig.engine.url}/wallboard/live") as board:
            hello = json.loads((await board.receive(timeout=10)).data)
        async with http.get(f"{rig.engine.url}/api/queues") as response:
            api = await response.json()
    cli = await queue_stats_json(rig.engine.url)
    snapshot = hello["snapshot"]
    assert snapshot["seq"] == api["seq"] == cli["seq"] == rig.engine.acd.seq
    assert snapshot["queues"] == api["queues"] == cli["queues"]
    [support] = api["queues"]
    assert (support["waiting"], support["today"]["offered"], support["today"]["answered"]) == (1, 2, 1)

    # The board as it stood then, rebuilt later from the events table at that seq, shows the same rows.
    then, at = snapshot["seq"], rig.clock.now()
    world.caller_hangup(first)
    await rig.until("CallCompleted", call_id=call.call_id)
    await rig.advance(3)
    await rig.engine.writer.wait_stored(rig.engine.stream.last_seq)
    center = rig.engine.center
    pool = await asyncpg.create_pool(rig.database_url, min_size=1, max_size=2)
    try:
        rebuilt = await rebuild_read_model(pool, setup_of(center.queues, center.agents, "UTC"), up_to=then)
    finally:
        await pool.close()
    assert rebuilt.seq == then and rebuilt.skipped == 0
    assert rows.queues_view(rebuilt.model, at) == snapshot["queues"]
    assert rows.agents_view(rebuilt.model, at) == snapshot["agents"]
    assert rows.calls_view(rebuilt.model, at) == snapshot["calls"]
    assert sorted(c["id"] for c in snapshot["calls"]) == sorted([str(call.call_id), str(waiting.call_id)])
    assert rig.engine.acd.queues_view() != snapshot["queues"]  # and the live one has moved on since
