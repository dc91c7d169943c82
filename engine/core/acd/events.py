"""What happens to the ACD, in its own words (past tense). The runtime builds these from ARI/AMI events,
the HTTP API and its timers; the ACD never sees the wire. Device states are Asterisk's own vocabulary
(engine.pbx.ami_events.DeviceState)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.core.agent_fsm import StatusTrigger
from engine.core.skills import SkillRequirement
from engine.pbx.ami_events import DeviceState as DeviceState


class LegFailure(StrEnum):
    """Why an agent leg never answered (ARI ChannelDestroyed cause/tech_cause, or originate's 500)."""

    NO_ANSWER = "no_answer"  # cause 19 / SIP 480, ring timeout
    BUSY = "busy"  # cause 17 / SIP 486, busy or rejected
    UNREACHABLE = "unreachable"  # cause 18 / SIP 408
    CONGESTION = "congestion"  # cause 34 / SIP 503
    NO_CONTACT = "no_contact"  # originate 500 "Allocation failed": the phone is not registered


@dataclass(frozen=True, slots=True)
class CallEnqueued:
    call_id: str
    caller_leg: str
    queue: str
    priority: int = 0
    skills: tuple[SkillRequirement, ...] = ()
    caller_number: str = ""
    caller_name: str = ""
    # Kept from the first queue on overflow or transfer, so the caller keeps their place in line.
    enqueued_at: float | None = None


@dataclass(frozen=True, slots=True)
class AgentLegRinging:
    leg_id: str


@dataclass(frozen=True, slots=True)
class AgentLegAnswered:
    leg_id: str


@dataclass(frozen=True, slots=True)
class AgentLegFailed:
    leg_id: str
    failure: LegFailure


@dataclass(frozen=True, slots=True)
class LegHungUp:
    """A caller leg or an agent leg that had answered is gone."""

    leg_id: str


@dataclass(frozen=True, slots=True)
class AgentRequested:
    """The agent or a supervisor asked for a status change (login, ready, break, logout)."""

    agent_id: str
    trigger: StatusTrigger
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceStateObserved:
    endpoint: str
    state: DeviceState


@dataclass(frozen=True, slots=True)
class ContactObserved:
    endpoint: str
    reachable: bool


@dataclass(frozen=True, slots=True)
class CallerPressed:
    """A DTMF digit from a caller's leg."""

    leg_id: str
    digit: str


@dataclass(frozen=True, slots=True)
class AnnouncementEnded:
    """An announcement played to a caller's leg is over (done, failed or stopped)."""

    leg_id: str


@dataclass(frozen=True, slots=True)
class CallbackAnswered:
    """The caller answered the callback leg (it entered Stasis)."""

    leg_id: str


@dataclass(frozen=True, slots=True)
class CallbackFailed:
    leg_id: str
    failure: LegFailure


@dataclass(frozen=True, slots=True)
class LegHeld:
    """A connected party's phone put the call on hold (`held`) or took it off."""

    leg_id: str
    held: bool


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """An agent (softphone transfer key, API or CLI) hands their connected call to a queue or an agent."""

    call_id: str
    to_queue: str | None = None
    to_agent: str | None = None


@dataclass(frozen=True, slots=True)
class CallRestored:
    """A call found on the PBX by a restarted engine: its caller waiting in `queue` (with the place in line it
    had), or connected to `agent_id` on `agent_leg`. No StasisStart comes again for these channels."""

    call_id: str
    caller_leg: str
    queue: str
    priority: int
    enqueued_at: float
    caller_number: str = ""
    caller_name: str = ""
    agent_leg: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class AgentStatusRestored:
    """An agent's status as last recorded, for a restarted engine (available, on break, logged out)."""

    agent_id: str
    status: str
    reason: str | None
    since: float


@dataclass(frozen=True, slots=True)
class TimerFired:
    key: tuple[str, str]


AcdEvent = (
    CallEnqueued | AgentLegRinging | AgentLegAnswered | AgentLegFailed | LegHungUp | AgentRequested
    | DeviceStateObserved | ContactObserved | TimerFired | CallerPressed | AnnouncementEnded | CallbackAnswered
    | CallbackFailed | TransferRequested | CallRestored | AgentStatusRestored | LegHeld
)
