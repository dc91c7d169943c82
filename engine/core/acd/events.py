"""What happens to the ACD, in its own words (past tense). The runtime builds these from ARI/AMI events,
the HTTP API and its timers; the ACD never sees the wire. Device states are Asterisk's own vocabulary
(engine/core/devices.py)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.agent_fsm import AgentStatus, StatusTrigger
from engine.core.devices import DeviceState as DeviceState
from engine.core.ids import AgentId, BridgeId, CallId, LegId, QueueName
from engine.core.outcomes import LegFailure as LegFailure
from engine.core.presence.events import ContactObserved as ContactObserved
from engine.core.presence.events import DeviceStateObserved as DeviceStateObserved
from engine.core.skills import SkillRequirement


@dataclass(frozen=True, slots=True)
class CallEnqueued:
    call_id: CallId
    caller_leg: LegId
    queue: QueueName
    priority: int = 0
    skills: tuple[SkillRequirement, ...] = ()
    caller_number: str = ""
    caller_name: str = ""
    # Kept from the first queue on overflow or transfer, so the caller keeps their place in line.
    enqueued_at: float | None = None


@dataclass(frozen=True, slots=True)
class AgentLegRinging:
    leg_id: LegId


@dataclass(frozen=True, slots=True)
class AgentLegAnswered:
    leg_id: LegId


@dataclass(frozen=True, slots=True)
class AgentLegFailed:
    leg_id: LegId
    failure: LegFailure


@dataclass(frozen=True, slots=True)
class LegHungUp:
    """A caller leg or an agent leg that had answered is gone."""

    leg_id: LegId


@dataclass(frozen=True, slots=True)
class AgentRequested:
    """The agent or a supervisor asked for a status change (login, ready, break, logout)."""

    agent_id: AgentId
    trigger: StatusTrigger
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CallerPressed:
    """A DTMF digit from a caller's leg."""

    leg_id: LegId
    digit: str


@dataclass(frozen=True, slots=True)
class AnnouncementEnded:
    """An announcement played to a caller's leg is over (done, failed or stopped)."""

    leg_id: LegId


@dataclass(frozen=True, slots=True)
class CallbackLegAnswered:
    """The caller answered the callback leg (it entered Stasis)."""

    leg_id: LegId


@dataclass(frozen=True, slots=True)
class CallbackLegFailed:
    leg_id: LegId
    failure: LegFailure


@dataclass(frozen=True, slots=True)
class LegHeld:
    """A connected party's phone put the call on hold (`held`) or took it off."""

    leg_id: LegId
    held: bool


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """An agent (softphone transfer key, API or CLI) hands their connected call to a queue or an agent."""

    call_id: CallId
    to_queue: QueueName | None = None
    to_agent: AgentId | None = None


@dataclass(frozen=True, slots=True)
class CallFound:
    """A call found on the PBX by a restarted engine: its caller waiting in `queue` (with the place in line it
    had), or connected to `agent_id` on `agent_leg`. No StasisStart comes again for these channels."""

    call_id: CallId
    caller_leg: LegId
    queue: QueueName
    priority: int
    enqueued_at: float
    caller_number: str = ""
    caller_name: str = ""
    agent_leg: LegId | None = None
    agent_id: AgentId | None = None
    bridge_id: BridgeId | None = None  # the bridge caller and agent are in: the call's, to tear down at its end


@dataclass(frozen=True, slots=True)
class AgentStatusRestored:
    """An agent's status as last recorded, for a restarted engine (available, on break, logged out)."""

    agent_id: AgentId
    status: AgentStatus
    reason: str | None
    since: float


@dataclass(frozen=True, slots=True)
class TimerFired:
    key: tuple[str, str]


AcdEvent = (
    CallEnqueued | AgentLegRinging | AgentLegAnswered | AgentLegFailed | LegHungUp | AgentRequested
    | DeviceStateObserved | ContactObserved | TimerFired | CallerPressed | AnnouncementEnded | CallbackLegAnswered
    | CallbackLegFailed | TransferRequested | CallFound | AgentStatusRestored | LegHeld
)
