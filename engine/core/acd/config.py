"""What the ACD is configured with: queues and agents, as frozen values the pure core can hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine.core.skills import Relaxation
from engine.core.strategies import Strategy


class OverflowWhen(StrEnum):
    MAX_WAIT = "max_wait"  # the caller has waited the queue's max_wait_s, or the queue is full (max_length)
    NO_AGENTS = "no_agents"  # nobody is logged in to the queue when the caller arrives


class OverflowTarget(StrEnum):
    QUEUE = "queue"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True, slots=True)
class OverflowRule:
    when: OverflowWhen
    target: OverflowTarget
    # The queue name or the mailbox (box@context).
    destination: str


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    wrapup_s: float = 0.0
    ring_timeout_s: float = 15.0
    max_wait_s: float | None = None
    max_length: int | None = None
    moh_class: str = "default"
    # Ring-no-answers in a row before the agent is put on break "no answer"; 0 never.
    no_answer_break_after: int = 3
    service_level_s: float = 20.0
    service_level_goal: float = 0.8
    relaxations: tuple[Relaxation, ...] = ()
    overflow: tuple[OverflowRule, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentConfig:
    agent_id: str
    name: str
    endpoint: str  # "PJSIP/1001"
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
