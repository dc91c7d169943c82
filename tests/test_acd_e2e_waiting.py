"""The waiting room end to end, over real sockets (engine + pbxsim + PostgreSQL): announcements with the
music started again after each (no silent gap over 1 s in what pbxsim says the caller heard), the press-1
callback that keeps the caller's place and dials them back when an agent is reserved, transfers from the
softphone's transfer key and from the API, and an engine restarted in the middle of traffic."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from engine.app import Engine
from pbxsim.model import FarEnd
from tests.acd_rig import GUARD_SECONDS, Rig, assert_never_silent

CENTER = """
queues:
  support:
    wrapup_s: 5
    ring_timeout_s: 20
    default_handle_s: 120
    announce: {first_after_s: 10, every_s: 20, callback: true}
    callbacks: {ring_timeout_s: 20, attempts: 2, retry_after_s: 30}
  sales: {wrapup_s: 5}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [support]}
  "2001": {name: Chloe, endpoint: PJSIP/2001, queues: [sales]}
numbers:
  "5000": {queue: support}
  "5001": {queue: sales}
"""


async def busy_agent(rig: Rig, agent_id: str = "1001") -> str:
    """`agent_id` logs in and takes a call that lasts: the next callers wait. Returns that call's id."""
    await rig.phone(agent_id, FarEnd.answers(after=1))
    await rig.login(agent_id)
    caller = rig.call_in("5000", caller="5550001")
    await rig.until("AgentRinging", agent_id=agent_id)
    await rig.advance(1)
    connected = await rig.until("AgentConnected", agent_id=agent_id)
    await rig.pbx_until(lambda: rig.hears(caller.id) == "bridge")  # before the clock moves on
    assert connected.call_id is not None
    return connected.call_id


async def test_announcements_give_position_and_wait_and_the_music_comes_back(rig: Rig) -> None:
    await busy_agent(rig)
    first = rig.call_in("5000", caller="5550002")
    second = rig.call_in("5000", caller="5550003")
    await rig.until("CallerEnqueued", leg_id=second.id)

    async def listen(seconds: float) -> None:
        """Time passes in small steps, and the engine gets to react at each (as on a real clock, where it
        takes milliseconds): a caller left in silence by the end of a playback hears music again before
        the clock moves on."""
        for _ in range(int(seconds / 0.25)):
            await rig.advance(0.25)
            for leg in (first.id, second.id):
                if rig.hears(leg) == "silence":
                    await rig.pbx_until(lambda leg=leg: rig.hears(leg) != "silence")  # type: ignore[misc]

    announced = []
    for _ in range(2):  # first after 10 s, then every 20 s; each plays 8-10 s, then music again
        await listen(10)
        announced.append(await rig.until("CallerAnnounced", leg_id=second.id))
        await rig.pbx_until(lambda: rig.hears(second.id) == "playback")
        await listen(10)
        await rig.pbx_until(lambda: rig.hears(first.id) == "moh" and rig.hears(second.id) == "moh")
    assert [a.body["position"] for a in announced] == [2, 2]
    assert announced[0].body["estimated_wait_s"] == 240.0  # 2 * 120 s / 1 staffed agent
    for leg in (first.id, second.id):
        heard = rig.world.hearing(leg)
        assert [s.what.value for s in heard].count("playback") == 2
        assert_never_silent(heard)


async def test_press_1_callback_keeps_the_place_and_dials_back_with_an_agent_reserved(rig: Rig) -> None:
    busy_call = await busy_agent(rig)
    caller = rig.call_in("5000", caller="5550100")
    behind = rig.call_in("5000", caller="5550200")
    await rig.until("CallerEnqueued", leg_id=behind.id)
    await rig.advance(10)
    await rig.until("CallerAnnounced", leg_id=caller.id)
    rig.world.define_far_end("Local/5550100@outbound", FarEnd.answers(after=4))
    rig.world.press(caller, "1")
    await rig.advance(1)
    requested = await rig.first("CallbackRequested", leg_id=caller.id)
    assert requested.body["position"] == 1
    await rig.pbx_until(lambda: rig.channel(caller.id) is None)  # the caller has hung up, keeping the place

    rig.world.caller_hangup(rig.channel(rig.seen("CallStarted", call_id=busy_call)[0].leg_id))  # type: ignore[arg-type]
    await rig.until("CallCompleted", call_id=busy_call)
    await rig.advance(5)  # wrap-up of 1001 ends: the callback is first in line, not the caller behind
    dialed = await rig.until("CallbackDialed", call_id=requested.call_id, agent_id="1001")
    assert rig.agent_state("1001") == "reserved"
    assert dialed.leg_id is not None
    await rig.pbx_until(lambda: rig.channel(dialed.leg_id or "") is not None)  # the caller's phone rings
    await rig.advance(4)
    await rig.until("CallbackAnswered", call_id=requested.call_id)
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(1)
    connected = await rig.until("AgentConnected", call_id=requested.call_id, agent_id="1001")
    assert rig.channel(dialed.leg_id) is not None  # the leg that called back is the caller's now
    assert connected.body["position"] == 1
    assert rig.acd.acd.call(behind_call(rig, behind.id)).phase.value == "waiting"


def behind_call(rig: Rig, leg_id: str) -> str:
    call_id = rig.seen("CallStarted", leg_id=leg_id)[0].call_id
    assert call_id is not None
    return call_id


