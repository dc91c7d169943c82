"""The shape of one entry of the engine's ordered event stream, as stored and as pushed live."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventSource(StrEnum):
    AMI = "ami"
    ARI = "ari"
    ENGINE = "engine"
    API = "api"
    DIALER = "dialer"


@dataclass(frozen=True, slots=True)
class EventRecord:
    seq: int
    received_at: float  # the engine's clock when the event was applied
    source: EventSource
    type: str
    pbx_time: float | None = None  # the PBX's own time, when the message carried one
    call_id: str | None = None
    leg_id: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    version: int = 1  # the schema version of the body, for a fact (engine/core/fact_registry.py)
    # The typed fact this record stores, when the engine published one: read it with engine.core.facts.fact_of
    # (typed there; this module is below the facts and does not know them).
    fact: object | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "received_at": self.received_at,
            "pbx_time": self.pbx_time,
            "source": self.source.value,
            "type": self.type,
            "call_id": self.call_id,
            "leg_id": self.leg_id,
            "agent_id": self.agent_id,
            "queue": self.queue,
            "body": self.body,
        }
