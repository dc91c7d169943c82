"""What the ACD asks the runtime to do (imperative), beside the facts it records (past tense: engine/core/facts.py).

Facts are not actions: the runtime writes each to the event stream (and so to PostgreSQL, the queue log
and the wallboard); statistics are computed from them alone. Every command names the call and the legs it
acts on; no id is ever derived from another.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.facts import Fact
from engine.core.ids import AgentId, BridgeId, CallId, LegId, QueueName


@dataclass(frozen=True, slots=True)
class OriginateAgentLeg:
    call_id: CallId
    leg_id: LegId
    agent_id: AgentId
    endpoint: str
    queue: QueueName
    caller_number: str
    caller_name: str
    timeout_s: float


@dataclass(frozen=True, slots=True)
class HangUpLeg:
    leg_id: LegId
    reason: str


@dataclass(frozen=True, slots=True)
class StartMusic:
    leg_id: LegId
    moh_class: str


@dataclass(frozen=True, slots=True)
class StopMusic:
    leg_id: LegId


@dataclass(frozen=True, slots=True)
class BridgeLegs:
    call_id: CallId
    bridge_id: BridgeId
    caller_leg: LegId
    agent_leg: LegId
    stop_playback: str | None = None  # an announcement still playing to the caller would go on into the talk


@dataclass(frozen=True, slots=True)
class TearDownBridge:
    """The call is over: its bridge goes too (no orphan bridges on the PBX)."""

    call_id: CallId
    bridge_id: BridgeId


@dataclass(frozen=True, slots=True)
class SendToVoicemail:
    call_id: CallId
    caller_leg: LegId
    mailbox: str


@dataclass(frozen=True, slots=True)
class Announce:
    """Tell a waiting caller their position and estimated wait (None: no estimate), and offer the callback.
    The runtime reports the end as AnnouncementEnded, after which the ACD starts the music again (a `/play`
    suspends music on hold without resuming it)."""

    call_id: CallId
    leg_id: LegId
    position: int | None
    estimated_wait_s: float | None
    offer_callback: bool
    playback_id: str


@dataclass(frozen=True, slots=True)
class DialCallback:
    """Call the caller back on `number`, as leg `leg_id` (it enters Stasis when they answer)."""

    call_id: CallId
    leg_id: LegId
    number: str
    caller_name: str
    queue: QueueName
    timeout_s: float


@dataclass(frozen=True, slots=True)
class StartTimer:
    key: tuple[str, str]
    due: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: tuple[str, str]


AcdCommand = (
    OriginateAgentLeg | HangUpLeg | StartMusic | StopMusic | BridgeLegs | TearDownBridge | SendToVoicemail | Announce
    | DialCallback | StartTimer | CancelTimer | Fact
)
