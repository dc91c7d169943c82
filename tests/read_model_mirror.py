"""A harness for the read model: an ACD driven the way the runtime drives it (engine/routing/runtime.py), every
fact it records stamped and fed both to the runtime's statistics and to a ReadModel, and after every step the
read model's views held equal to tests/acd_views.py's views of that ACD and those statistics at the same
moment (same keys, values and order).

It plays the PBX's side too, as much as the ACD needs: the legs it was asked to originate, the callers on
the line, the legs it hung up, its timers (fired in deadline order when the clock moves, as
engine/routing/timers.py does) and a restart of the engine (engine/app.py: EngineStarted, statuses as last
recorded, the day's statistics from the history, the calls the PBX still holds restored).

Each fact reaches the read model as a rebuild reads it: encoded to its stored row, through JSON and back.
After each fact, rows that its `Changed` does not name must be as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

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
    AgentStatusRestored,
    CallbackLegAnswered,
    CallbackLegFailed,
    CallEnqueued,
    CallFound,
    CallPhase,
    CancelTimer,
    ContactObserved,
    DialCallback,
    HangUpLeg,
    LegFailure,
    LegHungUp,
    OriginateAgentLeg,
    QueueConfig,
    SendToVoicemail,
    StartTimer,
    TimerFired,
)
from engine.core.acd.transfers import TransferRefused
from engine.core.agent_fsm import IllegalTransition, StatusTrigger
from engine.core.agent_stats import AgentStats
from engine.core.calls import CallBook, ReadableIds
from engine.core.fact_registry import is_fact
from engine.core.facts import Stamped, fact_of, to_record
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.read_model import Changed, ReadModel, setup_of
from engine.core.read_model import views as model_views
from engine.core.skills import SkillRequirement
from engine.core.stats import QueueStats
from engine.store.agent_status import start_of_day
from tests import acd_views

# 2026-11-25 09:46:40 UTC: mid-morning, so a test's hours stay in one day unless it means to cross midnight.
T0 = 1_795_600_000.0
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Variables:
    """What the runtime writes on a new caller's channel, for a restarted engine to read back."""

    queue: QueueName
    priority: int
    enqueued: str  # "%.3f"


@dataclass
class Pbx:
    """The legs as the PBX has them."""

    callers: set[LegId] = field(default_factory=set)  # inbound callers on the line
    called_back: set[LegId] = field(default_factory=set)  # callers who answered a callback
    dialing: dict[LegId, AgentId | None] = field(default_factory=dict)  # leg originated -> its agent (None: a callback)
    agents: set[LegId] = field(default_factory=set)  # agent legs that answered
    hung_up: list[LegId] = field(default_factory=list)  # legs the engine hung up, not yet reported gone
    reachable: set[str] = field(default_factory=set)  # endpoints whose phone is registered

    def on_the_line(self) -> list[LegId]:
        return sorted(self.callers | self.called_back)


def rows(view: list[dict[str, object]], key: str) -> dict[object, str]:
    return {row[key]: json.dumps(row) for row in view}


