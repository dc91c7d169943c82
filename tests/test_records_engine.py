"""Call records written by the running engine (engine + pbxsim + PostgreSQL over real sockets), and carried
on by an engine started again on the same database: calls gone meanwhile are closed, calls the PBX kept are
finished in the same rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from engine.app import Engine
from engine.core.event_record import EventRecord
from engine.runtime import Subscription
from pbxsim.model import FarEnd
from tests.acd_rig import GUARD_SECONDS, agent_ready, open_rig

CENTER = """
queues:
  support: {strategy: longest_idle, wrapup_s: 30, ring_timeout_s: 15}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [support]}
numbers:
  "5000": {queue: support}
"""


async def test_a_call_through_the_engine_is_recorded(database_url: str, tmp_path: Path) -> None:
    async with open_rig(database_url, tmp_path, CENTER) as rig:
        rig.world.define_endpoint("1001", contact=True, far_end=FarEnd.no_answer())
        rig.world.define_endpoint("1002", contact=True, far_end=FarEnd.answers(after=2))
        agent_ready(rig, "1001")
        await rig.advance(1)  # 1001 has been idle longer: offered first
        agent_ready(rig, "1002")
        caller = rig.call_in("5000", caller="5551234")
        call_id = (await rig.until("CallStarted", leg_id=caller.id)).call_id
        await rig.until("AgentRinging", agent_id="1001")
        await rig.advance(15)
        await rig.until("AgentMissed", agent_id="1001")
        await rig.until("AgentRinging", agent_id="1002")
        await rig.advance(2)
        await rig.until("AgentConnected", agent_id="1002")
        await rig.advance(40)
        rig.world.caller_hangup(caller)
        await rig.until("CallCompleted", call_id=call_id)
        # The wrap-up timer is armed on the engine's side of the clock: step it until the wrap-up ends.
        await rig.drive_until("AgentWrapUpEnded", call_id=call_id)
        await rig.stop()  # everything published is stored

    conn = await asyncpg.connect(database_url)
    try:
        call = await conn.fetchrow("SELECT * FROM calls WHERE id = $1", call_id)
        segments = await conn.fetch("SELECT * FROM call_segments WHERE call_id = $1 ORDER BY entered_at, id", call_id)
        verbs = [r["verb"] for r in await conn.fetch(
            "SELECT verb FROM queue_log WHERE call_id = $1 ORDER BY seq, line", call_id)]
        logins = await conn.fetch("SELECT agent_id, queue FROM queue_log WHERE verb = 'ADDMEMBER' ORDER BY agent_id")
    finally:
        await conn.close()
    assert (call["dialed_number"], call["caller_number"], call["outcome"]) == ("5000", "5551234", "completed")
    assert call["ended_at"] > call["started_at"]
    assert [(s["kind"], s["agent_id"], s["result"]) for s in segments] == [
        ("queue", None, "answered"), ("agent", "1001", "no_answer"), ("agent", "1002", "completed")]
    queue_visit, missed, talked = segments
    assert (queue_visit["queue"], queue_visit["position_entry"], queue_visit["position_exit"]) == ("support", 1, 1)
    assert missed["ring_seconds"] >= 15
    assert talked["talk_seconds"] >= 40 and talked["wrapup_seconds"] >= 30
    assert verbs == ["ENTERQUEUE", "RINGNOANSWER", "CONNECT", "COMPLETECALLER"]
    assert [(r["agent_id"], r["queue"]) for r in logins] == [("1001", "support"), ("1002", "support")]


async def test_a_call_gone_while_the_engine_was_down_is_closed_when_last_seen(
        database_url: str, tmp_path: Path) -> None:
    async with open_rig(database_url, tmp_path, CENTER) as rig:
        rig.world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=1))
        agent_ready(rig, "1001")
        caller = rig.call_in("5000")
        call_id = (await rig.until("CallStarted", leg_id=caller.id)).call_id
        await rig.until("AgentRinging", agent_id="1001")
        await rig.advance(1)
        await rig.until("AgentConnected", call_id=call_id)
        await rig.advance(20)
        await rig.stop()  # the engine goes away mid-call; so does this PBX, and the call with it
        assert rig.engine.records.open_calls == (call_id,)

    conn = await asyncpg.connect(database_url)
    try:
        last_seen = await conn.fetchval("SELECT max(received_at) FROM events")
        answered_at = await conn.fetchval(
            "SELECT received_at FROM events WHERE type = 'AgentConnected' AND call_id = $1", call_id)
    finally:
        await conn.close()

    async with open_rig(database_url, tmp_path, CENTER) as again:  # up once its first AriResynced is out
        await again.stop()
        assert again.engine.records.open_calls == ()

    conn = await asyncpg.connect(database_url)
    try:
        call = await conn.fetchrow("SELECT ended_at, outcome FROM calls WHERE id = $1", call_id)
        talked = await conn.fetchrow(
            "SELECT left_at, result, detail, talk_seconds FROM call_segments WHERE call_id = $1 AND kind = 'agent'",
            call_id)
    finally:
        await conn.close()
    assert (call["ended_at"], call["outcome"]) == (last_seen, "completed")
    assert (talked["left_at"], talked["result"], talked["detail"]) == (
        last_seen, "completed", "vanished while the engine was down")
    assert talked["talk_seconds"] == (last_seen - answered_at).total_seconds()


async def next_of(events: Subscription[EventRecord], type_: str, call_id: str | None = None) -> EventRecord:
    async with asyncio.timeout(GUARD_SECONDS):  # a guard against a hang, never asserted on
        async for record in events:
            if record.type == type_ and call_id in (None, record.call_id):
                return record
    raise AssertionError(f"the stream ended before {type_}")


async def test_calls_the_pbx_kept_through_a_restart_are_finished_in_the_same_records(
        database_url: str, tmp_path: Path) -> None:
    async with open_rig(database_url, tmp_path, CENTER) as rig:
        await rig.phone("1001", FarEnd.answers(after=1))
        await rig.login("1001")
        talking_leg = rig.call_in("5000", caller="5550001")
        await rig.until("AgentRinging", agent_id="1001")
        await rig.advance(1)
        talking = (await rig.until("AgentConnected", agent_id="1001")).call_id
        await rig.pbx_until(lambda: rig.hears(talking_leg.id) == "bridge")
        waiting_leg = rig.call_in("5000", caller="5550002")
        waiting = (await rig.until("CallerEnqueued", leg_id=waiting_leg.id)).call_id
        assert talking is not None and waiting is not None
        await rig.advance(30)
        await rig.stop()  # the engine goes away; pbxsim keeps both callers

        engine = Engine(rig.engine.settings, rig.engine.center, rig.engine.db, rig.clock)
        events = engine.stream.subscribe(limit=100_000)
        stop = asyncio.Event()
        running = asyncio.create_task(engine.run(stop))
        try:
            await next_of(events, "AcdRestored")
            assert sorted(engine.records.open_calls) == sorted([talking, waiting])
            await rig.advance(30)
            rig.world.caller_hangup(talking_leg)
            await next_of(events, "CallCompleted", talking)
            rig.world.caller_hangup(waiting_leg)
            await next_of(events, "CallerAbandoned", waiting)
        finally:
            stop.set()
            await asyncio.wait_for(running, GUARD_SECONDS)

    conn = await asyncpg.connect(database_url)
    try:
        calls = {r["id"]: r for r in await conn.fetch("SELECT * FROM calls")}
        segments = await conn.fetch("SELECT * FROM call_segments ORDER BY call_id, entered_at, id")
        answered_at = await conn.fetchval(
            "SELECT received_at FROM events WHERE type = 'AgentConnected' AND call_id = $1", talking)
    finally:
        await conn.close()
    assert {call_id: row["outcome"] for call_id, row in calls.items()} == {talking: "completed", waiting: "abandoned"}
    by_call = [(s["call_id"], s["kind"], s["result"]) for s in segments]
    assert by_call == sorted([(talking, "queue", "answered"), (talking, "agent", "completed"),
                              (waiting, "queue", "abandoned")], key=lambda s: (s[0], s[1] != "queue"))
    talked = next(s for s in segments if s["kind"] == "agent")
    # Talk time runs from the answer before the restart, not from the restart.
    assert talked["talk_seconds"] == (talked["left_at"] - answered_at).total_seconds() == 60.0
