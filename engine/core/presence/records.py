"""What the roster holds about each agent (mutable, owned by the roster)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.agent_fsm import AgentPresence
from engine.core.ids import CallId, LegId, QueueName
from engine.core.presence.config import AgentConfig


@dataclass(slots=True)
class LastCall:
    """The call an agent last handled, until their wrap-up ends (for the handle time and the records)."""

    call_id: CallId
    queue: QueueName
    talk_s: float


@dataclass(slots=True)
class AgentRecord:
    config: AgentConfig
    presence: AgentPresence
    reachable: bool = False
    # In use by something the engine did not cause (a direct call, the fallback queue).
    device_busy: bool = False
    calls_today: int = 0
    calls_day: str = ""  # the day (center's time zone) calls_today counts
    leg_id: LegId | None = None
    call_id: CallId | None = None
    # An offer the engine cancelled whose leg the PBX may still have (ringing): its device state is ours.
    closing_leg: LegId | None = None
    last_call: LastCall | None = None
    # Kept by another feature for a while (a supervisor's session, a dialer preview): not offered calls.
    busy_for: str | None = None

    def calls_on(self, day: str) -> int:
        """Calls answered on `day` (a local date): the count restarts with each new day."""
        return self.calls_today if self.calls_day == day else 0
