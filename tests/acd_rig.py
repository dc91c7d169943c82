"""The ACD end to end, for integration tests: engine + pbxsim + PostgreSQL over real loopback sockets, on one
manual clock the test drives.

Each test module describes its own call center (queues, agents, numbers) as YAML in `CENTER`; a test that
takes the `rig` fixture (tests/conftest.py) gets a rig on it, and `open_rig` opens one on any other YAML:

    CENTER = support_center("{wrapup_s: 30, ring_timeout_s: 15}")

    async def test_x(rig: Rig) -> None: ...

pbxsim plays the callers and the agents' softphones; the engine answers, queues, rings, bridges and records.
The test waits on what the engine reports (`until`) or on what pbxsim's model shows (`pbx_until`), never on
wall time; ring, talk and wrap-up times pass when the test advances the clock. The wall-clock guard below only
turns a hang into a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from engine.app import Engine
from engine.center_config import load_center_config
from engine.config import load_settings
from engine.core.acd import ContactObserved
from engine.core.agent_fsm import StatusTrigger
from engine.core.event_record import EventRecord
from engine.instrument import Probes
from engine.routing.runtime import AcdRuntime
from engine.runtime import Subscription
from engine.store.database import open_database
from pbxsim.clock import ManualClock
from pbxsim.model import CallModel, Channel, FarEnd, HearingSpan, ModelEvent, Party, World
from pbxsim.server import PbxSim, PbxSimConfig

GUARD_SECONDS = 20.0  # a broken engine fails the test instead of hanging it; never asserted on
# The manual clock starts at 2026-11-24 11:16:27 in this zone (pbxsim.clock.DEFAULT_MANUAL_START).
CENTER_TIMEZONE = "UTC"
APP = "callhive"


def support_center(support: str) -> str:
    """The smallest call center: one queue, support, with these settings (YAML flow mapping), Alice (1001) and
    Bruno (1002) in it, and 5000 ringing it."""
    return f"""
queues:
  support: {support}
agents:
  "1001": {{name: Alice, endpoint: PJSIP/1001, queues: [support]}}
  "1002": {{name: Bruno, endpoint: PJSIP/1002, queues: [support]}}
numbers:
  "5000": {{queue: support}}
