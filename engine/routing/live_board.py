"""The read model inside the engine, and what it shows: the HTTP views, `callhive agent list`, `queue stats`
and `call list` (through the API), and the live feed's snapshot and deltas, each with the `seq` it stands at.

Every stamped fact the runtime records is applied here at once, in stream order. A live subscriber gets a
snapshot at a seq, then for each later fact that changed something, a delta with that fact's seq and the rows
it changed (a call named but no longer shown has ended: `{"id": ..., "gone": true}`). The snapshot and the
subscription are made with no await between them, so no fact falls between the two. Rows change with time
too (waited_s, an agent's open span): a screen that shows those ticks them from the server time it was sent.
"""

from __future__ import annotations

from typing import Any

from engine.clock import RuntimeClock
from engine.core.event_record import EventRecord
from engine.core.facts import Stamped, fact_of
from engine.core.read_model import Changed, ReadModel
from engine.core.read_model import views as rows
from engine.runtime import Subscription

Message = dict[str, Any]


class LiveBoard:
    def __init__(self, model: ReadModel, clock: RuntimeClock) -> None:
        self.model = model
        self._clock = clock
        self._subscribers: list[Subscription[Message]] = []

    @property
    def seq(self) -> int:
        return self.model.last_seq

    def hear(self, record: EventRecord) -> None:
        """A record just published in the event stream: a fact the engine published goes into the model."""
        if record.fact is not None:
            fact = fact_of(record)
            if fact is not None:
                self.apply(Stamped(record.seq, record.received_at, fact))

    def apply(self, record: Stamped) -> None:
        changed = self.model.apply(record)
        if self._subscribers and not changed.nothing:
            delta = self._delta(changed)
            for subscriber in list(self._subscribers):
                subscriber._offer(delta)

    # --- the views -----------------------------------------------------------------------------------------
    def agent(self, agent_id: str) -> dict[str, object]:
        return rows.agent_view(self.model, agent_id, self._clock.now())

    def agents(self) -> list[dict[str, object]]:
        return rows.agents_view(self.model, self._clock.now())

    def queues(self) -> list[dict[str, object]]:
        return rows.queues_view(self.model, self._clock.now())

    def calls(self) -> list[dict[str, object]]:
        return rows.calls_view(self.model, self._clock.now())

    def snapshot(self) -> Message:
        now = self._clock.now()
        return {"seq": self.model.last_seq, "server_time": now, "agents": rows.agents_view(self.model, now),
                "queues": rows.queues_view(self.model, now), "calls": rows.calls_view(self.model, now)}

    # --- the live feed -------------------------------------------------------------------------------------
    def subscribe(self, limit: int = 1000) -> tuple[Message, Subscription[Message]]:
        """The snapshot now, and the deltas after it."""
        subscription: Subscription[Message] = Subscription(self._unsubscribe, limit)
        self._subscribers.append(subscription)
        return self.snapshot(), subscription

    def _unsubscribe(self, subscription: Subscription[Message]) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)

    def close_subscriptions(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.close()

    def _delta(self, changed: Changed) -> Message:
        now, model = self._clock.now(), self.model
        calls: list[dict[str, object]] = []
        for call_id in sorted(changed.calls):
            row = rows.call_view(model, call_id, now)
            calls.append(row if row is not None else {"id": call_id, "gone": True})
        return {
            "seq": changed.seq, "server_time": now,
            "agents": [rows.agent_view(model, agent_id, now) for agent_id in sorted(changed.agents)],
            "queues": [row for queue in sorted(changed.queues) if (row := rows.queue_view(model, queue, now))],
            "calls": calls,
        }