async def transfer_api(rig: Rig, call_id: str, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
    assert rig.engine.url is not None
    async with aiohttp.ClientSession() as http, http.post(
        f"{rig.engine.url}/api/calls/{call_id}/transfer", json=body
    ) as response:
        return response.status, await response.json()


async def test_transfer_key_to_a_queue_number_and_api_transfer_to_an_agent(rig: Rig) -> None:
    call_id = await busy_agent(rig)
    await rig.phone("2001", FarEnd.answers(after=2))
    await rig.login("2001")
    [connected] = rig.seen("AgentConnected", call_id=call_id)
    agent_leg = rig.channel(connected.leg_id or "")
    assert agent_leg is not None
    await rig.advance(30)
    rig.world.transfer(agent_leg, "5001")  # the softphone's transfer key, to the sales number
    transferred = await rig.until("CallTransferred", call_id=call_id)
    assert (transferred.agent_id, transferred.body["to_queue"]) == ("1001", "sales")
    await rig.until("CallerEnqueued", call_id=call_id, queue="sales")
    await rig.until("AgentRinging", agent_id="2001")
    caller_leg = rig.seen("CallStarted", call_id=call_id)[0].leg_id or ""
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "moh")
    await rig.advance(2)
    await rig.until("AgentConnected", call_id=call_id, agent_id="2001")
    assert rig.agent_state("1001") == "wrap_up"
    await rig.pbx_until(lambda: rig.channel(agent_leg.id) is None)

    # Chloe hands the caller back to Alice, by the API, once Alice is free again.
    status, body = await transfer_api(rig, call_id, {"agent": "1001"})
    assert status == 409 and "not available" in body["error"]
    await rig.advance(5)
    await rig.acd_until(lambda: rig.agent_state("1001") == "idle")
    assert await transfer_api(rig, call_id, {"agent": "1001"}) == (
        200, {"call": call_id, "transferred_to": {"agent": "1001"}})
    await rig.until("AgentRinging", agent_id="1001")
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "moh")
    await rig.advance(1)
    await rig.until("AgentConnected", call_id=call_id, agent_id="1001")
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "bridge")
    assert (await transfer_api(rig, "call-nope", {"queue": "sales"}))[0] == 409
    assert_never_silent(rig.world.hearing(caller_leg))
    assert [row.type for row in rig.seen("CallStarted", call_id=call_id)] == ["CallStarted"]  # one call, whole


async def test_engine_restarted_mid_traffic_keeps_waiting_callers_in_order_and_calls_connected(rig: Rig) -> None:
    talking = await busy_agent(rig)
    waiting = [rig.call_in("5000", caller=f"555030{i}") for i in range(3)]
    for leg in waiting:
        await rig.until("CallerEnqueued", leg_id=leg.id)
    order = [behind_call(rig, leg.id) for leg in waiting]
    await rig.stop()  # the engine goes away; pbxsim keeps every channel

    engine = Engine(rig.engine.settings, rig.engine.center, rig.engine.db, rig.clock)
    events = engine.stream.subscribe(limit=100_000)
    stop = asyncio.Event()
    running = asyncio.create_task(engine.run(stop))
    try:
        async with asyncio.timeout(GUARD_SECONDS):
            async for record in events:
                if record.type == "AcdRestored":
                    assert (record.body["waiting"], record.body["connected"]) == (3, 1)
                    break
        assert engine.acd is not None
        acd = engine.acd.acd
        assert [w.call_id for w in acd.waiting_calls("support")] == order
        assert acd.call(talking).phase.value == "connected"
        assert acd.roster.agent("1001").presence.status.value == "available"  # from the recorded status
        assert acd.roster.agent("1001").presence.state.value == "on_call"
        # Today's figures go on from the facts recorded before the restart.
        now = rig.clock.now()
        assert engine.acd.board.model.queue_stats.current("support", now)["today"]["offered"] == 4
        assert engine.acd.agent_view("1001")["today"]["handled"] == 1  # type: ignore[index]
        assert acd.calls_today(acd.roster.agent("1001"), now) == 1  # least calls today goes on counting
        # The connected call ends normally under the new engine.
        caller_leg = rig.seen("CallStarted", call_id=talking)[0].leg_id
        rig.world.caller_hangup(rig.channel(caller_leg or ""))  # type: ignore[arg-type]
        async with asyncio.timeout(GUARD_SECONDS):
            async for record in events:
                if record.type == "CallCompleted" and record.call_id == talking:
                    break
        # Its bridge, made by the engine before the restart, goes with it: none is left behind on the PBX.
        async with asyncio.timeout(GUARD_SECONDS):
            async for record in events:
                if record.type == "BridgeDestroyed":
                    break
    finally:
        stop.set()
        await asyncio.wait_for(running, GUARD_SECONDS)


async def test_hold_from_the_softphone_plays_music_to_the_caller_and_is_recorded(rig: Rig) -> None:
    call_id = await busy_agent(rig)
    [connected] = rig.seen("AgentConnected", call_id=call_id)
    agent_leg = rig.channel(connected.leg_id or "")
    caller_leg = rig.seen("CallStarted", call_id=call_id)[0].leg_id or ""
    assert agent_leg is not None
    await rig.advance(10)
    rig.world.hold(agent_leg)
    await rig.until("CallHeld", call_id=call_id)
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "moh")
    await rig.advance(25)
    rig.world.hold(agent_leg, held=False)
    await rig.until("CallUnheld", call_id=call_id)
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "bridge")
    rig.world.caller_hangup(rig.channel(caller_leg))  # type: ignore[arg-type]
    await rig.until("CallCompleted", call_id=call_id)
    [segment] = await rig.fetch(
        "SELECT hold_seconds, talk_seconds FROM call_segments WHERE call_id = $1 AND kind = 'agent'", call_id)
    assert segment["hold_seconds"] == pytest.approx(25.0)
