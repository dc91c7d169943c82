"""What the call-record projection remembers of each open call, and the fact it is applying."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.core.event_record import EventRecord
from engine.core.records.rows import CallRow, QueueLogLine, RowOp, SegmentRow


@dataclass(slots=True)
class LegState:
    row: SegmentRow
    connected_at: float | None = None
    wait_s: float | None = None  # the caller's wait in queue when this leg answered
    orig_position: int | None = None
    held_since: float | None = None
    hold_s: float = 0.0
    restored: bool = False  # connected before a restart, found still connected after it


@dataclass(slots=True)
class CallState:
    row: CallRow
    caller_leg: str | None = None  # the caller's channel (none while a callback waits)
    visit: SegmentRow | None = None  # the open queue visit
    position: int | None = None  # its last known place in line
    entry_position: int | None = None  # where the latest visit began, for ABANDON/COMPLETE* origposition
    offers: dict[str, LegState] = field(default_factory=dict)  # agent legs ringing
    talking: LegState | None = None
    callback: SegmentRow | None = None  # a dial-back attempt under way


@dataclass(slots=True)
class Applying:
    """One record being applied: its fields, and the rows it produces."""

    record: EventRecord
    out: list[RowOp]
    lines: int = 0
    when: float | None = None  # when what it records happened, if not when it was received

    @property
    def at(self) -> float:
        return self.record.received_at if self.when is None else self.when

    def number(self, key: str) -> float | None:
        value = self.record.body.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def integer(self, key: str) -> int | None:
        value = self.number(key)
        return None if value is None else int(value)

    def text(self, key: str) -> str | None:
        value = self.record.body.get(key)
        return None if value is None else str(value)

    def log(self, queue: str | None, verb: str, *data: Any, agent_id: str | None = None,
            call_id: str | None = None) -> None:
        self.out.append(QueueLogLine(self.record.seq, self.lines, self.at, queue or "NONE", verb,
                                     tuple("" if d is None else str(d) for d in data), call_id, agent_id))
        self.lines += 1


def first_known(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)


def whole_seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def millis(value: float | None) -> int | None:
    return None if value is None else round(value * 1000)
