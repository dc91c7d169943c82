"""The running engine: database, ordered event stream, batch writer and HTTP server, under one TaskGroup.

The writer stores the call records (calls, call segments, queue log) with the events that produce them;
at start the records of calls left open by the previous run are rebuilt from their events first, so
those calls are finished in the records when they end.

`Engine.run(stop)` returns when `stop` is set, after the last events are written. The AMI and ARI
clients (pbx_link.py) run inside it and publish into the same stream.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterable, Callable, Coroutine, Sequence
from typing import Any

from engine.center_config import CenterConfig
from engine.clock import RuntimeClock
from engine.config import Settings
from engine.core import facts
from engine.core.agent_fsm import AgentStatus
from engine.core.event_record import EventRecord
from engine.core.read_model import setup_of
from engine.core.records import CallRecords
from engine.health import health, writer_check
from engine.http.server import create_http_app, serve_http
from engine.instrument import Probes
from engine.pbx_link import PbxLink
from engine.routing.fallback_queue import FallbackQueue
from engine.routing.live_board import LiveBoard
from engine.routing.runtime import AcdRuntime
from engine.runtime import EventStream
from engine.store.agent_status import last_agent_statuses, start_of_day
from engine.store.database import Database
from engine.store.event_writer import EventWriter, Pressure, last_seq
from engine.store.read_model import rebuild_read_model
from engine.store.records_writer import restore_records

log = logging.getLogger(__name__)


class _Feed:
    """What the wallboard sees of the engine: its status, the live board (snapshot and deltas, each at a seq)
    and, for a debug view, the raw event stream."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def status(self) -> dict[str, Any]:
        return self._engine.status()

    def subscribe(self) -> tuple[dict[str, Any], AsyncIterable[dict[str, Any]]]:
        board = self._engine.board
        if board is None:
            raise LookupError("the engine is starting")
        return board.subscribe()

    def subscribe_raw(self) -> AsyncIterable[EventRecord]:
        return self._engine.stream.subscribe()


