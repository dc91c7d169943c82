"""An agent's two state machines, kept apart as FreeSWITCH's mod_callcenter keeps them.

*Status* is what the agent (or a supervisor) says: logged out, available, on break (with a reason).
*State* is what the engine knows the agent is doing: idle, reserved, ringing, on call, wrap-up.
An agent is offered a call only when status is AVAILABLE and state is IDLE (and, outside this module,
their softphone is reachable and not busy). The two move independently: an agent may go on break or log
out in the middle of a call; that takes effect for routing at once (no new offers) while the call runs on.

Each machine is a table `(from, trigger) -> to`; a pair missing from the table is an illegal transition
and raises `IllegalTransition` naming the state and the trigger, so a bug surfaces at the step that
caused it instead of as a stuck agent later.

Status table (rows: from; columns: trigger):

| from \\ trigger | LOGIN     | READY     | BREAK     | LOGOUT     |
|-----------------|-----------|-----------|-----------|------------|
| LOGGED_OUT      | AVAILABLE | -         | -         | LOGGED_OUT |
| AVAILABLE       | AVAILABLE | AVAILABLE | ON_BREAK  | LOGGED_OUT |
| ON_BREAK        | ON_BREAK  | AVAILABLE | ON_BREAK  | LOGGED_OUT |

(LOGIN while logged in and LOGOUT while logged out are harmless repeats, so they are allowed and change
nothing; READY or BREAK while logged out are refused: the agent must log in first.)

State table:

| from \\ trigger | RESERVE  | RING    | ANSWER  | NO_ANSWER | RELEASE | HANG_UP  | WRAP_UP_END |
|-----------------|----------|---------|---------|-----------|---------|----------|-------------|
| IDLE            | RESERVED | -       | -       | -         | -       | -        | -           |
| RESERVED        | -        | RINGING | ON_CALL | IDLE      | IDLE    | -        | -           |
| RINGING         | -        | RINGING | ON_CALL | IDLE      | IDLE    | -        | -           |
| ON_CALL         | -        | -       | -       | -         | -       | WRAP_UP  | -           |
| WRAP_UP         | -        | -       | -       | -         | -       | -        | IDLE        |

RELEASE is the engine letting go of a reservation for a reason that is not the agent's (the caller hung
up, the call went to another agent of a ring-all). NO_ANSWER is the agent's miss (ring timeout, busy,
rejected) and counts towards the no-answer break. ANSWER straight from RESERVED covers a phone that
answers before any ringing is reported (auto-answer). WRAP_UP_END comes from the wrap-up timer or from
the agent's `ready`; a queue with no wrap-up goes through WRAP_UP with a zero timer, so one path serves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class AgentStatus(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    ON_BREAK = "on_break"


class StatusTrigger(StrEnum):
    LOGIN = "login"
    READY = "ready"
    BREAK = "break"
    LOGOUT = "logout"


class AgentState(StrEnum):
    IDLE = "idle"
    RESERVED = "reserved"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"


class StateTrigger(StrEnum):
    RESERVE = "reserve"
    RING = "ring"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    RELEASE = "release"
    HANG_UP = "hang_up"
    WRAP_UP_END = "wrap_up_end"


S, T = AgentStatus, StatusTrigger
STATUS_TRANSITIONS: dict[tuple[AgentStatus, StatusTrigger], AgentStatus] = {
    (S.LOGGED_OUT, T.LOGIN): S.AVAILABLE,
    (S.LOGGED_OUT, T.LOGOUT): S.LOGGED_OUT,
    (S.AVAILABLE, T.LOGIN): S.AVAILABLE,
    (S.AVAILABLE, T.READY): S.AVAILABLE,
    (S.AVAILABLE, T.BREAK): S.ON_BREAK,
    (S.AVAILABLE, T.LOGOUT): S.LOGGED_OUT,
    (S.ON_BREAK, T.LOGIN): S.ON_BREAK,
    (S.ON_BREAK, T.READY): S.AVAILABLE,
    (S.ON_BREAK, T.BREAK): S.ON_BREAK,
    (S.ON_BREAK, T.LOGOUT): S.LOGGED_OUT,
}

A, G = AgentState, StateTrigger
STATE_TRANSITIONS: dict[tuple[AgentState, StateTrigger], AgentState] = {
    (A.IDLE, G.RESERVE): A.RESERVED,
    (A.RESERVED, G.RING): A.RINGING,
    (A.RESERVED, G.ANSWER): A.ON_CALL,
    (A.RESERVED, G.NO_ANSWER): A.IDLE,
    (A.RESERVED, G.RELEASE): A.IDLE,
    (A.RINGING, G.RING): A.RINGING,
    (A.RINGING, G.ANSWER): A.ON_CALL,
    (A.RINGING, G.NO_ANSWER): A.IDLE,
    (A.RINGING, G.RELEASE): A.IDLE,
    (A.ON_CALL, G.HANG_UP): A.WRAP_UP,
    (A.WRAP_UP, G.WRAP_UP_END): A.IDLE,
}
del S, T, A, G


class IllegalTransition(ValueError):
    def __init__(self, machine: str, agent_id: str, state: str, trigger: str) -> None:
        super().__init__(f"agent {agent_id}: {machine} '{state}' does not accept '{trigger}'")
        self.state = state
        self.trigger = trigger


@dataclass(frozen=True, slots=True)
class AgentPresence:
    """Where one agent stands, with the time each half began (for longest-idle and the wallboard)."""

    agent_id: str
    status: AgentStatus = AgentStatus.LOGGED_OUT
    status_since: float = 0.0
    break_reason: str | None = None
    state: AgentState = AgentState.IDLE
    state_since: float = 0.0
    # Consecutive ring-no-answers; reset by an answer or by the agent saying ready.
    missed_in_a_row: int = 0

    @property
    def offerable(self) -> bool:
        return self.status is AgentStatus.AVAILABLE and self.state is AgentState.IDLE

    def with_status(self, trigger: StatusTrigger, now: float, reason: str | None = None) -> AgentPresence:
        target = STATUS_TRANSITIONS.get((self.status, trigger))
        if target is None:
            raise IllegalTransition("status", self.agent_id, self.status, trigger)
        if trigger is StatusTrigger.BREAK and not reason:
            raise ValueError(f"agent {self.agent_id}: a break needs a reason code")
        changed = target is not self.status or (target is AgentStatus.ON_BREAK and reason != self.break_reason)
        return replace(
            self,
            status=target,
            status_since=now if changed else self.status_since,
            break_reason=reason if target is AgentStatus.ON_BREAK else None,
            missed_in_a_row=0 if trigger is StatusTrigger.READY else self.missed_in_a_row,
        )

    def with_state(self, trigger: StateTrigger, now: float) -> AgentPresence:
        target = STATE_TRANSITIONS.get((self.state, trigger))
        if target is None:
            raise IllegalTransition("state", self.agent_id, self.state, trigger)
        missed = self.missed_in_a_row
        if trigger is StateTrigger.NO_ANSWER:
            missed += 1
        elif trigger is StateTrigger.ANSWER:
            missed = 0
        return replace(
            self,
            state=target,
            state_since=now if target is not self.state else self.state_since,
            missed_in_a_row=missed,
        )
