"""The queue statistics `callhive queue stats` shows, cross-checked against what was stored, over real sockets
(engine + pbxsim + PostgreSQL): a short day with answered calls (in and out of the service-level target), a
short and a long abandon and an overflow to voicemail. The live figures (from the facts, in the engine) must
equal the SQL over `call_segments`, and both must agree with the `calls` rows and with the day's story."""

from __future__ import annotations

import io

import asyncpg
import pytest

from engine.api_client import print_queues
from engine.store.kpis import queue_kpis
from pbxsim.model import FarEnd
from tests.acd_rig import CENTER_TIMEZONE, Rig
from tests.test_records_store import assert_same_counters

CENTER = """
queues:
  support: {wrapup_s: 5, ring_timeout_s: 20, service_level: {target_s: 20, goal: 0.8}}
  sales:
    overflow: [{when: no_agents, to: "voicemail:9000@callhive"}]
agents:
  "1001": {name: Alice, endpoint: PJSIP/1001, queues: [support]}
  "1002": {name: Bruno, endpoint: PJSIP/1002, queues: [sales]}
numbers:
  "5000": {queue: support}
  "5001": {queue: sales}
"""


async def answered_by_alice(rig: Rig, caller_leg: str) -> None:
    await rig.until("AgentRinging", agent_id="1001")
    await rig.advance(2)
    await rig.until("AgentConnected", agent_id="1001")
    await rig.pbx_until(lambda: rig.hears(caller_leg) == "bridge")


async def test_queue_stats_agree_with_the_stored_calls(rig: Rig, database_url: str) -> None:
    await rig.phone("1001", FarEnd.answers(after=2, talk=50))
    await rig.login("1001")

    first = rig.call_in("5000", caller="5550001")  # answered at once: in target
    await answered_by_alice(rig, first.id)
    short = rig.call_in("5000", caller="5550002")  # gives up after 2 s: a short abandon
    waits = rig.call_in("5000", caller="5550003")  # waits for Alice: answered out of target
    gives_up = rig.call_in("5000", caller="5550004")  # gives up after 30 s: an abandon
    for leg in (short, waits, gives_up):
        await rig.until("CallerEnqueued", leg_id=leg.id)
    await rig.advance(2)
    rig.world.caller_hangup(short)
    await rig.until("CallerAbandoned", leg_id=short.id)
    await rig.advance(28)
    rig.world.caller_hangup(gives_up)
    await rig.until("CallerAbandoned", leg_id=gives_up.id)
    rig.call_in("5001", caller="5550005")  # nobody logged in to sales: voicemail
    await rig.until("CallOverflowed", queue="sales")
    await rig.advance(20)  # Alice's first call ends (50 s of talk), her 5 s wrap-up begins
    await rig.until("CallCompleted")
    await rig.advance(5)
    await answered_by_alice(rig, waits.id)
    await rig.advance(50)
    await rig.until("CallCompleted")
    await rig.advance(5)
    await rig.until("AgentWrapUpEnded", agent_id="1001")  # the second call's: both calls are handled
    assert len(rig.seen("AgentWrapUpEnded", agent_id="1001")) == 2

    live = rig.acd.board.model.queue_stats.counters
    rows = rig.acd.queues_view()
    out = io.StringIO()
    print_queues(rows, out)  # what `callhive queue stats` prints
    lines = {line.split()[0]: line.split() for line in out.getvalue().splitlines()[1:]}
    assert lines["support"][3:10] == ["4", "2", "2", "1", "33%", "30s", "55s"]  # offered..AHT
    alice = rig.acd.agent_view("1001")["today"]
    assert (alice["handled"], alice["talk_s"], alice["wrapup_s"]) == (2, 100.0, 10.0)  # type: ignore[index]
    assert alice["occupancy"] == 1.0  # type: ignore[index]  # never idle: one caller was always waiting
    calls = await rig.fetch("SELECT id, outcome FROM calls ORDER BY started_at, id")
    conn = await asyncpg.connect(database_url)
    try:
        stored = await queue_kpis(conn, CENTER_TIMEZONE, {"support": 20.0, "sales": 20.0})
    finally:
        await conn.close()

    assert_same_counters(live, stored)
    [day] = [key for key in stored if key[0] == "support" and key[1].startswith("day:")]
    support = stored[day]
    assert (support.offered, support.answered, support.answered_in_target) == (4, 2, 1)
    assert (support.abandoned, support.short_abandoned) == (2, 1)
    assert support.service_level == pytest.approx(1 / 3)  # 1 in target of 4 offered less 1 short abandon
    assert support.asa_s == pytest.approx((2 + 57) / 2, abs=1)  # 2 s, and 55 s + 2 s of ringing
    assert support.aht_s == pytest.approx(55.0, abs=1)  # 50 s talk + 5 s wrap-up
    sales = stored[("sales", day[1])]
    assert (sales.offered, sales.overflowed) == (1, 1)
    outcomes = sorted(row["outcome"] for row in calls)
    assert outcomes == ["abandoned", "abandoned", "completed", "completed", "voicemail"]
    assert support.answered == outcomes.count("completed")
    assert support.abandoned == outcomes.count("abandoned")
