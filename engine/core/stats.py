"""Queue statistics computed from the ACD's facts, in stream order. Pure: feed records, read figures.

Counting follows call-center practice and the segment model: every queue visit is one *offered* call in
that queue (an overflowed call is offered in both queues and answered in one), counted in the interval in
which it *entered* the queue, in the center's time zone. A call turned away at a queue's door (full, nobody
logged in, the estimated wait too long) is a visit of no length there: offered, and overflowed or refused.
For each interval:

- offered: queue visits that began in it; answered / abandoned / overflowed / refused (the engine hung up:
  max wait or full with nowhere to go) / callbacks (the caller asked to be called back): how they ended;
- short abandons: abandoned within `short_abandon_s` (5 s) of entering; counted apart and left out of
  the service level, since nobody could have answered them;
- service level: answered within the queue's target / (offered - short abandons), over the visits
  that have ended (a visit still waiting is not yet a success or a failure);
- ASA: mean wait of answered visits; AHT: mean talk + wrap-up of calls completed from a visit answered
  in the queue, counted when the agent's wrap-up ends (AgentWrapUpEnded);
- calls waiting and longest wait are live figures, not per interval.

These are the figures engine/store/kpis.py computes in SQL from `call_segments`; the tests hold the two
to the same numbers.

Intervals: the current 15-minute interval, the current hour and today, each keyed by its local start.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from engine.core import facts as f

SHORT_ABANDON_S = 5.0
# Facts after which a call no longer waits in the queue it names, unanswered; the last two may also turn a
# call away at the door of a queue it never waited in.
Leaving = f.CallerAbandoned | f.CallbackRequested | f.CallOverflowed | f.CallRefused


def interval_keys(at: float, zone: ZoneInfo) -> tuple[str, str, str]:
    """The current 15-minute interval, hour and day of `at`, each keyed by its local start."""
    keys = _quarter_keys(int(at // _QUARTER_S), zone)
    return keys if keys is not None else _local_keys(at, zone)


_QUARTER_S = 900


@functools.lru_cache(maxsize=4096)
def _quarter_keys(quarter: int, zone: ZoneInfo) -> tuple[str, str, str] | None:
    """The keys of every instant of a UTC quarter hour: the same for all of them when the zone's offset is one
    whole number of quarter hours throughout (as every zone's is today), else None (each instant its own).
    Computed once per quarter: the statistics ask for every fact, and a local date costs microseconds."""
    start = quarter * _QUARTER_S
    first, last = datetime.fromtimestamp(start, zone), datetime.fromtimestamp(start + _QUARTER_S - 1, zone)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset.total_seconds() % _QUARTER_S:
        return None
    return _local_keys(start, zone)


def _local_keys(at: float, zone: ZoneInfo) -> tuple[str, str, str]:
    local = datetime.fromtimestamp(at, zone)
    quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    return (
        f"15m:{quarter:%Y-%m-%dT%H:%M}",
        f"hour:{local:%Y-%m-%dT%H}",
        f"day:{local:%Y-%m-%d}",
    )


@dataclass(slots=True)
class Counters:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    overflowed: int = 0
    refused: int = 0
    callbacks: int = 0
    wait_answered_s: float = 0.0
    handled: int = 0
    handle_s: float = 0.0

    @property
    def service_level(self) -> float | None:
        ended = self.answered + self.abandoned - self.short_abandoned + self.overflowed + self.refused + self.callbacks
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
            "short_abandoned": self.short_abandoned, "overflowed": self.overflowed, "refused": self.refused,
            "callbacks": self.callbacks,
            "service_level": self.service_level, "asa_s": self.asa_s, "aht_s": self.aht_s,
        }


@dataclass(slots=True)
class _Visit:
    queue: str
    entered_at: float
    interval_keys: tuple[str, ...]
    answered: bool = False
    talk_s: float = 0.0


class QueueStats:
    def __init__(self, timezone: str, service_level_s: dict[str, float] | None = None) -> None:
        self._zone = ZoneInfo(timezone)
        self._targets = service_level_s or {}
        # (queue, interval key) -> counters; interval key like "15m:2026-11-25T10:15" or "day:2026-11-25".
        self.counters: dict[tuple[str, str], Counters] = {}
        self._visits: dict[str, _Visit] = {}  # call id -> its current queue visit
        self._completed: dict[str, _Visit] = {}  # call id -> answered visit whose wrap-up is pending
        # Visits open when the engine stopped: back in `_visits` if the restarted engine restores the call.
        self._suspended: dict[str, _Visit] = {}
        self.last_seq = 0

    def interval_keys(self, at: float) -> tuple[str, str, str]:
        return interval_keys(at, self._zone)

    def feed(self, records: Iterable[f.Stamped]) -> None:
        for record in records:
            if record.seq <= self.last_seq:
                continue  # already counted: replays and live deltas may overlap
            self.last_seq = record.seq
            self._apply(record)

    def _bump(self, visit: _Visit) -> list[Counters]:
        return [self.counters.setdefault((visit.queue, key), Counters()) for key in visit.interval_keys]

    def restarted(self) -> None:
        """The engine started again: what it was following is unknown until it restores the call."""
        self._suspended.update(self._visits)
        self._visits.clear()

    def _apply(self, record: f.Stamped) -> None:
        fact, at = record.fact, record.at
        match fact:
            case f.EngineStarted():
                self.restarted()
            case f.CallRestored(call_id=call_id):
                if (visit := self._suspended.pop(call_id, None)) is not None:
                    self._visits[call_id] = visit
            case f.CallerEnqueued(call_id=call_id, queue=queue):
                self._visits[call_id] = self._enter(queue, at)
            case f.CallerAbandoned() | f.CallbackRequested() | f.CallOverflowed() | f.CallRefused():
                self._leave(fact, at)
            case f.AgentWrapUpEnded():
                self._wrap_up_ended(fact)
            case f.AgentConnected(call_id=call_id):
                visit = self._visits.get(call_id)
                if visit is not None and not visit.answered:  # not again for a transfer to an agent
                    waited = at - visit.entered_at
                    within = waited <= self._targets.get(visit.queue, 20.0)
                    visit.answered = True
                    for counters in self._bump(visit):
                        counters.answered += 1
                        counters.answered_in_target += within
                        counters.wait_answered_s += waited
            case f.CallCompleted(call_id=call_id, talk_s=talk_s):
                visit = self._visits.pop(call_id, None)
                if visit is not None:
                    visit.talk_s = talk_s
                    if visit.answered:
                        self._completed[call_id] = visit
            case (f.CallStarted() | f.CallerAnnounced() | f.AgentOffered() | f.AgentRinging() | f.AgentMissed()
                  | f.AgentOfferCancelled() | f.CallHeld() | f.CallUnheld() | f.CallTransferred() | f.CallbackDialed()
                  | f.CallbackAnswered() | f.CallbackNotReached() | f.CallbackGivenUp() | f.AgentStatusChanged()
                  | f.AgentStateChanged() | f.AgentDeviceBusy() | f.AgentDeviceFree() | f.AgentReachable()
                  | f.AgentUnreachable()
                  | f.AgentMadeBusy() | f.AgentBusyEnded() | f.EngineStopping() | f.EngineStopped() | f.AcdRestored()):
                pass
            case _:
                assert_never(fact)

    def _leave(self, fact: Leaving, at: float) -> None:
        """The call leaves the queue unanswered, from its place in line or turned away at the door."""
        visit = self._visits.get(fact.call_id)
        turned_away = isinstance(fact, f.CallOverflowed | f.CallRefused)
        if visit is None or visit.answered or visit.queue != fact.queue:
            if not turned_away:
                return  # an abandon or a callback with no place in this line: no visit to end
            visit = self._enter(fact.queue, at)
        waited = at - visit.entered_at
        abandoned = isinstance(fact, f.CallerAbandoned)
        for counters in self._bump(visit):
            counters.abandoned += abandoned
            counters.short_abandoned += abandoned and waited < SHORT_ABANDON_S
            counters.overflowed += isinstance(fact, f.CallOverflowed)
            counters.refused += isinstance(fact, f.CallRefused)
            counters.callbacks += isinstance(fact, f.CallbackRequested)
        self._visits.pop(fact.call_id, None)

    def _enter(self, queue: str, at: float) -> _Visit:
        visit = _Visit(queue, at, self.interval_keys(at))
        for counters in self._bump(visit):
            counters.offered += 1
        return visit

    def _wrap_up_ended(self, fact: f.AgentWrapUpEnded) -> None:
        # Handle time = talk + wrap-up, counted when the agent's wrap-up of the call ends.
        visit = self._completed.pop(fact.call_id, None)
        if visit is None:
            return
        for counters in self._bump(visit):
            counters.handled += 1
            counters.handle_s += visit.talk_s + fact.wrapup_s

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

