"""Which agent rings, by the queue's strategy. Each strategy is a pure function of the candidates.

Candidates are the agents that may take this call right now (offerable, reachable, qualifying on
skills); the functions only order them. Every strategy ends with the agent id as a tie-break, so the same
inputs always give the same choice (tests and replays depend on it).

- longest idle: the agent idle for the longest time (earliest `idle_since`).
- least calls: fewest calls answered today, then longest idle.
- round robin: the next agent after the last one served, in the queue's member order, wrapping.
- skills best match: highest match score (see skills.py), then longest idle.
- ring all: every candidate at once; the first to answer wins and the others are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


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
