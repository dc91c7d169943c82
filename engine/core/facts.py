"""The engine's facts: what happened, in past tense, one frozen dataclass each, as written to the event stream.

Facts are not actions. The core emits them beside its commands; the runtime stamps each with a `seq` and
stores it; statistics, agent statistics, the call records and the read model are computed from them alone,
each dispatching on the type with `match` and ending in `assert_never`, so a reader that misses a fact fails
the type check. The stored name of each is its class name (engine/core/fact_registry.py); field names are
the stored body's keys, so renaming a field needs a new schema version with an upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias, cast

from engine.core.agent_fsm import AgentState, AgentStatus
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import decode, encode, fact
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.outcomes import LegFailure


class Party(StrEnum):
    CALLER = "caller"
    AGENT = "agent"


class RestoredPhase(StrEnum):
    WAITING = "waiting"
    CONNECTED = "connected"


# -- a call's life -------------------------------------------------------------------------------------------
@fact()
@dataclass(frozen=True, slots=True)
class CallStarted:
    """A caller's channel entered the app for `number`: the call exists from here."""

    call_id: CallId
    leg_id: LegId
    queue: QueueName | None
    number: str
    caller: str
    caller_name: str


@fact()
@dataclass(frozen=True, slots=True)
class CallerEnqueued:
    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    position: int
    priority: int
    caller: str
    estimated_wait_s: float | None


@fact()
@dataclass(frozen=True, slots=True)
class CallerAnnounced:
    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    position: int | None
    estimated_wait_s: float | None
    callback_offered: bool


@fact()
@dataclass(frozen=True, slots=True)
class AgentOffered:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId
    position: int


@fact()
@dataclass(frozen=True, slots=True)
class AgentRinging:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId


@fact()
@dataclass(frozen=True, slots=True)
class AgentConnected:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId
    wait_s: float
    ring_s: float
    position: int


@fact()
@dataclass(frozen=True, slots=True)
class AgentMissed:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId
    failure: LegFailure
    ring_s: float


@fact()
@dataclass(frozen=True, slots=True)
class AgentOfferCancelled:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId
    why: str
    ring_s: float


@fact()
@dataclass(frozen=True, slots=True)
class CallerAbandoned:
    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    wait_s: float
    position: int | None


@fact()
@dataclass(frozen=True, slots=True)
class CallHeld:
    call_id: CallId
    agent_id: AgentId | None
    queue: QueueName
    leg_id: LegId | None
    by: Party


@fact()
@dataclass(frozen=True, slots=True)
class CallUnheld:
    call_id: CallId
    agent_id: AgentId | None
    queue: QueueName
    leg_id: LegId | None
    by: Party


@fact()
@dataclass(frozen=True, slots=True)
class CallCompleted:
    call_id: CallId
    agent_id: AgentId | None
    queue: QueueName
    by: Party
    talk_s: float
    agent_leg: LegId | None


@fact()
@dataclass(frozen=True, slots=True)
class CallTransferred:
    call_id: CallId
    agent_id: AgentId | None
    queue: QueueName
    leg_id: LegId | None
    to_queue: QueueName | None
    to_agent: AgentId | None
    talk_s: float


@fact()
@dataclass(frozen=True, slots=True)
class CallRefused:
    """The engine turned the call away (the queue full or nobody logged in, with nowhere to overflow to)."""

    call_id: CallId
    queue: QueueName
    why: str
    position: int | None


@fact()
@dataclass(frozen=True, slots=True)
class CallOverflowed:
    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    why: str
    target: str  # OverflowTarget's value: queue, voicemail, callback
    destination: str
    wait_s: float
    position: int | None


@fact()
@dataclass(frozen=True, slots=True)
class CallbackRequested:
    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    number: str
    position: int | None
    wait_s: float


@fact()
@dataclass(frozen=True, slots=True)
class CallbackDialed:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId | None
    number: str
    attempt: int


@fact()
@dataclass(frozen=True, slots=True)
class CallbackAnswered:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    leg_id: LegId


@fact()
@dataclass(frozen=True, slots=True)
class CallbackNotReached:
    call_id: CallId
    queue: QueueName
    leg_id: LegId
    failure: LegFailure
    attempt: int
    given_up: bool


@fact()
@dataclass(frozen=True, slots=True)
class CallbackGivenUp:
    call_id: CallId
    queue: QueueName
    attempts: int


