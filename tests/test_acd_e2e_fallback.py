"""The dialplan's fallback queue end to end (engine + pbxsim + PostgreSQL over real sockets): the engine keeps
app_queue's `fallback` members in step with its agents over AMI, so that a caller reaches a logged-in agent
through Queue(fallback) when the engine is stopped (Stasis fails) or when its event writer is full (the engine
continues the new caller to the dialplan label `fallback` instead of taking it).

The full writer is real: PostgreSQL's `events` table is locked (SHARE) from another connection, so the writer's
COPY waits, and the backlog is filled to 90% by publishing filler events into the engine's own stream - the
fillers stand for the events a busy engine produces; every one of them is stored once the lock goes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from engine.core.event_record import EventSource
from engine.store.event_writer import Pressure
from pbxsim.model import Channel, FarEnd, Party
from tests.acd_rig import APP, Rig, open_rig

CENTER = """
queues:
  support: {wrapup_s: 0, ring_timeout_s: 15}
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [support]}
numbers:
  "5000": {queue: support}
"""
CAPACITY = 1000  # the smallest the configuration allows: full from 900 events


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = {"CALLHIVE_DATABASE_WRITER_CAPACITY": str(CAPACITY)}
    async with open_rig(database_url, tmp_path, CENTER, settings_env=settings) as running:
        yield running


def fallback_members(rig: Rig) -> dict[str, bool]:
    """pbxsim's app_queue: interface -> paused, of the queue `fallback`."""
    return {m.interface: m.paused for m in rig.model.queues.queues["fallback"].members.values()}


def bridged_with(caller: Channel, endpoint: str) -> bool:
    bridge = caller.bridge
    return bridge is not None and any(c.endpoint == endpoint for c in bridge.channels.values())


async def logged_in_team(rig: Rig) -> None:
    """1002 logs in first and goes on break, 1001 logs in: both members, 1002 paused (else it would be rung
    first: app_queue's leastrecent takes the member added first when nobody took a call yet)."""
    await rig.phone("1001", FarEnd.answers(after=1))
    await rig.phone("1002", FarEnd.answers(after=1))
    await rig.login("1002")
    await rig.act("1002", "break", "lunch")
    await rig.login("1001")
    await rig.pbx_until(lambda: fallback_members(rig) == {"PJSIP/1002": True, "PJSIP/1001": False})


async def test_with_the_engine_stopped_a_caller_reaches_a_logged_in_agent_through_the_fallback_queue(
    rig: Rig,
) -> None:
    await logged_in_team(rig)
    await rig.stop()  # the ARI app is gone: Stasis() fails; the members stay (app_queue keeps them)
    assert fallback_members(rig) == {"PJSIP/1002": True, "PJSIP/1001": False}

    caller = rig.world.place_inbound(APP, ["inbound", "5000"], exten="5000", caller=Party("Ann", "5551000"),
                                     fallback=("Queue", "fallback,,,,300"))
    assert caller.stasis_app is None and rig.world.fallbacks[-1].channel_id == caller.id
    await rig.advance(1)
    await rig.pbx_until(lambda: bridged_with(caller, "PJSIP/1001"))
    assert rig.hears(caller.id) == "bridge"
    assert not any(c.endpoint == "PJSIP/1002" for c in rig.model.channels.values())  # on break: not rung


async def test_a_full_writer_sends_the_new_caller_to_the_fallback_queue_and_loses_no_event(
    rig: Rig, database_url: str,
) -> None:
    await logged_in_team(rig)
    writer = rig.engine.writer
    blocker = await asyncpg.connect(database_url)
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE events IN SHARE MODE")  # the writer's COPY waits from now on
        fillers = 0
        while writer.pressure is not Pressure.FULL:
            fillers += 1
            rig.engine.stream.publish(EventSource.ENGINE, "BacklogFiller", body={"n": fillers})
        assert writer.backlog >= CAPACITY * 9 // 10
        health = await http_json(rig, "/api/health")
        assert (health["status"], health["checks"]["event_writer"]["pressure"]) == ("degraded", "full")
        assert health["checks"]["event_writer"]["new_callers"] == "fallback"

        caller = rig.world.place_inbound(APP, ["inbound", "5000"], exten="5000", caller=Party("Ann", "5551000"),
                                         fallback=("Queue", "fallback,,,,300"))
        await rig.until("StasisEnd", leg_id=caller.id)  # continued to the dialplan, unanswered by the engine
        assert (caller.dialplan.context, caller.dialplan.app_name) == ("inbound", "Queue")
        await rig.advance(1)
        await rig.pbx_until(lambda: bridged_with(caller, "PJSIP/1001"))
        assert not rig.seen("CallStarted")  # the ACD never took it
        assert writer.over_capacity == 0  # the headroom held what came meanwhile
        await transaction.rollback()  # PostgreSQL catches up
    finally:
        await blocker.close()

    rows = await rig.fetch("SELECT source, type, leg_id FROM events ORDER BY seq")
    types = [row["type"] for row in rows]
    assert types.count("BacklogFiller") == fillers
    seen_on_ari = [row["type"] for row in rows if row["leg_id"] == caller.id and row["source"] == "ari"]
    assert seen_on_ari[:2] == ["StasisStart", "StasisEnd"]
    assert {"QueueCallerJoin", "AgentCalled", "AgentConnect"} <= set(types)  # app_queue's own account, on AMI
    assert (writer.backlog, writer.pressure, writer.over_capacity) == (0, Pressure.OK, 0)


async def http_json(rig: Rig, path: str) -> dict[str, Any]:
    assert rig.engine.url is not None
    async with aiohttp.ClientSession() as http, http.get(f"{rig.engine.url}{path}") as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body