class Engine:
    def __init__(
        self, settings: Settings, center: CenterConfig, db: Database, clock: RuntimeClock, *,
        companion: Callable[[AcdRuntime], Coroutine[Any, Any, None]] | None = None,
        acd_hooks: Sequence[Callable[[AcdRuntime], None]] = (), probes: Probes | None = None,
    ) -> None:
        self.settings = settings
        self.center = center
        self.acd: AcdRuntime | None = None
        # Called with the ACD runtime once it exists, before the PBX links start (the demo's login policy).
        self.acd_hooks = tuple(acd_hooks)
        self.probes = probes
        # Runs beside the ACD until the engine stops (the demo's simulated team taking breaks).
        self.companion = companion
        self.db = db
        self.clock = clock
        self.records = CallRecords({agent.agent_id: agent.queues for agent in center.agents})
        self.writer = EventWriter(db.pool, records=self.records, capacity=settings.database.writer_capacity)
        # The dialplan's fallback queue follows the agents' statuses, read from the stream (fallback_queue.py).
        self.fallback_queue = FallbackQueue({agent.agent_id: agent.endpoint for agent in center.agents})
        self.stream = EventStream(clock, self.writer)
        self.started_at = clock.now()
        self.url: str | None = None
        self.board: LiveBoard | None = None  # rebuilt from the events at start, then fed from the stream

    def status(self) -> dict[str, Any]:
        report = health(writer_check(self.writer))  # engine/health.py: /api/health answers 503 only when down
        return {
            "status": report.status,
            "checks": report.details(),
            "center": self.settings.center.name,
            "app": self.settings.ari.app,
            "seq": self.stream.last_seq,
            "database": "embedded" if self.db.embedded else "external",
            "events_written": self.writer.written,
            "open_calls": len(self.records.open_calls),
            "uptime_s": round(self.clock.now() - self.started_at, 3),
        }

    async def run(self, stop: asyncio.Event, on_listening: Callable[[str], None] | None = None) -> None:
        """Run until `stop` is set (or a fatal error: a refused login, a replaced ARI app); the events of the
        run are all written before this returns, whichever way it ends."""
        self.stream.resume_after(await last_seq(self.db.pool))
        reopened = await restore_records(self.db.pool, self.records)
        if reopened:
            log.info("call records of open calls rebuilt", extra={"fields": {"open_calls": reopened}})
        timezone = self.settings.center.timezone
        rebuilt = await rebuild_read_model(self.db.pool, setup_of(self.center.queues, self.center.agents, timezone),
                                           since=start_of_day(self.clock.now(), timezone))
        log.info("read model rebuilt", extra={"fields": {"seq": rebuilt.seq, "facts": rebuilt.facts,
                                                          "left_out": rebuilt.skipped}})
        self.board = board = LiveBoard(rebuilt.model, self.clock)
        self.stream.watch(board.hear)
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.writer.run(), name="event-writer")
            try:
                await self._serve(stop, on_listening)
            finally:
                self.stream.close_subscriptions()
                if self.board is not None:
                    self.board.close_subscriptions()
                self.writer.close()
        log.info("engine stopped", extra={"fields": {"events_written": self.writer.written}})

    async def _serve(self, stop: asyncio.Event, on_listening: Callable[[str], None] | None) -> None:
        http_app = create_http_app(self.status, _Feed(self), self.db.pool, lambda: self.acd)
        async with serve_http(http_app, self.settings.http.host, self.settings.http.port) as url:
            self.url = url
            started = self.stream.publish_fact(facts.EngineStarted(self.settings.ari.app, url, self.settings.source))
            # Say the engine is up only once its start is stored: whoever then reads the stream sees it.
            await self.writer.wait_stored(started.seq)
            log.info("engine running", extra={"fields": {"http": url, "app": self.settings.ari.app}})
            if on_listening is not None:
                on_listening(url)
            link = PbxLink(self.settings, self.clock, self.stream)
            self.fallback_queue.attach(link)
            self.fallback_queue.restore((s.agent_id, AgentStatus(s.status), s.reason)
                                        for s in await last_agent_statuses(self.db.pool))
            assert self.board is not None  # rebuilt in run()
            self.acd = AcdRuntime(self.center, self.settings.ari.app, self.clock, self.stream, link.ari, self.board,
                                  self.settings.center.timezone, probes=self.probes,
                                  restored_statuses=await last_agent_statuses(self.db.pool))
            # A full event writer sends new callers to the dialplan's fallback queue (fallback_queue.py).
            self.acd.inbound.divert_new_callers = lambda: self.writer.pressure is Pressure.FULL
            self.acd.fact_listeners.append(self.fallback_queue.on_fact)
            for hook in self.acd_hooks:
                hook(self.acd)
            # What exists now (modules, configuration, agents) lives as long as the engine: out of the collector's
            # full passes, which otherwise stop the loop for tens of ms each (bench.routing_latency).
            gc.collect()
            gc.freeze()
            link.ami_listeners.append(self.acd.on_ami)
            link.ari_listeners.append(self.acd.on_ari)
            try:
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(link.run(), name="pbx-link")
                    acd_task = tasks.create_task(self.acd.run(), name="acd")
                    companion = tasks.create_task(self.companion(self.acd), name="companion") \
                        if self.companion is not None else None
                    await stop.wait()
                    if companion is not None:
                        companion.cancel()
                    self.stream.publish_fact(facts.EngineStopping())
                    # The ACD's queued requests go out while the connections are still open.
                    self.acd.close()
                    await acd_task
                    await link.close()
                self.stream.publish_fact(facts.EngineStopped())
            finally:
                # Before the HTTP server stops: its live sockets end when their subscription does.
                self.stream.close_subscriptions()
                if self.board is not None:
                    self.board.close_subscriptions()