class Mirror:
    def __init__(self, queues: Iterable[QueueConfig], agents: Iterable[AgentConfig], timezone: str = "UTC",
                 start: float = T0) -> None:
        self.queue_configs = list(queues)
        self.agent_configs = list(agents)
        self.timezone = timezone
        self.now = start
        self.seq = 0
        self.stamped: list[Stamped] = []
        self.changes: list[Changed] = []
        self.model = ReadModel(setup_of(self.queue_configs, self.agent_configs, timezone))
        self.pbx = Pbx()
        self.variables: dict[CallId, Variables] = {}
        self.ids = ReadableIds()  # one source across restarts: legs of a restored call get new ids
        self._timers: dict[Key, tuple[float, int]] = {}
        self._generation = 0
        self._new_acd()
        self.record(facts.EngineStarted("callhive", "http://127.0.0.1:8080", None))
        self.check()

    def _new_acd(self) -> None:
        self.acd = Acd(self.queue_configs, self.agent_configs, self.timezone, CallBook(self.ids))
        self.stats = QueueStats(self.timezone, {q.name: q.service_level_s for q in self.queue_configs})
        self.agent_stats = AgentStats(self.timezone)

    # --- the engine's side ----------------------------------------------------------------------------
    def handle(self, event: AcdEvent) -> list[AcdCommand]:
        """The runtime's `apply`: the ACD decides, facts go to the stream, commands to their effect."""
        out = self.acd.handle(event, self.now)
        for command in out:
            self._carry_out(command)
        self.check()
        return out

    def attempt(self, event: AcdEvent) -> list[AcdCommand]:
        """A request the ACD may refuse (an illegal status change, a transfer to a busy agent), as the API
        sends them: refused, nothing changes."""
        try:
            return self.handle(event)
        except (IllegalTransition, ValueError, TransferRefused):
            self.check()
            return []

    def call_in(self, call_id: str, queue: str, *, priority: int = 0, caller: str = "5551000",
                caller_name: str = "Caller", skills: tuple[SkillRequirement, ...] = ()) -> list[AcdCommand]:
        """A new caller, as the runtime opens it: CallStarted, then CallEnqueued with the time now."""
        call, leg = CallId(call_id), LegId(f"{call_id}-in")
        self.pbx.callers.add(leg)
        self.record(facts.CallStarted(call, leg, QueueName(queue), "5000", caller, caller_name))
        self.variables[call] = Variables(QueueName(queue), priority, f"{self.now:.3f}")
        return self.handle(CallEnqueued(call, leg, QueueName(queue), priority, skills, caller, caller_name, self.now))

    def _carry_out(self, command: AcdCommand) -> None:
        pbx = self.pbx
        if is_fact(command):
            self.record(command)  # type: ignore[arg-type]
        elif isinstance(command, StartTimer):
            self._generation += 1
            self._timers[command.key] = (command.due, self._generation)
        elif isinstance(command, CancelTimer):
            self._timers.pop(command.key, None)
        elif isinstance(command, OriginateAgentLeg):
            pbx.dialing[command.leg_id] = command.agent_id
        elif isinstance(command, DialCallback):
            pbx.dialing[command.leg_id] = None
        elif isinstance(command, HangUpLeg):
            leg = command.leg_id
            if leg in pbx.dialing or leg in pbx.agents or leg in pbx.callers or leg in pbx.called_back:
                pbx.hung_up.append(leg)
            pbx.dialing.pop(leg, None)
            pbx.agents.discard(leg)
            pbx.callers.discard(leg)
            pbx.called_back.discard(leg)
        elif isinstance(command, SendToVoicemail):
            pbx.callers.discard(command.caller_leg)

    def record(self, fact: facts.Fact) -> Changed:
        """The runtime's `_record`: stamp, feed the statistics; and feed the read model as a rebuild would."""
        self.seq += 1
        stamped = Stamped(self.seq, self.now, fact)
        self.stamped.append(stamped)
        self.stats.feed((stamped,))
        self.agent_stats.feed((stamped,))
        before = self.model_rows()
        changed = self.model.apply(Stamped(self.seq, self.now, stored_and_read(fact, self.seq, self.now)))
        self.changes.append(changed)
        after = self.model_rows()
        _assert_only_named_rows_changed(before, after, changed, fact)
        return changed

    # --- the PBX's side -------------------------------------------------------------------------------
    def phone(self, agent_id: str, reachable: bool = True) -> list[AcdCommand]:
        endpoint = f"PJSIP/{agent_id}"
        (self.pbx.reachable.add if reachable else self.pbx.reachable.discard)(endpoint)
        return self.handle(ContactObserved(endpoint, reachable))

    def login(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self.phone(agent_id)
            self.handle(AgentRequested(AgentId(agent_id), StatusTrigger.LOGIN))

    def ring(self, leg: LegId) -> list[AcdCommand]:
        return self.handle(AgentLegRinging(leg))

    def answer(self, leg: LegId) -> list[AcdCommand]:
        """An agent's phone, or a caller called back, answers the leg the engine originated."""
        agent = self.pbx.dialing.pop(leg)
        if agent is None:
            self.pbx.called_back.add(leg)
            return self.handle(CallbackLegAnswered(leg))
        self.pbx.agents.add(leg)
        return self.handle(AgentLegAnswered(leg))

    def fail(self, leg: LegId, failure: LegFailure = LegFailure.NO_ANSWER) -> list[AcdCommand]:
        agent = self.pbx.dialing.pop(leg)
        return self.handle(CallbackLegFailed(leg, failure) if agent is None else AgentLegFailed(leg, failure))

    def hang_up(self, leg: str) -> list[AcdCommand]:
        """A party hangs up (or the PBX reports gone a leg the engine hung up)."""
        gone = LegId(leg)
        for legs in (self.pbx.callers, self.pbx.called_back, self.pbx.agents):
            legs.discard(gone)
        if gone in self.pbx.hung_up:
            self.pbx.hung_up.remove(gone)
        return self.handle(LegHungUp(gone))

    def advance(self, seconds: float) -> None:
        """Time passes: each timer due meanwhile fires at its deadline, in deadline order."""
        until = self.now + seconds
        while True:
            due = [(when, generation, key) for key, (when, generation) in self._timers.items() if when <= until]
            if not due:
                break
            when, _generation, key = min(due)
            del self._timers[key]
            self.now = max(self.now, when)
            self.handle(TimerFired(key))
        self.now = until
        self.check()

    def timers(self) -> dict[Key, float]:
        return {key: when for key, (when, _generation) in self._timers.items()}

    def restart(self, *, clean: bool = True, gap_s: float = 5.0) -> None:
        """The engine stops (or dies) and starts again as engine/app.py starts it; then the PBX's resync: phones
        registered (AMI), the calls its ARI app still holds restored (engine/edge/restore_plan.py)."""
        if clean:
            self.record(facts.EngineStopping())
            self.record(facts.EngineStopped())
        old, pbx = self.acd, self.pbx
        self._timers.clear()
        self.now += gap_s
        self.record(facts.EngineStarted("callhive", "http://127.0.0.1:8080", None))
        self._new_acd()
        history = [s for s in self.stamped if s.at >= start_of_day(self.now, self.timezone)]
        self.stats.feed(history)
        self.agent_stats.feed(history)
        self.agent_stats.resume(history[-1].at, self.now)
        self.stats.restarted()
        for agent_id, agent in self.acd.agents.items():
            agent.calls_today = self.agent_stats.today(agent_id, self.now).handled
            agent.calls_day = self.acd.day_of(self.now)
        for status in last_statuses(self.stamped):  # in the runtime's constructor, before anything is shown
            for command in self.acd.handle(status, self.now):
                self._carry_out(command)
        self.check()
        for endpoint in sorted(pbx.reachable):
            self.handle(ContactObserved(endpoint, reachable=True))
        found = []
        for call in old.calls.values():
            if call.caller_leg is None or call.caller_leg not in pbx.callers:
                continue  # nobody on the line, or a caller who was called back: hung up by the restore
            variables = self.variables[call.call_id]
            connected = call.phase is CallPhase.CONNECTED and call.agent_leg in pbx.agents
            found.append(CallFound(call.call_id, call.caller_leg, variables.queue, variables.priority,
                                   float(variables.enqueued), call.caller_number, call.caller_name,
                                   call.agent_leg if connected else None, call.agent_id if connected else None))
        found.sort(key=lambda c: (-c.priority, c.enqueued_at, c.call_id))
        kept_agents = {c.agent_leg for c in found if c.agent_leg is not None}
        self.pbx = Pbx(callers={c.caller_leg for c in found}, agents=kept_agents, reachable=pbx.reachable)
        hung_up = [leg for leg in sorted(pbx.agents | pbx.called_back | set(pbx.dialing)) if leg not in kept_agents]
        for call_found in found:
            self.handle(call_found)
        self.record(facts.AcdRestored(sum(1 for c in found if c.agent_leg is None),
                                      sum(1 for c in found if c.agent_leg is not None), 0, tuple(hung_up), ()))
        self.check()

    # --- the two views --------------------------------------------------------------------------------
    def acd_views(self) -> dict[str, list[dict[str, object]]]:
        now = self.now
        return {
            "agents": [acd_views.agent_view(self.acd, self.agent_stats, a, now) for a in self.acd.agents],
            "queues": acd_views.queues_view(self.acd, self.stats, now),
            "calls": acd_views.calls_view(self.acd, now),
        }

    def model_views(self) -> dict[str, list[dict[str, object]]]:
        now = self.now
        return {
            "agents": model_views.agents_view(self.model, now),
            "queues": model_views.queues_view(self.model, now),
            "calls": model_views.calls_view(self.model, now),
        }

    def replayed_views(self) -> dict[str, list[dict[str, object]]]:
        """The views of a model fed the whole stream at once (`ReadModel.feed`, as a rebuild feeds it)."""
        model = ReadModel(self.model.setup)
        model.feed(Stamped(s.seq, s.at, stored_and_read(s.fact, s.seq, s.at)) for s in self.stamped)
        now = self.now
        return {"agents": model_views.agents_view(model, now), "queues": model_views.queues_view(model, now),
                "calls": model_views.calls_view(model, now)}

    def model_rows(self) -> dict[str, dict[object, str]]:
        shown = self.model_views()
        return {"agents": rows(shown["agents"], "id"), "queues": rows(shown["queues"], "queue"),
                "calls": rows(shown["calls"], "id")}

    def check(self) -> None:
        expected, got = self.acd_views(), self.model_views()
        for name in ("agents", "queues", "calls"):
            assert got[name] == expected[name], f"{name} at seq {self.seq}, t+{self.now - T0:g}"
            # Same keys in the same order, same rows in the same order: the JSON text is the same.
            assert json.dumps(got[name]) == json.dumps(expected[name]), name

    def ringing(self, agent_id: str) -> LegId:
        """The leg being originated to the agent's phone."""
        [leg] = [leg for leg, agent in self.pbx.dialing.items() if agent == agent_id]
        return leg

    def dialing_back(self) -> LegId:
        [leg] = [leg for leg, agent in self.pbx.dialing.items() if agent is None]
        return leg

    def call_view(self, call_id: str) -> dict[str, object]:
        [found] = [row for row in self.model_views()["calls"] if row["id"] == call_id]
        return found

    def agent_view(self, agent_id: str) -> dict[str, Any]:
        return model_views.agent_view(self.model, agent_id, self.now)

    def queue_view(self, queue: str) -> dict[str, Any]:
        found = model_views.queue_view(self.model, queue, self.now)
        assert found is not None
        return found


def stored_and_read(fact: facts.Fact, seq: int, at: float) -> facts.Fact:
    """The fact as a rebuild reads it back: its stored row, the body through JSON, decoded by the registry."""
    record = to_record(fact, seq, at)
    read = fact_of(replace(record, body=json.loads(json.dumps(record.body)), fact=None))
    assert read == fact, (read, fact)
    return read


def last_statuses(stamped: Iterable[Stamped]) -> list[AgentStatusRestored]:
    """engine/store/agent_status.py's last_agent_statuses over an in-memory stream."""
    last: dict[AgentId, AgentStatusRestored] = {}
    for record in stamped:
        if isinstance(record.fact, facts.AgentStatusChanged):
            fact = record.fact
            last[fact.agent_id] = AgentStatusRestored(fact.agent_id, fact.status, fact.reason, record.at)
    return [last[agent_id] for agent_id in sorted(last)]


def _assert_only_named_rows_changed(before: dict[str, dict[object, str]], after: dict[str, dict[object, str]],
                                    changed: Changed, fact: facts.Fact) -> None:
    named: dict[str, frozenset[Any]] = {"agents": changed.agents, "queues": changed.queues, "calls": changed.calls}
    for kind, ids in named.items():
        for row_id in set(before[kind]) | set(after[kind]):
            if row_id not in ids:
                assert before[kind].get(row_id) == after[kind].get(row_id), \
                    f"{type(fact).__name__} changed {kind} {row_id} without naming it"
