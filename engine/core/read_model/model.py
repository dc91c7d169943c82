"""The read model: queues, agents and calls at a `seq`, a pure projection of the engine's typed facts.

Feed it stamped facts in stream order: `apply` one at a time, answering what the fact changed (changes.py)
for a live feed's deltas, or `feed` a run of them (a rebuild, a history); a seq already applied is skipped,
so a rebuild from the events table and the live stream may overlap. Read it with the view functions of
views.py at any `now`. The same code runs inside the engine and in any other process that rebuilds it from
the `events` table (engine/store/read_model.py), so every screen shows the same figures at the same seq.
Times are taken as stamped: the stream stamps them to the microsecond the events table keeps.

Queue and agent figures are the queue and agent statistics themselves (stats.py, agent_stats.py), fed the
same facts, so each figure has one definition; calls and agents' live state are followed by calls.py and
agents.py. The four parts read the facts independently of each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.core import facts as f
from engine.core.agent_stats import AgentStats
from engine.core.ids import AgentId, CallId, QueueName
from engine.core.read_model.agents import AgentBoard
from engine.core.read_model.calls import CallBoard
from engine.core.read_model.changes import Changed
from engine.core.read_model.setup import ReadModelSetup
from engine.core.stats import QueueStats

# Facts that change whole screens: a restart, and a call restored after it.
_BROAD = frozenset({f.EngineStarted, f.CallRestored})
_NONE: frozenset[AgentId] = frozenset()


class ReadModel:
    def __init__(self, setup: ReadModelSetup) -> None:
        self.setup = setup
        self.queue_stats = QueueStats(setup.timezone, {q.name: q.service_level_s for q in setup.queues})
        self.agent_stats = AgentStats(setup.timezone)
        self.calls = CallBoard({q.name: q.callback_retry_after_s for q in setup.queues})
        self.agents = AgentBoard(tuple(a.agent_id for a in setup.agents))
        self.members = setup.members()
        self.agent_setups = {a.agent_id: a for a in setup.agents}
        self.queue_setups = {q.name: q for q in setup.queues}
        self._queues_of = {a.agent_id: frozenset(a.queues) for a in setup.agents}
        self._all_queues = frozenset(q.name for q in setup.queues)
        self._all_agents = frozenset(self._queues_of)
        self.last_seq = 0
        self.last_at: float | None = None

    def apply(self, record: f.Stamped) -> Changed:
        """Apply one fact; what it changed (nothing for a seq already applied)."""
        seq, fact = record.seq, record.fact
        if seq <= self.last_seq:
            return Changed(seq)
        if type(fact) in _BROAD:
            return self._apply_broadly(record)
        call_id: CallId | None = getattr(fact, "call_id", None)
        before = () if call_id is None else self.calls.queues_of(call_id)
        one = (record,)
        self.queue_stats.feed(one)
        self.agent_stats.feed(one)
        self.calls.apply(fact, record.at)
        self.agents.apply(fact, record.at)
        self.last_seq, self.last_at = seq, record.at
        agent_id: AgentId | None = getattr(fact, "agent_id", None)
        queue: QueueName | None = getattr(fact, "queue", None)
        known = self._all_queues
        queues: set[QueueName] = set()
        if queue is not None and queue in known:
            queues.add(queue)
        agents = _NONE
        if agent_id is not None and (serves := self._queues_of.get(agent_id)) is not None:
            agents = frozenset((agent_id,))
            queues |= serves  # members are counted by what they do
        if call_id is None:
            return Changed(seq, agents, frozenset(queues))
        for name in before + self.calls.queues_of(call_id):
            if name in known:
                queues.add(name)
        return Changed(seq, agents, frozenset(queues), frozenset((call_id,)))

    def _apply_broadly(self, record: f.Stamped) -> Changed:
        """A restart resets every agent and sets every call aside; a restored call resumes its queue visit
        where the statistics last had it, which may be another queue: both change whole screens."""
        calls = frozenset(self.calls.live) | frozenset(self.calls.suspended())
        self.feed((record,))
        if isinstance(record.fact, f.CallRestored):
            return Changed(record.seq, _NONE, self._all_queues, frozenset((record.fact.call_id,)))
        return Changed(record.seq, self._all_agents, self._all_queues, calls)

    def feed(self, records: Iterable[f.Stamped]) -> None:
        """Apply facts in stream order, without saying what each changed (a rebuild, a history): the same
        projection as `apply`, each part fed the whole run of facts at once (they are independent)."""
        fresh: list[f.Stamped] = []
        last = self.last_seq
        for record in records:
            if record.seq > last:
                fresh.append(record)
                last = record.seq
        if not fresh:
            return
        self.queue_stats.feed(fresh)
        self.agent_stats.feed(fresh)
        calls, agents = self.calls.apply, self.agents.apply
        for record in fresh:
            calls(record.fact, record.at)
            agents(record.fact, record.at)
        self.last_seq, self.last_at = fresh[-1].seq, fresh[-1].at
