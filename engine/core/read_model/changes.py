"""What one fact changed in a read model, for a live feed: send a snapshot with its `seq`, then, for each fact,
the rows of the agents, queues and calls it names (a call named but no longer shown is gone).

Rows change with time too (waited_s, the open span of an agent's figures, a callback back in line when its
retry time comes): a feed that shows those refreshes them on its own tick; `Changed` says only what a fact did.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.ids import AgentId, CallId, QueueName


@dataclass(frozen=True, slots=True)
class Changed:
    seq: int
    agents: frozenset[AgentId] = frozenset()
    queues: frozenset[QueueName] = frozenset()
    calls: frozenset[CallId] = frozenset()

    @property
    def nothing(self) -> bool:
        return not (self.agents or self.queues or self.calls)
