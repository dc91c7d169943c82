"""What the ACD is configured with: queues (and agents, engine/core/presence/config.py), as frozen values the
pure core can hold."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.core.ids import QueueName
from engine.core.presence.config import AgentConfig as AgentConfig
from engine.core.skills import Relaxation
from engine.core.strategies import Strategy


class OverflowWhen(StrEnum):
    MAX_WAIT = "max_wait"  # the caller has waited the queue's max_wait_s, or the queue is full (max_length)
    NO_AGENTS = "no_agents"  # nobody is logged in to the queue when the caller arrives
    # The estimated wait (estimate.py) at arrival is over the rule's threshold_s.
    ESTIMATED_WAIT = "estimated_wait"


class OverflowTarget(StrEnum):
    QUEUE = "queue"
    VOICEMAIL = "voicemail"
    # The caller stays in line and is offered a callback at once (press 1), whatever the queue's announcements.
    CALLBACK = "callback"


@dataclass(frozen=True, slots=True)
class OverflowRule:
    when: OverflowWhen
    target: OverflowTarget
    # The queue name or the mailbox (box@context); empty for the callback offer.
    destination: str
    threshold_s: float | None = None  # for ESTIMATED_WAIT


@dataclass(frozen=True, slots=True)
class Announcements:
    """What a waiting caller is told, and when: first after `first_after_s`, then every `every_s`."""

    first_after_s: float = 30.0
    every_s: float = 60.0
    position: bool = True
    estimated_wait: bool = True
    # "Press 1 to be called back": the caller hangs up and keeps their place in line.
    offer_callback: bool = False


@dataclass(frozen=True, slots=True)
class Callbacks:
    """How a caller who asked for a callback is called back when their turn comes."""

    ring_timeout_s: float = 30.0
    attempts: int = 3
    retry_after_s: float = 120.0


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: QueueName
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
    announcements: Announcements | None = None
    callbacks: Callbacks = Callbacks()
    # The handle time (talk + wrap-up) the wait estimate assumes before the queue has handled a call.
    default_handle_s: float = 180.0
