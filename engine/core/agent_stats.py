"""Per-agent statistics, from the ACD's facts in stream order. Pure: feed records, read figures.

For each agent, for the current 15-minute interval, the hour and today (local, in the center's time zone,
keyed as the queue statistics are: stats.interval_keys): calls handled (answered), talk and wrap-up seconds,
and time *staffed* (available, or busy with a call whatever the status) of which *busy* (reserved, ringing,
on a call, in wrap-up). Occupancy = busy / staffed: the share of the time an agent could take calls that
they spent on calls. A span of time is cut at quarter-hour boundaries (every real time zone's offset is a
whole number of quarter hours, so these are local interval, hour and day boundaries too) and each piece
counts where it falls; the span still open is counted up to the moment figures are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import assert_never
from zoneinfo import ZoneInfo

from engine.core import facts as f
from engine.core.agent_fsm import AgentState, AgentStatus
from engine.core.stats import interval_keys

_BUSY = {AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP}
QUARTER_S = 900.0


@dataclass(slots=True)
class AgentCounters:
    handled: int = 0
    talk_s: float = 0.0
    wrapup_s: float = 0.0
    staffed_s: float = 0.0
    busy_s: float = 0.0

    @property
    def occupancy(self) -> float | None:
        return None if self.staffed_s <= 0 else self.busy_s / self.staffed_s

    def as_json(self) -> dict[str, object]:
        return {"handled": self.handled, "talk_s": round(self.talk_s, 1), "wrapup_s": round(self.wrapup_s, 1),
                "staffed_s": round(self.staffed_s, 1), "busy_s": round(self.busy_s, 1),
                "occupancy": None if self.occupancy is None else round(self.occupancy, 3)}


@dataclass(slots=True)
class _Presence:
    status: AgentStatus = AgentStatus.LOGGED_OUT
    state: AgentState = AgentState.IDLE
    since: float = 0.0


class AgentStats:
    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        self.counters: dict[tuple[str, str], AgentCounters] = {}  # (agent, interval key) -> figures
        self._presence: dict[str, _Presence] = {}
        self.last_seq = 0
        self._last_at: float | None = None

    def keys(self, at: float) -> tuple[str, str, str]:
        return interval_keys(at, self._zone)

    def feed(self, records: Iterable[f.Stamped]) -> None:
        for record in records:
            if record.seq <= self.last_seq:
                continue
            self.last_seq = record.seq
            self._apply(record.fact, record.at)
            self._last_at = record.at

    def _apply(self, fact: f.Fact, at: float) -> None:
        match fact:
            case f.EngineStarted():
                if self._last_at is not None:
                    self.resume(self._last_at, at)  # a restart in the history: the gap is nobody's
            case f.AgentStatusChanged(agent_id=agent, status=status):
                presence = self._presence.setdefault(agent, _Presence(since=at))
                self._close_span(agent, presence, at)
                presence.status = status
            case f.AgentStateChanged(agent_id=agent, state=state):
                presence = self._presence.setdefault(agent, _Presence(since=at))
                self._close_span(agent, presence, at)
                presence.state = state
            case f.AgentConnected(agent_id=agent):
                for counters in self._counters(agent, at):
                    counters.handled += 1
            case f.CallCompleted(agent_id=agent, talk_s=talk_s):
                if agent is not None:
                    for counters in self._counters(agent, at):
                        counters.talk_s += talk_s
            case f.AgentWrapUpEnded(agent_id=agent, wrapup_s=wrapup_s):
                for counters in self._counters(agent, at):
                    counters.wrapup_s += wrapup_s
            case (f.CallStarted() | f.CallerEnqueued() | f.CallerAnnounced() | f.AgentOffered() | f.AgentRinging()
                  | f.AgentMissed() | f.AgentOfferCancelled() | f.CallerAbandoned() | f.CallHeld() | f.CallUnheld()
                  | f.CallTransferred() | f.CallRefused() | f.CallOverflowed() | f.CallbackRequested()
                  | f.CallbackDialed() | f.CallbackAnswered() | f.CallbackNotReached() | f.CallbackGivenUp()
                  | f.CallRestored() | f.AgentDeviceBusy() | f.AgentDeviceFree() | f.AgentReachable()
                  | f.AgentUnreachable()
                  | f.AgentMadeBusy() | f.AgentBusyEnded() | f.EngineStopping() | f.EngineStopped() | f.AcdRestored()):
                pass
            case _:
                assert_never(fact)

    def _counters(self, agent: str, at: float) -> list[AgentCounters]:
        return [self.counters.setdefault((agent, key), AgentCounters()) for key in self.keys(at)]

    def _close_span(self, agent: str, presence: _Presence, now: float) -> None:
        busy = presence.state in _BUSY
        if busy or presence.status is AgentStatus.AVAILABLE:
            for start, seconds in _pieces(presence.since, now):
                for counters in self._counters(agent, start):
                    counters.staffed_s += seconds
                    counters.busy_s += seconds if busy else 0.0
        presence.since = now

    def resume(self, stopped_at: float, now: float) -> None:
        """A restarted engine: spans open when the previous run stopped end then; the time it was away is
        nobody's (unknown), and counting starts again at `now`."""
        for agent, presence in self._presence.items():
            self._close_span(agent, presence, max(presence.since, stopped_at))
            presence.since = now

    def today(self, agent: str, now: float) -> AgentCounters:
        return self.at(agent, now)[2]

    def at(self, agent: str, now: float) -> tuple[AgentCounters, AgentCounters, AgentCounters]:
        """The agent's figures for the interval, the hour and the day of `now`, the open span included."""
        keys = self.keys(now)
        figures = {key: AgentCounters() for key in keys}
        for key, current in figures.items():
            kept = self.counters.get((agent, key))
            if kept is not None:
                current.handled, current.talk_s, current.wrapup_s = kept.handled, kept.talk_s, kept.wrapup_s
                current.staffed_s, current.busy_s = kept.staffed_s, kept.busy_s
        presence = self._presence.get(agent)
        if presence is not None and (presence.state in _BUSY or presence.status is AgentStatus.AVAILABLE):
            for start, seconds in _pieces(presence.since, now):
                for key in self.keys(start):
                    if key in figures:
                        figures[key].staffed_s += seconds
                        figures[key].busy_s += seconds if presence.state in _BUSY else 0.0
        return figures[keys[0]], figures[keys[1]], figures[keys[2]]

    def current(self, agent: str, now: float) -> dict[str, dict[str, object]]:
        return {name: figures.as_json() for name, figures in zip(("interval", "hour", "today"), self.at(agent, now),
                                                                   strict=True)}


def _pieces(start: float, end: float) -> list[tuple[float, float]]:
    """[start, end) cut at quarter-hour boundaries: (piece start, seconds)."""
    pieces = []
    while start < end:
        boundary = min(end, (start // QUARTER_S + 1) * QUARTER_S)
        pieces.append((start, boundary - start))
        start = boundary
    return pieces
