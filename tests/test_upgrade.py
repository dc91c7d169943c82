"""An engine upgraded over a database written by the previous release (tests/fixtures/previous_release.sql,
schema version 2, events with no schema version column) reads every stored fact, shows that day's statistics as
the stored call segments give them, finishes the calls that release left open, and routes calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from engine.center_config import load_center_config
from engine.core.read_model import setup_of
from engine.store.agent_status import last_agent_statuses, start_of_day
from engine.store.kpis import queue_kpis
from engine.store.migrate import current_version, discover, migrate
from engine.store.read_model import rebuild_read_model
from pbxsim.clock import ManualClock
from pbxsim.model import FarEnd
from tests.acd_rig import agent_ready, open_rig
from tests.conftest import REPO
from tests.test_records_store import assert_same_counters

FIXTURE = REPO / "tests" / "fixtures" / "previous_release.sql"
PREVIOUS_SCHEMA = 2


async def previous_release_database(database_url: str) -> dict[str, Any]:
    """Load the fixture as that release left it; returns what it holds."""
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn, discover()[:PREVIOUS_SCHEMA])
        await conn.execute(FIXTURE.read_text())
        return {
            "engine_facts": await conn.fetchval("SELECT count(*) FROM events WHERE source = 'engine'"),
            "open_calls": await conn.fetchval("SELECT count(*) FROM calls WHERE ended_at IS NULL"),
            "last_seq": await conn.fetchval("SELECT max(seq) FROM events"),
            "first_at": await conn.fetchval("SELECT min(received_at) FROM events"),
            "last_at": await conn.fetchval("SELECT max(received_at) FROM events"),
        }
    finally:
        await conn.close()


async def test_every_stored_fact_reads_and_the_days_figures_match_the_stored_segments(database_url: str) -> None:
    held = await previous_release_database(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await migrate(conn)
        assert await current_version(conn) == len(discover())
        assert await conn.fetchval("SELECT count(*) FROM events WHERE version = 1") > 0  # old rows: version 1
        center = load_center_config(REPO / "center.yaml")  # the demo's centre, which wrote the fixture
        targets: dict[str, float] = {q.name: q.service_level_s for q in center.queues}
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        try:
            rebuilt = await rebuild_read_model(pool, setup_of(center.queues, center.agents, "UTC"))
            statuses = await last_agent_statuses(pool)
        finally:
            await pool.close()
        # Every fact of that release decodes, none left out.
        assert (rebuilt.facts, rebuilt.skipped) == (held["engine_facts"], 0)
        assert statuses and all(s.status.value in ("available", "on_break", "logged_out") for s in statuses)
        since = datetime.fromtimestamp(start_of_day(held["first_at"].timestamp(), "UTC"), UTC)
        kpis = await queue_kpis(conn, "UTC", targets, since=since, until=since + timedelta(days=1))
        answered = sum(c.answered for (_queue, key), c in kpis.items() if key.startswith("day:"))
        assert answered > 0  # a day with answered calls, so the comparison below compares something
        assert_same_counters(rebuilt.model.queue_stats.counters, kpis)
    finally:
        await conn.close()


async def test_the_upgraded_engine_finishes_the_old_open_calls_and_routes_a_call(database_url: str,
                                                                               tmp_path: Path) -> None:
    held = await previous_release_database(database_url)
    assert held["open_calls"] > 0  # the demo stopped with calls up
    next_day = ManualClock(start=held["last_at"].timestamp() + 86_400)
    async with open_rig(database_url, tmp_path, (REPO / "center.yaml").read_text(), next_day) as rig:
        started = await rig.first("EngineStarted")
        assert started.seq > held["last_seq"]  # the stream goes on after the old one
        world = rig.sim.model.world
        world.define_endpoint("1001", contact=True, far_end=FarEnd.answers(after=1))
        agent_ready(rig, "1001")
        caller = world.place_inbound("callhive", ["inbound", "5000"])
        call = await rig.until("CallStarted", leg_id=caller.id)
        await rig.until("AgentRinging", call_id=call.call_id)  # pbxsim has the leg: only now may time pass
        await rig.advance(1)
        await rig.until("AgentConnected", call_id=call.call_id, agent_id="1001")
        rows = await rig.fetch("SELECT count(*) AS open FROM calls WHERE ended_at IS NULL AND started_at < $1",
                               held["last_at"] + timedelta(seconds=1))
        assert rows[0]["open"] == 0  # what the old release left open ended at its last-seen time
        versions = await rig.fetch("SELECT DISTINCT version FROM events WHERE seq > $1", held["last_seq"])
        assert [row["version"] for row in versions] == [1]