"""


class EventLog:
    """Everything the engine published since the rig started, kept in order, so a test can wait for the next
    event of a kind (`Rig.until`) or ask whether one ever came (`Rig.seen`)."""

    def __init__(self, subscription: Subscription[EventRecord]) -> None:
        self.records: list[EventRecord] = []
        self._subscription = subscription
        self._news = asyncio.Event()
        self.ended = False

    async def run(self) -> None:
        async for record in self._subscription:
            self.records.append(record)
            self._news.set()
        self.ended = True
        self._news.set()

    async def wait_news(self) -> None:
        if self.ended:
            raise AssertionError("the engine's event stream ended")
        self._news.clear()
        await self._news.wait()


def matches(record: EventRecord, type_: str, fields: dict[str, Any]) -> bool:
    return record.type == type_ and all(getattr(record, k) == v for k, v in fields.items())


@dataclass
class Rig:
    sim: PbxSim
    engine: Engine
    clock: ManualClock
    log: EventLog
    database_url: str
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _running: asyncio.Task[None] | None = None
    _cursor: int = 0  # `until` looks after the last event it returned

    def start(self) -> None:
        self._running = asyncio.create_task(self.engine.run(self._stopping), name="engine")

    # --- the two sides ----------------------------------------------------------------------------------
    @property
    def model(self) -> CallModel:
        return self.sim.model

    @property
    def world(self) -> World:
        return self.sim.model.world

    @property
    def acd(self) -> AcdRuntime:
        assert self.engine.acd is not None, "the engine has not started its ACD"
        return self.engine.acd

    def agent_state(self, agent_id: str) -> str:
        return self.acd.acd.roster.agent(agent_id).presence.state.value

    # --- waiting on the engine --------------------------------------------------------------------------
    async def until(self, type_: str, **fields: Any) -> EventRecord:
        """The next engine event of this type (and these field values) after the last one `until` returned."""
        async with asyncio.timeout(GUARD_SECONDS):
            while True:
                records = self.log.records
                for index in range(self._cursor, len(records)):
                    if matches(records[index], type_, fields):
                        self._cursor = index + 1
                        return records[index]
                self._cursor = len(records)
                await self.log.wait_news()

    async def until_all(self, *types: str) -> None:
        """Every one of these event types has come (after the cursor), in whatever order."""
        start = latest = self._cursor
        for type_ in types:
            self._cursor = start
            await self.until(type_)
            latest = max(latest, self._cursor)
        self._cursor = latest

    def seen(self, type_: str, **fields: Any) -> list[EventRecord]:
        """Every event of this type (and these field values) the engine has published so far."""
        return [record for record in self.log.records if matches(record, type_, fields)]

    async def first(self, type_: str, **fields: Any) -> EventRecord:
        """The first event of this type (and these field values) since the rig started, when it comes; the
        cursor of `until` does not move."""
        return await self.nth(1, type_, **fields)

    async def nth(self, n: int, type_: str, **fields: Any) -> EventRecord:
        """The n-th (from 1) event of this type (and these field values) since the rig started, when it comes."""
        async with asyncio.timeout(GUARD_SECONDS):
            while len(found := self.seen(type_, **fields)) < n:
                await self.log.wait_news()
        return found[n - 1]

    async def acd_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition` (over the engine's state) holds; it is checked after every engine event."""
        async with asyncio.timeout(GUARD_SECONDS):
            while not condition():
                await self.log.wait_news()

    # --- time -------------------------------------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        """Move the shared clock; returns once pbxsim has done what was due (the engine follows on its own)."""
        self.clock.advance(seconds)
        await self.sim.model.scheduler.settle()

    async def drive_until(self, type_: str, **fields: Any) -> EventRecord:
        """Advance the shared clock a second at a time until the engine reports the event (a reconnect waits
        on its backoff, which runs on this clock)."""
        waiter = asyncio.ensure_future(self.until(type_, **fields))
        for _ in range(600):
            if waiter.done():
                break
            self.clock.advance(1)
            await asyncio.sleep(0)  # a scheduling point for the engine, not a wait for time
        return await waiter

    # --- waiting on and acting in pbxsim ----------------------------------------------------------------
    async def pbx_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition` (over pbxsim's model) holds; it is checked after every model event."""
        changed = asyncio.Event()

        def on_event(_event: ModelEvent, _now: float) -> None:
            changed.set()

        self.model.bus.subscribe(on_event)
        try:
            async with asyncio.timeout(GUARD_SECONDS):
                while not condition():
                    changed.clear()
                    await changed.wait()
        finally:
            self.model.bus.unsubscribe(on_event)

    def when_pbx(self, match: Callable[[ModelEvent], bool], act: Callable[[Any], None]) -> asyncio.Future[float]:
        """Run `act(event)` right after pbxsim publishes the first event that `match`es: on the next turn of the
        loop, once the model has finished that step (a bus subscriber may not call back into the model) and
        before any request the engine sends in answer can arrive (its socket is read after this callback, which
        was queued first). The future gives the model time of the event."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[float] = loop.create_future()
        bus = self.model.bus
        armed = True

        def fire(event: ModelEvent, at: float) -> None:
            bus.unsubscribe(watch)  # not from inside the delivery: the bus is iterating its subscribers
            try:
                act(event)
            except Exception as exc:  # the test awaiting `done` fails with it
                done.set_exception(exc)
            else:
                done.set_result(at)

        def watch(event: ModelEvent, now: float) -> None:
            nonlocal armed
            if armed and match(event):
                armed = False
                loop.call_soon(fire, event, now)

        bus.subscribe(watch)
        return done

    def hears(self, leg: str) -> str:
        """What the channel hears now, by pbxsim's record: "moh", "playback", "bridge", "silence"..."""
        return str(self.world.hearing(leg)[-1].what.value)

    def channel(self, channel_id: str) -> Channel | None:
        return self.model.channels.get(channel_id)

    def call_in(self, number: str, caller: str = "5551000") -> Channel:
        """A caller dials `number`: the dialplan hands the call to Stasis(callhive,inbound,<number>)."""
        return self.world.place_inbound(APP, ["inbound", number], exten=number, caller=Party("Caller", caller))

    # --- agents -----------------------------------------------------------------------------------------
    async def phone(self, agent_id: str, far_end: FarEnd) -> None:
        """The agent's softphone registers (the engine hears it on AMI) and behaves as `far_end` when rung."""
        self.world.define_endpoint(agent_id, contact=False, far_end=far_end)
        self.model.devices.register(agent_id)
        await self.first("AgentReachable", agent_id=agent_id)

    async def act(self, agent_id: str, action: str, reason: str | None = None) -> dict[str, Any]:
        """An agent action through the engine's HTTP API (what `callhive agent ...` calls); the agent view."""
        assert self.engine.url is not None
        body = {"reason": reason} if reason is not None else None
        async with aiohttp.ClientSession() as http, http.post(
            f"{self.engine.url}/api/agents/{agent_id}/{action}", json=body
        ) as response:
            answer: dict[str, Any] = await response.json()
            assert response.status == 200, answer
        view: dict[str, Any] = answer["agent"]
        return view

    async def login(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            assert (await self.act(agent_id, "login"))["status"] == "available"

    async def queues(self) -> dict[str, dict[str, Any]]:
        assert self.engine.url is not None
        async with aiohttp.ClientSession() as http, http.get(f"{self.engine.url}/api/queues") as response:
            assert response.status == 200
            rows = (await response.json())["queues"]
        return {row["queue"]: row for row in rows}

    # --- the end ----------------------------------------------------------------------------------------
    async def stop(self) -> None:
        """Stop the engine; every event it published is in PostgreSQL once this returns."""
        self._stopping.set()
        if self._running is not None:
            running, self._running = self._running, None
            await asyncio.wait_for(running, GUARD_SECONDS)

    async def stored(self) -> list[asyncpg.Record]:
        """The events table, read after the engine has stopped and written everything."""
        await self.stop()
        return await stored(self.database_url)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """A query over what the engine wrote (events, calls, call segments...), once it has stopped."""
        await self.stop()
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def open_rig(database_url: str, tmp_path: Path, center_yaml: str,
                   clock: ManualClock | None = None, settings_env: dict[str, str] | None = None,
                   acd_hooks: Sequence[Callable[[AcdRuntime], None]] = (),
                   probes: Probes | None = None) -> AsyncIterator[Rig]:
    """`settings_env`: more CALLHIVE_* settings for the engine (e.g. CALLHIVE_DATABASE_WRITER_CAPACITY);
    `acd_hooks` and `probes` go to the engine as they are."""
    clock = clock if clock is not None else ManualClock()
    center_file = tmp_path / "center.yaml"
    center_file.write_text(center_yaml)
    config = PbxSimConfig(ami_username="hive", ami_secret="ami-pw-1", ari_username="hive", ari_password="ari-pw-1",
                          clock=clock, recordings_dir=tmp_path)
    async with PbxSim(config) as sim:
        settings = load_settings(None, {
            "DATABASE_URL": database_url, "CALLHIVE_HTTP_PORT": "0",
            "CALLHIVE_AMI_PORT": str(sim.ami_port), "CALLHIVE_AMI_USERNAME": "hive", "CALLHIVE_AMI_SECRET": "ami-pw-1",
            "CALLHIVE_ARI_URL": f"http://127.0.0.1:{sim.ari_port}/ari", "CALLHIVE_ARI_USERNAME": "hive",
            "CALLHIVE_ARI_PASSWORD": "ari-pw-1", "CALLHIVE_CENTER_TIMEZONE": CENTER_TIMEZONE, **(settings_env or {}),
        })
        async with open_database(settings) as db:
            engine = Engine(settings, load_center_config(center_file), db, clock, acd_hooks=acd_hooks, probes=probes)
            log = EventLog(engine.stream.subscribe(limit=100_000))
            rig = Rig(sim, engine, clock, log, database_url)
            log_task = asyncio.create_task(log.run(), name="rig-event-log")
            rig.start()
            try:
                await rig.until_all("AriResynced", "AmiConnected")  # both links up before the test begins
                yield rig
            finally:
                await rig.stop()
                await asyncio.wait_for(log_task, GUARD_SECONDS)  # it ends with the engine's stream


def agent_ready(rig: Rig, agent_id: str) -> None:
    """Log the agent in with a phone pbxsim has as a static pjsip.conf contact: such a contact is never
    announced on AMI (PJSIPShowContacts does not list it), so the ACD is told it is reachable directly."""
    rig.acd.apply(ContactObserved(f"PJSIP/{agent_id}", reachable=True))
    rig.acd.request(agent_id, StatusTrigger.LOGIN)


def assert_never_silent(spans: list[HearingSpan]) -> None:
    """Between music and the agent the caller may hear silence only for a REST round-trip, never 1 s."""
    kinds = [span.what.value for span in spans]
    assert "moh" in kinds
    first_moh = kinds.index("moh")
    for span in spans[first_moh:]:
        if span.what.value == "silence" and span.end is not None:
            assert span.end - span.start < 1.0, spans


async def stored(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT seq, source, type, call_id, agent_id, queue, body FROM events ORDER BY seq")
        return list(rows)
    finally:
        await conn.close()
