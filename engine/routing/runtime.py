"""The inbound ACD running: the pure ACD fed from the PBX, the API and its timers, and what it decides carried out.

Ordering: PBX events arrive through the adapters' synchronous callbacks in wire order, agent requests from
the HTTP API run on the same loop, timers fire from one task; each is turned into domain events at the edge
(engine/edge/translate.py) and handled at once (`Acd.handle` is synchronous), so the ACD sees one total order,
the same as the event stream's. The parts, each with one job:

- the call book (engine/core/calls.py): the one owner of calls, legs and bridges, shared by core and edge;
- the translator (engine/edge/translate.py): wire events -> domain events, or meanings for `inbound.py`;
- the effects executor (effects.py), with the ACD's handlers (acd_effects.py): commands -> PBX requests on
  lanes (pbx_requests.py), facts -> the event stream, the statistics and the fact listeners;
- the restorer (restore.py): what the app still holds after each ARI (re)connect;
- the live board (live_board.py): the read model every view shows, fed each fact from the event stream.

Fact listeners hear each fact once the command list that produced it has been carried out (never in the
middle of a decision), so a listener may act on the ACD: the dialplan's fallback queue follows the agents'
statuses that way, and the demo logs its simulated agents in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from engine.adapters.ari import AriClient
from engine.center_config import CenterConfig
from engine.clock import RuntimeClock
from engine.core import facts
from engine.core.acd import Acd, AcdEvent, AgentRequested, AgentStatusRestored, TimerFired, TransferRequested
from engine.core.agent_fsm import StatusTrigger
from engine.core.calls import CallBook, RandomIds
from engine.core.ids import AgentId, CallId, QueueName
from engine.edge.translate import (
    FeatureCode,
    NewCaller,
    PbxTranslator,
    StrayChannel,
    TransferAsked,
    from_ami,
    inbound_kinds,
)
from engine.instrument import Probes
from engine.pbx.ami_events import AmiStreamItem
from engine.pbx.ari_events import AriEvent, AriResynced
from engine.routing.acd_effects import AcdEffects
from engine.routing.effects import Effects
from engine.routing.inbound import Inbound
from engine.routing.live_board import LiveBoard
from engine.routing.pbx_requests import PbxRequests
from engine.routing.restore import Restorer
from engine.routing.timers import Timers
from engine.runtime import EventStream

FactListener = Callable[[facts.Fact], None]


class AcdRuntime:
    def __init__(self, center: CenterConfig, app: str, clock: RuntimeClock, stream: EventStream,
                 ari: AriClient, board: LiveBoard, timezone: str = "UTC", *,
                 restored_statuses: Sequence[AgentStatusRestored] = (), probes: Probes | None = None) -> None:
        self.center = center
        self.probes = probes if probes is not None else Probes()
        self.book = CallBook(RandomIds())
        self.acd = Acd(list(center.queues), list(center.agents), timezone, self.book)
        self._clock = clock
        self._stream = stream
        self._translator = PbxTranslator(self.book, inbound_kinds())
        self.requests = PbxRequests(ari, self.book, self.probes)
        self._timers = Timers(clock, lambda key: self.apply(TimerFired(key)))
        self.effects = Effects(self._record)
        AcdEffects(self.requests, self._timers, app, center.callback_endpoint, self.apply).register(self.effects)
        self.inbound = Inbound(center, self.book, self.requests, clock, record=self._record, apply=self.apply,
                               request=self.request,
                               transfer=lambda call, queue, agent: self.transfer(call, to_queue=queue, to_agent=agent))
        self._restorer = Restorer(app, ari, self.book, self.requests, apply=self.apply,
                                  new_caller=self.inbound.new_caller, record=self._record)
        # What each meaning of the edge that is not an ACD event is for.
        self._meanings: dict[type[Any], Callable[[Any], None]] = {
            NewCaller: self.inbound.new_caller, FeatureCode: self.inbound.feature_code,
            TransferAsked: self.inbound.transfer_key, StrayChannel: self.inbound.stray,
        }
        self.fact_listeners: list[FactListener] = []
        self._deciding = 0
        self._heard: list[facts.Fact] = []  # facts recorded during a decision, for the listeners after it
        self.board = board
        # A restarted engine's "least calls today" goes on counting from the day's recorded calls.
        for agent_id, agent in self.acd.agents.items():
            agent.calls_today = board.model.agent_stats.today(agent_id, clock.now()).handled
            agent.calls_day = self.acd.day_of(clock.now())
        for status in restored_statuses:  # a restarted engine: agents stay logged in or on break as they were
            self.apply(status)

    # --- inputs (synchronous, on the loop) -----------------------------------------------------------
    def on_ari(self, event: AriEvent) -> None:
        if isinstance(event, AriResynced):
            self._restorer.resynced(event)
            return
        for meaning in self._translator.from_ari(event):
            handler = self._meanings.get(type(meaning))
            if handler is not None:
                handler(meaning)
            else:
                self.apply(meaning)  # type: ignore[arg-type]

    def on_ami(self, event: AmiStreamItem) -> None:
        for meaning in from_ami(event):
            self.apply(meaning)

    def request(self, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None:
        """An agent action from the API or CLI; raises ValueError or IllegalTransition with a clear message."""
        self.apply(AgentRequested(AgentId(agent_id), trigger, reason))

    def transfer(self, call_id: str, *, to_queue: str | None = None, to_agent: str | None = None) -> None:
        """Hand a connected call to a queue or a free agent; raises TransferRefused or UnknownAgent."""
        self.apply(TransferRequested(CallId(call_id), None if to_queue is None else QueueName(to_queue),
                                     None if to_agent is None else AgentId(to_agent)))

    def apply(self, event: AcdEvent) -> None:
        decided = self.probes.decided
        self._deciding += 1
        try:
            if decided is None:
                commands = self.acd.handle(event, self._clock.now())
            else:
                started = time.perf_counter()
                commands = self.acd.handle(event, self._clock.now())
                decided(event, commands, time.perf_counter() - started)
            for command in commands:
                self.effects.carry_out(command)
        finally:
            self._deciding -= 1
        if not self._deciding and self._heard:
            heard, self._heard = self._heard, []
            for fact in heard:
                self._tell_listeners(fact)

    def _record(self, fact: facts.Fact) -> None:
        self._stream.publish_fact(fact)  # the live board hears it from the stream (app.py)
        if self.fact_listeners:
            if self._deciding:
                self._heard.append(fact)
            else:
                self._tell_listeners(fact)

    def _tell_listeners(self, fact: facts.Fact) -> None:
        for listener in self.fact_listeners:
            listener(fact)

    # --- views for the API: the read model's -----------------------------------------------------------
    @property
    def seq(self) -> int:
        return self.board.seq

    def agent_view(self, agent_id: str) -> dict[str, object]:
        return self.board.agent(agent_id)

    def agents_view(self) -> list[dict[str, object]]:
        return self.board.agents()

    def queues_view(self) -> list[dict[str, object]]:
        return self.board.queues()

    def calls_view(self) -> list[dict[str, object]]:
        return self.board.calls()

    # --- running -------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Carry out PBX requests until `close()`: in order within a call, calls side by side."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._timers.run(), name="acd-timers")
            await self.requests.run()
            self._timers.close()

    def close(self) -> None:
        """Stop once the requests already queued are done (they may still reach a PBX that is going away)."""
        self.requests.close()
