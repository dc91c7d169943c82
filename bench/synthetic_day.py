"""A day of a call centre's facts, made by driving the real ACD (engine/core/acd) with simulated callers and
agents, so the stream has the shapes and proportions the engine writes.

A discrete-event simulation on its own clock: callers arrive at random (Poisson) over a 12-hour day across
8 queues (mixed strategies, 2 with announcements and the callback offer, one overflowing on max wait),
served by 260 agents in two queues each, logged in at the start and taking a 30-minute break at midday.
An offered phone rings after 1 s and is answered after 2-6 s (8% ring out at the queue's timeout); talk
is exponential (mean 170 s) with a hold now and then and a few transfers; callers abandon after an
exponential patience (mean 150 s) if still waiting; the ACD's own timers (wrap-up, max wait, announcements,
callback retry) fire on the simulated clock. Callback legs are answered 70% of the time. Each fact is stamped
with the simulated time and the next seq, and the runtime's CallStarted is recorded before each enqueue.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from engine.core import facts
from engine.core.acd import (
    Acd,
    AcdCommand,
    AcdEvent,
    AgentConfig,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegRinging,
    AgentRequested,
    Announcements,
    BridgeLegs,
    CallbackLegAnswered,
    CallbackLegFailed,
    CallEnqueued,
    CallerPressed,
    CancelTimer,
    ContactObserved,
    DialCallback,
    HangUpLeg,
    LegFailure,
    LegHeld,
    LegHungUp,
    OriginateAgentLeg,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    StartTimer,
    TimerFired,
    TransferRefused,
    TransferRequested,
)
from engine.core.agent_fsm import IllegalTransition, StatusTrigger
from engine.core.fact_registry import is_fact
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.strategies import Strategy

DAY_START = 1_795_593_600.0 + 8 * 3600  # 2026-11-25 08:00 UTC
DAY_S = 12 * 3600


def centre(agents: int = 260) -> tuple[list[QueueConfig], list[AgentConfig]]:
    strategies = list(Strategy)
    spill = (OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "q0"),)
    queues = [
        QueueConfig(QueueName(f"q{n}"), strategy=strategies[n % len(strategies)], wrapup_s=10.0 + 2 * n,
                    announcements=Announcements(first_after_s=30, every_s=60, offer_callback=True) if n < 2 else None,
                    max_wait_s=240.0 if n == 7 else None, overflow=spill if n == 7 else ())
        for n in range(8)
    ]
    configs = [AgentConfig(AgentId(f"a{n}"), f"Agent {n}", f"PJSIP/a{n}", {},
                           (QueueName(f"q{n % 8}"), QueueName(f"q{(n * 3 + 1) % 8}"))) for n in range(agents)]
    return queues, configs


@dataclass
class _Call:
    caller_leg: LegId
    connected: bool = False
    agent_leg: LegId | None = None


@dataclass
class DaySimulation:
    calls: int
    seed: int = 7
    queues: list[QueueConfig] = field(default_factory=list)
    agents: list[AgentConfig] = field(default_factory=list)
    stamped: list[facts.Stamped] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.queues, self.agents = centre()
        self.acd = Acd(self.queues, self.agents)
        self.rng = random.Random(self.seed)
        self.now = DAY_START
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._timers: dict[tuple[str, str], int] = {}
        self._live: dict[CallId, _Call] = {}
        self._dialing: set[LegId] = set()

    def at(self, when: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when, next(self._order), action))

    def run(self) -> list[facts.Stamped]:
        for agent in self.agents:
            self.handle(ContactObserved(agent.endpoint, reachable=True))
            self.handle(AgentRequested(agent.agent_id, StatusTrigger.LOGIN))
            lunch = DAY_START + DAY_S / 2 + self.rng.uniform(-7200, 7200)
            self.at(lunch, partial(self.request, agent.agent_id, StatusTrigger.BREAK, "lunch"))
            self.at(lunch + 1800, partial(self.request, agent.agent_id, StatusTrigger.READY))
        arrival = DAY_START
        for n in range(self.calls):
            arrival += self.rng.expovariate(self.calls / DAY_S)
            self.at(arrival, partial(self.call_in, n))
        while self._heap:
            when, _order, action = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            action()
        return self.stamped

    # --- the engine's side ----------------------------------------------------------------------------
    def record(self, fact: facts.Fact) -> None:
        # Stamped to the microsecond, as the engine's stream stamps (and the events table keeps) its times.
        self.stamped.append(facts.Stamped(len(self.stamped) + 1, round(self.now, 6), fact))

    def handle(self, event: AcdEvent) -> None:
        for command in self.acd.handle(event, self.now):
            self.carry_out(command)

    def request(self, agent_id: AgentId, trigger: StatusTrigger, reason: str | None = None) -> None:
        with contextlib.suppress(IllegalTransition, ValueError):  # a break while logged out: refused
            self.handle(AgentRequested(agent_id, trigger, reason))

    def call_in(self, n: int) -> None:
        call_id, leg = CallId(f"call-{n}"), LegId(f"call-{n}-in")
        queue = self.queues[min(int(self.rng.expovariate(0.35)), len(self.queues) - 1)].name
        number = f"+3315550{n % 10000:04d}"
        self._live[call_id] = _Call(leg)
        self.record(facts.CallStarted(call_id, leg, queue, "5000", number, ""))
        self.handle(CallEnqueued(call_id, leg, queue, 1 if self.rng.random() < 0.1 else 0, (), number, "",
                                 self.now))
        patience = self.rng.expovariate(1 / 150)
        self.at(self.now + patience, lambda: self.give_up(call_id))
        if self.rng.random() < 0.05:  # presses 1 at the announcement (where one is offered)
            self.at(self.now + 35, lambda: self.handle(CallerPressed(leg, "1")))

    def carry_out(self, command: AcdCommand) -> None:
        if is_fact(command):
            self.record(command)  # type: ignore[arg-type]
        elif isinstance(command, StartTimer):
            generation = next(self._order)
            self._timers[command.key] = generation
            self.at(command.due, partial(self.fire, command.key, generation))
        elif isinstance(command, CancelTimer):
            self._timers.pop(command.key, None)
        elif isinstance(command, OriginateAgentLeg):
            self.ring(command)
        elif isinstance(command, DialCallback):
            leg = command.leg_id
            self._dialing.add(leg)
            answered = self.rng.random() < 0.7
            event = CallbackLegAnswered(leg) if answered else CallbackLegFailed(leg, LegFailure.NO_ANSWER)
            self.at(self.now + self.rng.uniform(5, 25), lambda: self.leg_event(leg, event))
        elif isinstance(command, BridgeLegs):
            self.connected(command)
        elif isinstance(command, HangUpLeg):
            self._dialing.discard(command.leg_id)

    def fire(self, key: tuple[str, str], generation: int) -> None:
        if self._timers.get(key) == generation:
            del self._timers[key]
            self.handle(TimerFired(key))

    # --- the PBX's side -------------------------------------------------------------------------------
    def ring(self, offer: OriginateAgentLeg) -> None:
        leg = offer.leg_id
        self._dialing.add(leg)
        self.at(self.now + 1.0, lambda: self.leg_event(leg, AgentLegRinging(leg)))
        if self.rng.random() < 0.08:
            self.at(self.now + offer.timeout_s, lambda: self.leg_event(leg, AgentLegFailed(leg, LegFailure.NO_ANSWER)))
        else:
            self.at(self.now + self.rng.uniform(2, 6), lambda: self.leg_event(leg, AgentLegAnswered(leg)))

    def leg_event(self, leg: LegId, event: AcdEvent) -> None:
        """An event about a leg the engine placed, unless the engine hung it up meanwhile."""
        if leg in self._dialing:
            if not isinstance(event, AgentLegRinging):
                self._dialing.discard(leg)
            self.handle(event)

    def connected(self, bridge: BridgeLegs) -> None:
        # A callback's caller is the callback leg; the call may have left `_live` when its first leg went.
        call = self._live.setdefault(bridge.call_id, _Call(bridge.caller_leg))
        call.caller_leg = bridge.caller_leg
        call.connected, call.agent_leg = True, bridge.agent_leg
        talk = max(10.0, self.rng.expovariate(1 / 170))
        if self.rng.random() < 0.1:
            self.at(self.now + talk / 3, lambda: self.handle(LegHeld(bridge.agent_leg, True)))
            self.at(self.now + talk / 3 + 20, lambda: self.handle(LegHeld(bridge.agent_leg, False)))
        if self.rng.random() < 0.03:
            queue = self.queues[self.rng.randrange(len(self.queues))].name
            self.at(self.now + talk / 2, lambda: self.transfer(bridge.call_id, queue))
        ender = bridge.caller_leg if self.rng.random() < 0.7 else bridge.agent_leg
        self.at(self.now + talk, lambda: self.hang_up(bridge.call_id, ender))

    def transfer(self, call_id: CallId, queue: QueueName) -> None:
        call = self._live.get(call_id)
        if call is None or not call.connected:
            return
        try:
            self.handle(TransferRequested(call_id, to_queue=queue))
        except TransferRefused:
            return
        call.connected = False

    def hang_up(self, call_id: CallId, leg: LegId) -> None:
        call = self._live.get(call_id)
        if call is not None and call.connected and leg in (call.caller_leg, call.agent_leg):
            del self._live[call_id]
            self.handle(LegHungUp(leg))

    def give_up(self, call_id: CallId) -> None:
        call = self._live.get(call_id)
        if call is not None and not call.connected:
            del self._live[call_id]
            self.handle(LegHungUp(call.caller_leg))


def synthetic_day(calls: int, seed: int = 7) -> DaySimulation:
    day = DaySimulation(calls, seed)
    day.run()
    return day
