"""The agents a read model shows, followed from the facts alone, as the ACD's roster keeps them
(engine/core/presence/roster.py): status and break reason with the time they began (AgentStatusChanged), state
with its time (AgentStateChanged), whether the phone is reachable and in use by something else, and the call
the agent is on or kept for.

The call an agent is on is the ACD's `AgentRecord.call_id`: set when the agent is reserved for a call (the
state change names it) or for a callback (CallbackDialed: the reservation comes before the call is named),
kept while ringing and on the call, cleared when the reservation ends and when the call ends (idle, wrap-up).

A phone is unreachable after AgentUnreachable (said too when its device goes UNAVAILABLE; in a stream written
before the engine said so, an AgentDeviceFree to UNAVAILABLE tells it) and after an offer failed because it
was (AgentMissed: unreachable, no contact: the ACD records no more); reachable again after AgentReachable.

A restarted engine (EngineStarted) knows nothing of what agents are doing until the PBX tells it: every
agent is idle since 0, unreachable, with a free phone and no call; the status stays as last recorded (the
engine restores it from the same facts: engine/store/agent_status.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from engine.core import facts as f
from engine.core.agent_fsm import AgentState, AgentStatus
from engine.core.devices import DeviceState
from engine.core.ids import AgentId, CallId
from engine.core.outcomes import LegFailure

_WITH_CALL = frozenset({AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL})
_UNREACHABLE = frozenset({LegFailure.UNREACHABLE, LegFailure.NO_CONTACT})


@dataclass(slots=True)
class LiveAgent:
    status: AgentStatus = AgentStatus.LOGGED_OUT
    status_since: float = 0.0
    break_reason: str | None = None
    state: AgentState = AgentState.IDLE
    state_since: float = 0.0
    reachable: bool = False
    device_busy: bool = False
    call_id: CallId | None = None
    busy_for: str | None = None  # kept out of routing by another feature (engine/core/presence busy_for)

    def restarted(self) -> None:
        self.state, self.state_since, self.call_id = AgentState.IDLE, 0.0, None
        self.reachable = self.device_busy = False
        self.busy_for = None


class AgentBoard:
    def __init__(self, agent_ids: tuple[AgentId, ...]) -> None:
        self.agents = {agent_id: LiveAgent() for agent_id in agent_ids}

    def apply(self, fact: f.Fact, at: float) -> None:
        # The commonest facts first: a match tries its cases in order.
        match fact:
            case f.AgentStateChanged(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.state, agent.state_since = fact.state, at
                    agent.call_id = fact.call_id if fact.state in _WITH_CALL else None
            case (f.AgentOffered() | f.AgentRinging() | f.CallerEnqueued() | f.CallStarted() | f.AgentConnected()
                  | f.AgentWrapUpEnded() | f.CallCompleted() | f.AgentOfferCancelled()):
                pass
            case f.AgentStatusChanged(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.status, agent.break_reason, agent.status_since = fact.status, fact.reason, at
            case f.CallbackDialed(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.call_id = fact.call_id
            case f.AgentMissed(agent_id=agent_id):
                if fact.failure in _UNREACHABLE and (agent := self.agents.get(agent_id)) is not None:
                    agent.reachable = False
            case f.AgentDeviceBusy(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.device_busy = True
            case f.AgentDeviceFree(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.device_busy = False
                    if fact.device_state == DeviceState.UNAVAILABLE:
                        agent.reachable = False
            case f.AgentReachable(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.reachable = True
            case f.AgentUnreachable(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.reachable = False
            case f.AgentMadeBusy(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.busy_for = fact.reason
            case f.AgentBusyEnded(agent_id=agent_id):
                if (agent := self.agents.get(agent_id)) is not None:
                    agent.busy_for = None
            case f.EngineStarted():
                for agent in self.agents.values():
                    agent.restarted()
            case (f.CallerAnnounced() | f.CallerAbandoned() | f.CallHeld() | f.CallUnheld() | f.CallTransferred()
                  | f.CallRefused() | f.CallOverflowed() | f.CallbackRequested() | f.CallbackAnswered()
                  | f.CallbackNotReached() | f.CallbackGivenUp() | f.CallRestored() | f.EngineStopping()
                  | f.EngineStopped() | f.AcdRestored()):
                pass
            case _:
                assert_never(fact)
