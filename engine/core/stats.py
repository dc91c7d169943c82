"""Queue statistics computed from the ACD's facts, in stream order. Pure: feed records, read figures.

Counting follows call-center practice and the segment model: every queue visit is one *offered* call in
that queue (an overflowed call is offered in both queues and answered in one), counted in the interval in
which it *entered* the queue, in the center's time zone. For each interval:

- offered: queue visits that began in it; answered / abandoned / overflowed: how those visits ended;
- short abandons: abandoned within `short_abandon_s` (5 s) of entering; counted apart and left out of
  the service level, since nobody could have answered them;
- service level: answered within the queue's target / (offered - short abandons), over the visits
  that have ended (a visit still waiting is not yet a success or a failure);
- ASA: mean wait of answered visits; AHT: mean talk + wrap-up of completed calls;
- calls waiting and longest wait are live figures, not per interval.

Intervals: the current 15-minute interval, the current hour and today, each keyed by its local start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

SHORT_ABANDON_S = 5.0


@dataclass(frozen=True, slots=True)
class FactRecord:
    """A stored ACD fact as the statistics need it (built from an `events` row or a live event)."""

    seq: int
    at: float
    kind: str
    call_id: str | None = None
    queue: str | None = None
    agent_id: str | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Counters:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    overflowed: int = 0
    wait_answered_s: float = 0.0
    handled: int = 0
    handle_s: float = 0.0

    @property
    def service_level(self) -> float | None:
        ended = self.answered + self.abandoned - self.short_abandoned + self.overflowed
        return None if ended == 0 else self.answered_in_target / ended

    @property
    def asa_s(self) -> float | None:
        return None if self.answered == 0 else self.wait_answered_s / self.answered

    @property
    def aht_s(self) -> float | None:
        return None if self.handled == 0 else self.handle_s / self.handled

    def as_json(self) -> dict[str, object]:
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned, "overflowed": self.overflowed,
            "service_level": self.service_level, "asa_s": self.asa_s, "aht_s": self.aht_s,
        }


@dataclass(slots=True)
class _Visit:
    queue: str
    entered_at: float
    interval_keys: tuple[str, ...]
    answered: bool = False
    talk_s: float = 0.0
    completed_at: float = 0.0


class QueueStats:
    def __init__(self, timezone: str, service_level_s: dict[str, float] | None = None) -> None:
        self._zone = ZoneInfo(timezone)
        self._targets = service_level_s or {}
        # (queue, interval key) -> counters; interval key like "15m:2026-11-25T10:15" or "day:2026-11-25".
        self.counters: dict[tuple[str, str], Counters] = {}
        self._visits: dict[str, _Visit] = {}  # call id -> its current queue visit
        self._talking: dict[str, _Visit] = {}  # agent id -> visit whose wrap-up is pending
        self.last_seq = 0

    def interval_keys(self, at: float) -> tuple[str, str, str]:
        local = datetime.fromtimestamp(at, self._zone)
        quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        return (
            f"15m:{quarter:%Y-%m-%dT%H:%M}",
            f"hour:{local:%Y-%m-%dT%H}",
            f"day:{local:%Y-%m-%d}",
        )

    def feed(self, records: Iterable[FactRecord]) -> None:
        for record in records:
            if record.seq <= self.last_seq:
                continue  # already counted: replays and live deltas may overlap
            self.last_seq = record.seq
            self._apply(record)

    def _bump(self, visit: _Visit) -> list[Counters]:
        return [self.counters.setdefault((visit.queue, key), Counters()) for key in visit.interval_keys]

    def _apply(self, record: FactRecord) -> None:
        kind, call_id = record.kind, record.call_id
        if kind == "CallerEnqueued" and call_id and record.queue:
            entered = _Visit(record.queue, record.at, self.interval_keys(record.at))
            self._visits[call_id] = entered
            for counters in self._bump(entered):
                counters.offered += 1
            return
        visit = self._visits.get(call_id or "")
        if visit is None:
            if kind == "AgentStateChanged" and record.agent_id in self._talking:
                self._wrap_up_ended(record)
            return
        waited = record.at - visit.entered_at
        if kind == "AgentConnected":
            within = waited <= self._targets.get(visit.queue, 20.0)
            visit.answered = True
            for counters in self._bump(visit):
                counters.answered += 1
                counters.answered_in_target += within
                counters.wait_answered_s += waited
        elif kind == "CallerAbandoned":
            for counters in self._bump(visit):
                counters.abandoned += 1
                counters.short_abandoned += waited < SHORT_ABANDON_S
            del self._visits[call_id or ""]
        elif kind == "CallOverflowed":
            for counters in self._bump(visit):
                counters.overflowed += 1
            del self._visits[call_id or ""]
        elif kind == "CallCompleted":
            talk = record.data.get("talk_s")
            visit.talk_s = float(talk) if isinstance(talk, int | float) else 0.0
            visit.completed_at = record.at
            del self._visits[call_id or ""]
            if record.agent_id:
                self._talking[record.agent_id] = visit
        elif kind == "AgentStateChanged" and record.agent_id in self._talking:
            self._wrap_up_ended(record)

    def _wrap_up_ended(self, record: FactRecord) -> None:
        # Handle time = talk + wrap-up, counted when the agent leaves wrap-up (back to idle).
        if record.data.get("state") != "idle":
            return
        visit = self._talking.pop(record.agent_id or "")
        for counters in self._bump(visit):
            counters.handled += 1
            counters.handle_s += visit.talk_s + (record.at - visit.completed_at)

    def waiting(self, now: float) -> dict[str, tuple[int, float]]:
        """Per queue: calls waiting (not yet answered) and the longest wait, live."""
        figures: dict[str, tuple[int, float]] = {}
        for visit in self._visits.values():
            if visit.answered:
                continue
            count, longest = figures.get(visit.queue, (0, 0.0))
            figures[visit.queue] = (count + 1, max(longest, now - visit.entered_at))
        return figures

    def current(self, queue: str, at: float) -> dict[str, dict[str, object]]:
        names = ("interval", "hour", "today")
        return {
            name: self.counters.get((queue, key), Counters()).as_json()
            for name, key in zip(names, self.interval_keys(at), strict=True)
        }

