"""Which agent rings, by the queue's strategy. Each strategy is a pure function of the candidates.

Candidates are the agents that may take this call right now (offerable, reachable, qualifying on
skills); the functions only order them. Every strategy ends with the agent id as a tie-break, so the same
inputs always give the same choice (tests and replays depend on it).

- longest idle: the agent idle for the longest time (earliest `idle_since`).
- least calls: fewest calls answered today, then longest idle.
- round robin: the next agent after the last one served, in the queue's member order, wrapping.
- skills best match: highest match score (see skills.py), then longest idle.
- ring all: every candidate at once; the first to answer wins and the others are cancelled.

`pick_agents` states each strategy over a list of candidates; `FreeAgents` gives the same answers without
scoring every free agent. Apart from the match score, each strategy ranks agents by a key that does not
depend on the call (`rank_key`), and it changes only when the agent's presence does (or, for least calls,
at midnight: `rekey`), so a queue keeps its free agents sorted by it, re-placing an agent whenever their
presence is refreshed, and a pick scans from the best end: the first agent whose skills qualify wins
(longest idle, least calls, round robin from the cursor on), skills best match stops early at a perfect
score (else it reads them all), and ring all takes every qualifying agent in order. A new caller then
costs the agents ahead of the first qualifying one instead of a pass over the queue's members: in
bench.routing_latency, 2.6-3 ms per caller with ~270 free agents and 9-11 ms with ~1,200 became ~0.15 ms.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engine.core.ids import AgentId


class Strategy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    LEAST_CALLS = "least_calls"
    ROUND_ROBIN = "round_robin"
    SKILLS_BEST_MATCH = "skills_best_match"
    RING_ALL = "ring_all"


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: str
    idle_since: float
    calls_today: int
    match_score: int
    # Position in the queue's member list, for round robin.
    member_index: int


Picker = Callable[[Sequence[Candidate], int], tuple[str, ...]]


def _longest_idle(candidates: Sequence[Candidate], _cursor: int) -> tuple[str, ...]:
    best = min(candidates, key=lambda c: (c.idle_since, c.agent_id))
    return (best.agent_id,)


def _least_calls(candidates: Sequence[Candidate], _cursor: int) -> tuple[str, ...]:
    best = min(candidates, key=lambda c: (c.calls_today, c.idle_since, c.agent_id))
    return (best.agent_id,)


def _round_robin(candidates: Sequence[Candidate], cursor: int) -> tuple[str, ...]:
    """`cursor` is the member index of the agent served last (-1 before the first call)."""
    after = [c for c in candidates if c.member_index > cursor]
    pool = after or list(candidates)
    best = min(pool, key=lambda c: (c.member_index, c.agent_id))
    return (best.agent_id,)


def _skills_best_match(candidates: Sequence[Candidate], _cursor: int) -> tuple[str, ...]:
    best = min(candidates, key=lambda c: (-c.match_score, c.idle_since, c.agent_id))
    return (best.agent_id,)


def _ring_all(candidates: Sequence[Candidate], _cursor: int) -> tuple[str, ...]:
    return tuple(c.agent_id for c in sorted(candidates, key=lambda c: (c.idle_since, c.agent_id)))


STRATEGIES: dict[Strategy, Picker] = {
    Strategy.LONGEST_IDLE: _longest_idle,
    Strategy.LEAST_CALLS: _least_calls,
    Strategy.ROUND_ROBIN: _round_robin,
    Strategy.SKILLS_BEST_MATCH: _skills_best_match,
    Strategy.RING_ALL: _ring_all,
}


def pick_agents(strategy: Strategy, candidates: Sequence[Candidate], cursor: int = -1) -> tuple[str, ...]:
    """The agents to ring for one call: one, or several for ring all; empty when nobody can take it."""
    if not candidates:
        return ()
    return STRATEGIES[strategy](candidates, cursor)


# A free agent's place in a strategy's order; the agent id ends it, so every key is unique.
RankKey = tuple[float, str] | tuple[int, float, str] | tuple[int, str]
# The match score of an agent for the call at hand (skills.match_score), None when they do not qualify.
ScoreOf = Callable[[str], int | None]
FreeScoreOf = Callable[[AgentId], int | None]
BEST_SCORE = 100  # skills.match_score's highest


def rank_key(strategy: Strategy, agent_id: str, idle_since: float, calls_today: int, member_index: int) -> RankKey:
    """The order in which `strategy` prefers free agents, before skills: its tie-breaks of `pick_agents`."""
    if strategy is Strategy.LEAST_CALLS:
        return (calls_today, idle_since, agent_id)
    if strategy is Strategy.ROUND_ROBIN:
        return (member_index, agent_id)
    return (idle_since, agent_id)


class FreeAgents:
    """One queue's free agents in its strategy's order (`rank_key`); `pick` agrees with `pick_agents`."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._line: list[tuple[RankKey, AgentId]] = []
        self._keys: dict[AgentId, RankKey] = {}

    def __len__(self) -> int:
        return len(self._line)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._keys

    def place(self, agent_id: AgentId, key: RankKey) -> None:
        """Add a free agent, or move them if their key changed (a repeated `place` costs a comparison)."""
        if self._keys.get(agent_id) == key:
            return
        self.remove(agent_id)
        self._keys[agent_id] = key
        bisect.insort(self._line, (key, agent_id))

    def rekey(self, key_of: Callable[[AgentId], RankKey]) -> None:
        """Every agent's key anew, for a change that moves them all at once (a new day for calls today)."""
        self._keys = {agent_id: key_of(agent_id) for agent_id in self._keys}
        self._line = sorted((key, agent_id) for agent_id, key in self._keys.items())

    def remove(self, agent_id: AgentId) -> None:
        key = self._keys.pop(agent_id, None)
        if key is not None:
            del self._line[bisect.bisect_left(self._line, (key, agent_id))]

    def pick(self, score_of: FreeScoreOf, cursor: int = -1) -> tuple[AgentId, ...]:
        """The agents to ring, as `pick_agents` would choose among the free agents that `score_of` qualifies."""
        line = self._line
        if self.strategy is Strategy.RING_ALL:
            return tuple(agent_id for _key, agent_id in line if score_of(agent_id) is not None)
        if self.strategy is Strategy.SKILLS_BEST_MATCH:
            best: tuple[int, AgentId] | None = None
            for _key, agent_id in line:  # by idle time: on equal scores the first one seen wins
                score = score_of(agent_id)
                if score is not None and (best is None or score > best[0]):
                    best = (score, agent_id)
                    if score >= BEST_SCORE:
                        break
            return () if best is None else (best[1],)
        start = 0
        if self.strategy is Strategy.ROUND_ROBIN:  # from the member after the cursor, wrapping
            start = bisect.bisect_right(line, float(cursor), key=lambda entry: entry[0][0])
        for index in range(start, len(line)):
            if score_of(line[index][1]) is not None:
                return (line[index][1],)
        for index in range(start):
            if score_of(line[index][1]) is not None:
                return (line[index][1],)
        return ()
