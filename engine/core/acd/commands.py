"""What the ACD asks the runtime to do (imperative), and the facts it records (past tense).

Facts are not actions: the runtime writes each to the event stream (and so to PostgreSQL, the queue log
and the wallboard); statistics are computed from them alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class OriginateAgentLeg:
    call_id: str
    leg_id: str
    agent_id: str
    endpoint: str
    queue: str
    caller_number: str
    caller_name: str
    timeout_s: float


@dataclass(frozen=True, slots=True)
class HangUpLeg:
    leg_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class StartMusic:
    leg_id: str
    moh_class: str


@dataclass(frozen=True, slots=True)
class StopMusic:
    leg_id: str


@dataclass(frozen=True, slots=True)
class BridgeLegs:
    call_id: str
    bridge_id: str
    caller_leg: str
    agent_leg: str


@dataclass(frozen=True, slots=True)
class TearDownBridge:
    """The call is over: its bridge goes too (no orphan bridges on the PBX)."""

    bridge_id: str


@dataclass(frozen=True, slots=True)
class SendToVoicemail:
    call_id: str
    caller_leg: str
    mailbox: str


@dataclass(frozen=True, slots=True)
class Announce:
    """Tell a waiting caller their position and estimated wait (None: no estimate), and offer the callback.
    The runtime reports the end as AnnouncementEnded, after which the ACD starts the music again (a `/play`
    suspends music on hold without resuming it)."""

    call_id: str
    leg_id: str
    position: int | None
    estimated_wait_s: float | None
    offer_callback: bool


@dataclass(frozen=True, slots=True)
class DialCallback:
    """Call the caller back on `number`, as leg `leg_id` (it enters Stasis when they answer)."""

    call_id: str
    leg_id: str
    number: str
    caller_name: str
    queue: str
    timeout_s: float


@dataclass(frozen=True, slots=True)
class StartTimer:
    key: tuple[str, str]
    due: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Fact:
    """A step worth recording: `kind` is the event type in the stream (CallerEnqueued, AgentConnected...)."""

    kind: str
    call_id: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    leg_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


AcdCommand = (
    OriginateAgentLeg | HangUpLeg | StartMusic | StopMusic | BridgeLegs | TearDownBridge | SendToVoicemail | Announce
    | DialCallback | StartTimer | CancelTimer | Fact
)
