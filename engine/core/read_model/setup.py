"""What a read model needs to know of the centre besides the facts: its queues (name, strategy, service-level
target, when a callback not reached goes back in line), its agents (name, endpoint, queues) and its time zone.
Made from the centre's configuration with `setup_of`; another process builds it from the same file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.core.acd.config import AgentConfig, QueueConfig
from engine.core.ids import AgentId, QueueName
from engine.core.strategies import Strategy


@dataclass(frozen=True, slots=True)
class QueueSetup:
    name: QueueName
    strategy: Strategy = Strategy.LONGEST_IDLE
    service_level_s: float = 20.0
    # No fact says a callback not reached is back in line: the ACD's retry timer does it this long after.
    callback_retry_after_s: float = 120.0


@dataclass(frozen=True, slots=True)
class AgentSetup:
    agent_id: AgentId
    name: str
    endpoint: str
    queues: tuple[QueueName, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadModelSetup:
    queues: tuple[QueueSetup, ...]
    agents: tuple[AgentSetup, ...]
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        names = {queue.name for queue in self.queues}
        for agent in self.agents:
            unknown = [queue for queue in agent.queues if queue not in names]
            if unknown:
                raise ValueError(f"agent {agent.agent_id}: unknown queue {unknown[0]!r}")

    def members(self) -> dict[QueueName, list[AgentId]]:
        """Each queue's agents in the order the ACD's roster keeps them (the centre file's agent order)."""
        found: dict[QueueName, list[AgentId]] = {queue.name: [] for queue in self.queues}
        for agent in self.agents:
            for queue in agent.queues:
                found[queue].append(agent.agent_id)
        return found


def setup_of(queues: Iterable[QueueConfig], agents: Iterable[AgentConfig], timezone: str = "UTC") -> ReadModelSetup:
    """The read model's setup from the centre's configuration (CenterConfig.queues and .agents)."""
    return ReadModelSetup(
        tuple(QueueSetup(q.name, q.strategy, q.service_level_s, q.callbacks.retry_after_s) for q in queues),
        tuple(AgentSetup(a.agent_id, a.name, a.endpoint, tuple(a.queues)) for a in agents),
        timezone,
    )