@fact()
@dataclass(frozen=True, slots=True)
class CallRestored:
    """A restarted engine took back a call it found on the PBX: waiting in line, or connected to an agent."""

    call_id: CallId
    queue: QueueName
    leg_id: LegId | None
    phase: RestoredPhase
    agent_id: AgentId | None = None
    agent_leg: LegId | None = None
    position: int | None = None


# -- agents --------------------------------------------------------------------------------------------------
@fact()
@dataclass(frozen=True, slots=True)
class AgentStatusChanged:
    agent_id: AgentId
    status: AgentStatus
    reason: str | None


@fact()
@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    agent_id: AgentId
    call_id: CallId | None
    state: AgentState


@fact()
@dataclass(frozen=True, slots=True)
class AgentWrapUpEnded:
    call_id: CallId
    agent_id: AgentId
    queue: QueueName
    wrapup_s: float


@fact()
@dataclass(frozen=True, slots=True)
class AgentDeviceBusy:
    """The agent's softphone is in use by something the engine did not place."""

    agent_id: AgentId
    device_state: str


@fact()
@dataclass(frozen=True, slots=True)
class AgentDeviceFree:
    agent_id: AgentId
    device_state: str


@fact()
@dataclass(frozen=True, slots=True)
class AgentReachable:
    agent_id: AgentId


@fact()
@dataclass(frozen=True, slots=True)
class AgentUnreachable:
    agent_id: AgentId


@fact()
@dataclass(frozen=True, slots=True)
class AgentMadeBusy:
    """Another feature keeps the agent out of routing for a while (a supervisor's session, a dialer preview)."""

    agent_id: AgentId
    reason: str


@fact()
@dataclass(frozen=True, slots=True)
class AgentBusyEnded:
    agent_id: AgentId
    reason: str


# -- the engine ----------------------------------------------------------------------------------------------
@fact()
@dataclass(frozen=True, slots=True)
class EngineStarted:
    app: str
    http: str
    config: str | None


@fact()
@dataclass(frozen=True, slots=True)
class EngineStopping:
    pass


@fact()
@dataclass(frozen=True, slots=True)
class EngineStopped:
    pass


@fact()
@dataclass(frozen=True, slots=True)
class AcdRestored:
    """What a (re)connected engine did with what the ARI app still held."""

    waiting: int
    connected: int
    new_callers: int
    hung_up: tuple[str, ...]
    bridges_destroyed: tuple[str, ...]


CallFact: TypeAlias = (
    CallStarted | CallerEnqueued | CallerAnnounced | AgentOffered | AgentRinging | AgentConnected | AgentMissed
    | AgentOfferCancelled | CallerAbandoned | CallHeld | CallUnheld | CallCompleted | CallTransferred | CallRefused
    | CallOverflowed | CallbackRequested | CallbackDialed | CallbackAnswered | CallbackNotReached | CallbackGivenUp
    | CallRestored
)
AgentFact: TypeAlias = (
    AgentStatusChanged | AgentStateChanged | AgentWrapUpEnded | AgentDeviceBusy | AgentDeviceFree | AgentReachable
    | AgentUnreachable | AgentMadeBusy | AgentBusyEnded
)
EngineFact: TypeAlias = EngineStarted | EngineStopping | EngineStopped | AcdRestored
Fact: TypeAlias = CallFact | AgentFact | EngineFact
"""Every fact, a closed union: readers `match` on it and end with `assert_never`."""

# Facts after which no call exists any more (an overflow to voicemail ends it too, read from its target).
CALL_ENDS: tuple[type[Fact], ...] = (CallCompleted, CallerAbandoned, CallRefused, CallbackGivenUp)


@dataclass(frozen=True, slots=True)
class Stamped:
    """A fact with the place and time the event stream gave it."""

    seq: int
    at: float
    fact: Fact


def fact_of(record: EventRecord) -> Fact | None:
    """The typed fact an event record holds: the one published, or decoded from a stored row (an upgraded
    older version included); None for a wire event. Raises FactDecodeError for a row that does not fit."""
    if record.fact is not None:
        return cast("Fact", record.fact)
    if record.source is not EventSource.ENGINE:
        return None
    columns = {"call_id": record.call_id, "leg_id": record.leg_id, "agent_id": record.agent_id,
               "queue": record.queue}
    return cast("Fact | None", decode(record.type, record.version, columns, record.body))


def to_record(value: Fact, seq: int, received_at: float) -> EventRecord:
    """The event record that stores `value` at `seq`."""
    stored = encode(value)
    return EventRecord(seq, received_at, EventSource.ENGINE, stored.name, None, stored.call_id, stored.leg_id,
                       stored.agent_id, stored.queue, stored.body, stored.version, value)
