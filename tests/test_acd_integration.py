"""The ACD end to end: engine + pbxsim + PostgreSQL over real loopback sockets, on one manual clock.

pbxsim plays the caller and the agent's softphone; the engine answers, queues, rings the agent, bridges,
and records every step. Time is the test's: ring and talk times cost no wall time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from engine.app import Engine
from engine.center_config import load_center_config
from engine.config import load_settings
from engine.core.acd import ContactObserved
from engine.core.agent_fsm import StatusTrigger
from engine.core.event_record import EventRecord
from engine.runtime import Subscription
from engine.store.database import open_database
from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from pbxsim.server import PbxSim, PbxSimConfig

CENTER = """
queues:
  support: {strategy: longest_idle, wrapup_s: 30, ring_timeout_s: 15}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [support]}
numbers:
  "5000": {queue: support}
"""


@dataclass
class Rig:
    sim: PbxSim
    engine: Engine
    clock: ManualClock
    events: Subscription

    async def until(self, type_: str, **fields: Any) -> EventRecord:
        """The next engine event of this type (and these field values); waits on the stream, not on time."""
        async with asyncio.timeout(20):
            async for record in self.events:
                if record.type == type_ and all(getattr(record, k) == v for k, v in fields.items()):
                    return record
        raise AssertionError(f"the stream ended before {type_}")

    async def until_all(self, *types: str) -> None:
        """Every one of these event types has been seen, in whatever order they come."""
        missing = set(types)
        async with asyncio.timeout(20):
            async for record in self.events:
                missing.discard(record.type)
                if not missing:
                    return
        raise AssertionError(f"the stream ended before {sorted(missing)}")

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.sim.model.scheduler.settle()


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    clock = ManualClock()
    center_file = tmp_path / "center.yaml"
    center_file.write_text(CENTER)
    config = PbxSimConfig(ami_username="hive", ami_secret="ami-pw-1", ari_username="hive", ari_password="ari-pw-1",
                          clock=clock, recordings_dir=tmp_path)
    async with PbxSim(config) as sim:
        settings = load_settings(None, {
            "DATABASE_URL": database_url, "CALLHIVE_HTTP_PORT": "0",
            "CALLHIVE_AMI_PORT": str(sim.ami_port), "CALLHIVE_AMI_USERNAME": "hive", "CALLHIVE_AMI_SECRET": "ami-pw-1",
            "CALLHIVE_ARI_URL": f"http://127.0.0.1:{sim.ari_port}/ari", "CALLHIVE_ARI_USERNAME": "hive",
            "CALLHIVE_ARI_PASSWORD": "ari-pw-1",
        })
        async with open_database(settings) as db:
            engine = Engine(settings, load_center_config(center_file), db, clock)
            stop = asyncio.Event()
            rig = Rig(sim, engine, clock, engine.stream.subscribe(limit=100_000))
            running = asyncio.create_task(engine.run(stop))
            await rig.until_all("AriResynced", "AmiConnected")  # both links up before the test begins
            yield rig
            stop.set()
            await asyncio.wait_for(running, 20)


def assert_never_silent(spans: list[Any], after_answer: bool) -> None:
    """Between music and the agent the caller may hear silence only for a REST round-trip, never 1 s."""
    kinds = [span.what.value for span in spans]
    assert "moh" in kinds
    first_moh = kinds.index("moh")
    for span in spans[first_moh:]:
        if span.what.value == "silence" and span.end is not None:
            assert span.end - span.start < 1.0, spans


def agent_ready(rig: Rig, agent_id: str) -> None:
    assert rig.engine.acd is not None
    rig.engine.acd.apply(ContactObserved(f"PJSIP/{agent_id}", reachable=True))
    rig.engine.acd.request(agent_id, StatusTrigger.LOGIN)


async def stored(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT seq, source, type, call_id, agent_id, queue, body FROM events ORDER BY seq")
        return list(rows)
    finally:
        await conn.close()


async def test_inbound_call_is_queued_rung_bridged_and_recorded(rig: Rig, database_url: str) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=3))
    agent_ready(rig, "1001")
    caller = world.place_inbound("callhive", ["inbound", "5000"])

    started = await rig.until("CallStarted", leg_id=caller.id)
    call_id = started.call_id
    await rig.until("CallerEnqueued", call_id=call_id, queue="support")
    offered = await rig.until("AgentOffered", call_id=call_id, agent_id="1001")
    await rig.until("AgentRinging", call_id=call_id)  # pbxsim is ringing the softphone
    await rig.advance(3)
    connected = await rig.until("AgentConnected", call_id=call_id, agent_id="1001")
    assert connected.body["wait_s"] == pytest.approx(3, abs=0.5)
    await rig.until("ChannelEnteredBridge")
    await rig.until("ChannelEnteredBridge")
    assert_never_silent(world.hearing(caller.id), after_answer=True)
    assert [span.what.value for span in world.hearing(caller.id)][-1] == "bridge"

    await rig.advance(60)
    world.caller_hangup(caller)
    completed = await rig.until("CallCompleted", call_id=call_id)
    assert completed.body["by"] == "caller"
    assert completed.body["talk_s"] == pytest.approx(60, abs=0.5)
    await rig.until("BridgeDestroyed")
    await rig.advance(30)
    await rig.until("AgentStateChanged", agent_id="1001")  # wrap-up over: idle again
    assert rig.engine.acd is not None
    assert rig.engine.acd.acd.agents["1001"].presence.state.value == "idle"
    assert offered.leg_id not in rig.sim.model.channels

    rows = await stored(database_url)
    kinds = [row["type"] for row in rows if row["call_id"] == call_id]
    for expected in ("CallStarted", "CallerEnqueued", "AgentOffered", "AgentConnected", "CallCompleted"):
        assert expected in kinds
    assert [row["seq"] for row in rows] == sorted(row["seq"] for row in rows)
    stasis = [json.loads(row["body"]) for row in rows if row["type"] == "StasisStart"]
    assert any(body["args"] == ["inbound", "5000"] for body in stasis)


async def test_ring_no_answer_goes_to_the_next_agent(rig: Rig) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.no_answer())
    world.define_endpoint("1002", contact=True, far_end=FarEnd.answers(after=1))
    agent_ready(rig, "1001")
    await rig.advance(1)  # 1001 has been idle longer: offered first
    agent_ready(rig, "1002")
    world.place_inbound("callhive", ["inbound", "5000"])
    await rig.until("AgentOffered", agent_id="1001")
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(15)  # the 15 s ring timeout passes
    missed = await rig.until("AgentMissed", agent_id="1001")
    assert missed.body["failure"] == "no_answer"
    await rig.until("AgentOffered", agent_id="1002")
    await rig.until("AgentRinging", agent_id="1002")  # pbxsim has the leg: only now may time pass
    await rig.advance(1)
    await rig.until("AgentConnected", agent_id="1002")


async def test_no_contact_marks_the_agent_unreachable(rig: Rig) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=False)
    agent_ready(rig, "1001")  # the engine believes the phone is there; the PBX says it is not
    world.place_inbound("callhive", ["inbound", "5000"])
    await rig.until("AgentOffered", agent_id="1001")
    missed = await rig.until("AgentMissed", agent_id="1001")
    assert missed.body["failure"] == "no_contact"
    assert rig.engine.acd is not None
    agent = rig.engine.acd.acd.agents["1001"]
    assert agent.reachable is False
    assert agent.presence.missed_in_a_row == 0


async def test_caller_hangs_up_while_the_agent_rings(rig: Rig) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=10))
    agent_ready(rig, "1001")
    caller = world.place_inbound("callhive", ["inbound", "5000"])
    offered = await rig.until("AgentOffered", agent_id="1001")
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(2)
    world.caller_hangup(caller)
    await rig.until("CallerAbandoned")
    await rig.until("ChannelDestroyed")
    assert offered.leg_id not in rig.sim.model.channels
    assert rig.engine.acd is not None
    assert rig.engine.acd.acd.agents["1001"].presence.state.value == "idle"
    assert rig.engine.acd.acd.calls == {}


async def drive_until(rig: Rig, type_: str, **fields: Any) -> EventRecord:
    """Advance the shared clock a second at a time until the engine reports the event (a reconnect waits on
    its backoff, which runs on this clock)."""
    waiter = asyncio.create_task(rig.until(type_, **fields))
    for _ in range(600):
        if waiter.done():
            break
        rig.clock.advance(1)
        await asyncio.sleep(0)
    return await waiter


async def test_pbx_listeners_killed_mid_call_are_survived_and_resynced(rig: Rig) -> None:
    world = rig.sim.model.world
    world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=2))
    agent_ready(rig, "1001")
    caller = world.place_inbound("callhive", ["inbound", "5000"])
    offered = await rig.until("AgentOffered", agent_id="1001")
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(2)
    connected = await rig.until("AgentConnected", agent_id="1001")

    # AMI: the listener goes away and comes back on the same port; the engine logs in again and resyncs.
    await rig.sim.ami.stop()
    await rig.until("AmiDisconnected")
    await rig.sim.ami.start()
    reconnected = await drive_until(rig, "AmiConnected")
    assert reconnected.body["resynced"] is True

    # ARI: the WebSocket drops while the call is bridged; events of the gap are lost, the state comes back by REST.
    await rig.sim.ari_sockets.close_all()
    await rig.until("AriDisconnected")
    resynced = await rig.until("AriResynced")
    held = {channel["id"] for channel in resynced.body["channels"]}
    assert {caller.id, offered.leg_id} <= held
    assert len(resynced.body["bridges"]) == 1

    # Nothing was lost: the call is still up and ends normally.
    world.caller_hangup(caller)
    completed = await rig.until("CallCompleted", call_id=connected.call_id)
    assert completed.body["by"] == "caller"


async def test_agent_api_actions_and_errors(rig: Rig) -> None:
    base = rig.engine.url
    assert base is not None
    async with aiohttp.ClientSession() as http:
        async def post(path: str, body: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
            async with http.post(f"{base}{path}", json=body) as response:
                return response.status, await response.json()

        assert await post("/api/agents/9999/login") == (404, {"error": "no agent '9999'"})
        status, body = await post("/api/agents/1001/ready")
        assert status == 409 and "status 'logged_out' does not accept 'ready'" in body["error"]
        status, body = await post("/api/agents/1001/login")
        assert (status, body["agent"]["status"]) == (200, "available")
        status, body = await post("/api/agents/1001/break")
        assert status == 400 and "needs a reason" in body["error"]
        status, body = await post("/api/agents/1001/break", {"reason": "lunch"})
        assert (body["agent"]["status"], body["agent"]["break_reason"]) == ("on_break", "lunch")
        async with http.get(f"{base}/api/queues") as response:
            [support] = (await response.json())["queues"]
        assert (support["queue"], support["waiting"], support["agents"]) == ("support", 0, {"on_break": 1,
                                                                                          "logged_out": 1})
    facts = await rig.until("AgentStatusChanged", agent_id="1001")
    assert facts.body == {"status": "available", "reason": None}
