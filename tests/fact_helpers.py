"""Facts for tests, built the way stored rows are read back (engine/core/fact_registry.py), so a test can
name a fact and give only the fields it is about: the others read as None, as a sparse row would."""

from __future__ import annotations

from typing import Any

from engine.core import facts
from engine.core.event_record import EventRecord, EventSource
from engine.core.fact_registry import encode, is_fact, name_of, registered


def complete(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    spec = registered().get(kind)
    return body if spec is None else {name: body.get(name) for name in spec.body_fields} | body


def stamped(seq: int, at: float, kind: str, call_id: str | None = None, queue: str | None = None,
            agent_id: str | None = None, data: dict[str, Any] | None = None,
            leg_id: str | None = None) -> facts.Stamped:
    record = EventRecord(seq, at, EventSource.ENGINE, kind, None, call_id, leg_id, agent_id, queue,
                         complete(kind, data or {}))
    fact = facts.fact_of(record)
    assert fact is not None, f"{kind} is not a registered fact"
    return facts.Stamped(seq, at, fact)



def fact_kinds(commands: list[Any]) -> list[str]:
    return [name_of(type(c)) for c in commands if is_fact(c)]


class FactView:
    """A fact as the stream stores it: its name, id columns and body (what the older tests assert on)."""

    def __init__(self, value: object) -> None:
        stored = encode(value)
        self.kind, self.call_id, self.leg_id = stored.name, stored.call_id, stored.leg_id
        self.agent_id, self.queue, self.data = stored.agent_id, stored.queue, stored.body


def views(commands: list[Any], kind: str | None = None) -> list[FactView]:
    return [FactView(c) for c in commands if is_fact(c) and (kind is None or name_of(type(c)) == kind)]
