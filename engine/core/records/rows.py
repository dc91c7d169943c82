"""The rows the call-record projection writes (engine/core/records/projection.py), as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    VOICEMAIL = "voicemail"
    REFUSED = "refused"
    CALLBACK_GIVEN_UP = "callback_given_up"
    LOST = "lost"  # open when the engine stopped, gone when it came back, neither waiting nor talking


class Kind(StrEnum):
    QUEUE = "queue"
    AGENT = "agent"
    CALLBACK = "callback"


class Result(StrEnum):
    """How a segment ended. Agent and callback legs that fail end with the failure itself (no_answer,
    busy, unreachable, congestion, no_contact: engine.core.acd.events.LegFailure)."""

    ANSWERED = "answered"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    OVERFLOWED = "overflowed"
    REFUSED = "refused"
    TRANSFERRED = "transferred"
    CALLBACK = "callback"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CallRow:
    call_id: str
    started_at: float
    dialed_number: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    ended_at: float | None = None
    outcome: str | None = None
    direction: str = "inbound"


@dataclass(frozen=True, slots=True)
class SegmentRow:
    call_id: str
    key: str
    kind: Kind
    entered_at: float
    queue: str | None = None
    agent_id: str | None = None
    leg_id: str | None = None
    left_at: float | None = None
    position_entry: int | None = None
    position_exit: int | None = None
    result: str | None = None
    detail: str | None = None
    ring_s: float | None = None
    talk_s: float | None = None
    hold_s: float | None = None
    wrapup_s: float | None = None


@dataclass(frozen=True, slots=True)
class WrapUpRecorded:
    """The wrap-up after the agent's last answered leg of this call, when the projection does not have that
    leg (it ended before a restart): applied by (call, agent), not by key."""

    call_id: str
    agent_id: str
    wrapup_s: float


@dataclass(frozen=True, slots=True)
class QueueLogLine:
    seq: int
    line: int
    at: float
    queue: str
    verb: str
    data: tuple[str, ...] = ()
    call_id: str | None = None
    agent_id: str | None = None


RowOp = CallRow | SegmentRow | WrapUpRecorded | QueueLogLine


def queue_log_text(line: QueueLogLine) -> str:
    """The line as Asterisk writes it to its queue_log file."""
    head = [str(int(line.at)), line.call_id or "NONE", line.queue, line.agent_id or "NONE", line.verb]
    return "|".join([*head, *line.data])
