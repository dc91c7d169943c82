"""The engine's health, as `/api/health` reports it: the worst state of its parts, with the figures behind it.

Each part gives a `Check` (a level and its details); the engine's status is the worst level among them:
- ok: nothing to watch;
- degraded: calls are still routed, but something needs an operator's eye (the event writer past half its
  capacity; when full, new callers go to the dialplan's fallback queue instead of the engine);
- down: the engine cannot do its job. Only this answers HTTP 503, so that a supervisor or a load balancer acts
  on it; a degraded engine answers 200, because restarting it would drop the calls it holds and cure nothing
  (a slow PostgreSQL stays slow).
The event writer is the one part checked today; the AMI and ARI links will add theirs the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol

from engine.store.event_writer import Pressure


class Level(IntEnum):
    """Ordered: the engine's status is the highest level of its checks."""

    OK = 0
    DEGRADED = 1
    DOWN = 2

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    level: Level
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Health:
    level: Level
    checks: tuple[Check, ...]

    @property
    def status(self) -> str:
        return self.level.word

    @property
    def http_status(self) -> int:
        return http_status(self.status)

    def details(self) -> dict[str, dict[str, Any]]:
        return {check.name: {"status": check.level.word, **check.details} for check in self.checks}


def health(*checks: Check) -> Health:
    return Health(max((check.level for check in checks), default=Level.OK), checks)


def http_status(status: str) -> int:
    """The HTTP status of a health report whose "status" is `status`: 503 only when the engine is down."""
    return 503 if status == Level.DOWN.word else 200


class WriterGauge(Protocol):
    """What the health needs of the event writer (engine/store/event_writer.py), read without awaiting."""

    @property
    def backlog(self) -> int: ...

    @property
    def capacity(self) -> int: ...

    @property
    def pressure(self) -> Pressure: ...

    @property
    def over_capacity(self) -> int: ...


_WRITER_LEVEL = {Pressure.OK: Level.OK, Pressure.DEGRADED: Level.DEGRADED, Pressure.FULL: Level.DEGRADED}


def writer_check(writer: WriterGauge) -> Check:
    pressure = writer.pressure
    details: dict[str, Any] = {
        "pressure": pressure.value,
        "backlog": writer.backlog,
        "capacity": writer.capacity,
        # Where a caller arriving now goes: the engine, or the dialplan's fallback queue.
        "new_callers": "fallback" if pressure is Pressure.FULL else "engine",
    }
    if writer.over_capacity:
        details["over_capacity"] = writer.over_capacity
    return Check("event_writer", _WRITER_LEVEL[pressure], details)
