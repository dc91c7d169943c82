"""The ACD end to end: engine + pbxsim + PostgreSQL over real loopback sockets, on one manual clock.

pbxsim plays the caller and the agent's softphone; the engine answers, queues, rings the agent, bridges,
and records every step. Time is the test's: ring and talk times cost no wall time.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from pbxsim.model import FarEnd
from tests.acd_rig import Rig, agent_ready, assert_never_silent, support_center

CENTER = support_center("{strategy: longest_idle, wrapup_s: 30, ring_timeout_s: 15}")


async def test_inbound_call_is_queued_rung_bridged_and_recorded(rig: Rig) -> None:
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
    assert_never_silent(world.hearing(caller.id))
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
    assert rig.engine.acd.acd.roster.agent("1001").presence.state.value == "idle"
    assert offered.leg_id not in rig.sim.model.channels

    rows = await rig.stored()
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
    agent = rig.engine.acd.acd.roster.agent("1001")
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
    assert rig.engine.acd.acd.roster.agent("1001").presence.state.value == "idle"
    assert rig.engine.acd.acd.calls == {}


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
    reconnected = await rig.drive_until("AmiConnected")
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
