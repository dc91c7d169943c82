"""What the ACD's support modules (announcing, callbacks, overflow, restore, transfers) may ask of the ACD.

They own their part of the logic and are handed the ACD through this protocol, so none imports machine.py
back: the dependency runs one way, machine -> support module -> context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from engine.core.acd.commands import AcdCommand
from engine.core.acd.config import QueueConfig
from engine.core.acd.events import CallEnqueued
from engine.core.acd.state import CallPhase, CallRecord
from engine.core.calls import CallBook
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.presence import AgentRecord
from engine.core.presence.roster import Roster


class AcdContext(Protocol):
    @property
    def queues(self) -> Mapping[QueueName, QueueConfig]: ...

    @property
    def agents(self) -> Mapping[AgentId, AgentRecord]: ...

    @property
    def calls(self) -> dict[CallId, CallRecord]: ...

    @property
    def roster(self) -> Roster: ...

    @property
    def book(self) -> CallBook: ...

    def call_with_leg(self, leg_id: LegId) -> CallRecord | None: ...

    def position(self, call: CallRecord) -> int: ...

    def estimate(self, queue: QueueConfig, position: int) -> float | None: ...

    def wait_in_line(self, call: CallRecord, phase: CallPhase = CallPhase.WAITING) -> None: ...

    def leave_line(self, call: CallRecord) -> None: ...

    def enqueue(self, event: CallEnqueued, now: float, out: list[AcdCommand]) -> None: ...

    def agent_done(self, call: CallRecord, talk: float, now: float, out: list[AcdCommand]) -> None: ...

    def forget(self, call: CallRecord, now: float, out: list[AcdCommand]) -> None: ...

    def cancel_timers(self, call: CallRecord, out: list[AcdCommand], *kinds: str) -> None: ...

    def offer(self, call: CallRecord, agent: AgentRecord, queue: QueueConfig, now: float, out: list[AcdCommand],
              *, reserved: bool = False) -> None: ...

    def offer_reserved(self, call: CallRecord, agent: AgentRecord, now: float, out: list[AcdCommand]) -> None: ...

    def arm_relaxation(self, call: CallRecord, now: float, out: list[AcdCommand]) -> None: ...
