"""An agent as configured (center.yaml): id, name, softphone endpoint, skills and queues."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.core.ids import AgentId, QueueName


@dataclass(frozen=True, slots=True)
class AgentConfig:
    agent_id: AgentId
    name: str
    endpoint: str  # "PJSIP/1001"
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[QueueName, ...] = ()
