"""Per-agent statistics for today, from the ACD's facts in stream order. Pure: feed records, read figures.

For each agent and local day (the center's time zone): calls handled (answered), talk and wrap-up seconds,
and time *staffed* (available, or busy with a call whatever the status) of which *busy* (reserved, ringing,
on a call, in wrap-up). Occupancy = busy / staffed: the share of the time an agent could take calls that
they spent on calls. A span of time is counted in the day it began (a span across midnight is rare, and
short). The figures of the span still open are added up to the moment they are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.core.stats import FactRecord

_BUSY = {"reserved", "ringing", "on_call", "wrap_up"}


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
    status: str = "logged_out"
    state: str = "idle"
    since: float = 0.0


class AgentStats:
    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        self.counters: dict[tuple[str, str], AgentCounters] = {}
        self._presence: dict[str, _Presence] = {}
        self.last_seq = 0

    def day_of(self, at: float) -> str:
        return datetime.fromtimestamp(at, self._zone).strftime("%Y-%m-%d")

    def feed(self, records: Iterable[FactRecord]) -> None:
        for record in records:
            if record.seq <= self.last_seq or record.agent_id is None:
                continue
            self.last_seq = record.seq
            self._apply(record)

    def _apply(self, record: FactRecord) -> None:
        agent, kind, data = record.agent_id or "", record.kind, record.data
        if kind in ("AgentStatusChanged", "AgentStateChanged"):
            presence = self._presence.setdefault(agent, _Presence(since=record.at))
            self._close_span(agent, presence, record.at)
            if kind == "AgentStatusChanged":
                presence.status = str(data.get("status", presence.status))
            else:
                presence.state = str(data.get("state", presence.state))
            return
        counters = self._counters(agent, record.at)
        if kind == "AgentConnected":
            counters.handled += 1
        elif kind == "CallCompleted" and isinstance(talk := data.get("talk_s"), int | float):
            counters.talk_s += talk
        elif kind == "AgentWrapUpEnded" and isinstance(wrapup := data.get("wrapup_s"), int | float):
            counters.wrapup_s += wrapup

    def _counters(self, agent: str, at: float) -> AgentCounters:
        return self.counters.setdefault((agent, self.day_of(at)), AgentCounters())

    def _close_span(self, agent: str, presence: _Presence, now: float) -> None:
        seconds = max(0.0, now - presence.since)
        busy = presence.state in _BUSY
        if seconds and (busy or presence.status == "available"):
            counters = self._counters(agent, presence.since)
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
        """The agent's figures for the day of `now`, the open span included."""
        kept = self.counters.get((agent, self.day_of(now)), AgentCounters())
        figures = AgentCounters(kept.handled, kept.talk_s, kept.wrapup_s, kept.staffed_s, kept.busy_s)
        presence = self._presence.get(agent)
        if presence is not None and self.day_of(presence.since) == self.day_of(now):
            busy = presence.state in _BUSY
            if busy or presence.status == "available":
                figures.staffed_s += max(0.0, now - presence.since)
                figures.busy_s += max(0.0, now - presence.since) if busy else 0.0
        return figures
