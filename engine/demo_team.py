"""The demo's simulated team: nobody sits at its softphones, so they log in once their phone is reachable
(`log_in_when_reachable`, a policy of the demo, not of the engine), and they take breaks as a real team does:
now and then an available agent who is not on a call goes on break (coffee, training, lunch) and comes back
ready some minutes later. Never more than a fifth of the team at once, so the queues stay staffed. Seeded: the
same seed gives the same day.

`BreakPlanner` decides (pure, driven by the times it is given); `run_breaks` applies its decisions to the
engine's ACD through the same requests the API makes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from engine.clock import RuntimeClock
from engine.core.agent_fsm import AgentStatus, IllegalTransition, StatusTrigger
from engine.core.facts import AgentReachable, Fact
from engine.routing.runtime import AcdRuntime

log = logging.getLogger(__name__)

REASONS = ("coffee", "training", "lunch")


def log_in_when_reachable(acd: AcdRuntime) -> None:
    """From now on, an agent whose softphone becomes reachable while logged out is logged in."""

    def on_fact(fact: Fact) -> None:
        if isinstance(fact, AgentReachable):
            agent = acd.acd.roster.agent(fact.agent_id)
            if agent.presence.status is AgentStatus.LOGGED_OUT:
                acd.request(fact.agent_id, StatusTrigger.LOGIN)

    acd.fact_listeners.append(on_fact)
CHECK_EVERY_S = 15.0


@dataclass(frozen=True, slots=True)
class BreakStep:
    agent_id: str
    trigger: StatusTrigger
    reason: str | None = None


class BreakPlanner:
    def __init__(self, seed: int, mean_gap_s: float = 150.0, length_s: tuple[float, float] = (120.0, 480.0),
                 share: float = 0.2) -> None:
        self._rng = random.Random(seed)
        self._mean_gap_s = mean_gap_s
        self._length_s = length_s
        self._share = share
        self._next_break_at: float | None = None
        self.back_at: dict[str, float] = {}  # agent on a break the planner started -> when they come back

    def steps(self, now: float, idle_available: Sequence[str], team_size: int) -> list[BreakStep]:
        """What to do at `now`, given the agents who are available and idle (sorted, for a stable draw)."""
        out = [BreakStep(agent, StatusTrigger.READY) for agent, back in sorted(self.back_at.items()) if back <= now]
        for step in out:
            del self.back_at[step.agent_id]
        if self._next_break_at is None:
            self._next_break_at = now + self._rng.expovariate(1 / self._mean_gap_s)
        candidates = [a for a in idle_available if a not in self.back_at]
        if now >= self._next_break_at and candidates and len(self.back_at) < max(1, int(team_size * self._share)):
            agent = self._rng.choice(candidates)
            self.back_at[agent] = now + self._rng.uniform(*self._length_s)
            out.append(BreakStep(agent, StatusTrigger.BREAK, self._rng.choice(REASONS)))
            self._next_break_at = now + self._rng.expovariate(1 / self._mean_gap_s)
        return out


Id = TypeVar("Id", bound=str)


def idle_available(agents: Mapping[Id, tuple[str, str]]) -> list[Id]:
    """Agent id -> (status, state): those available and idle, sorted."""
    return sorted(a for a, (status, state) in agents.items() if status == "available" and state == "idle")


async def run_breaks(acd: AcdRuntime, clock: RuntimeClock, seed: int) -> None:
    """Until cancelled: every CHECK_EVERY_S, carry out the planner's steps on the ACD."""
    planner = BreakPlanner(seed)
    while True:
        await clock.sleep(CHECK_EVERY_S)
        view = {a: (r.presence.status.value, r.presence.state.value) for a, r in acd.acd.agents.items()}
        idle = idle_available(view)
        for step in planner.steps(clock.now(), idle, len(view)):
            try:
                acd.request(step.agent_id, step.trigger, step.reason)
            except (ValueError, IllegalTransition) as exc:  # the agent logged out meanwhile: nothing to do
                log.info("demo break step skipped: %s", exc)
                planner.back_at.pop(step.agent_id, None)
