"""The engine's single ordered event stream.

Every event the engine applies (from AMI, ARI, the HTTP API, its own timers) passes through `publish()`,
which stamps the next `seq` and the receive time, hands the record to the batch writer, and fans it out to
live subscribers (the wallboard). `publish()` is synchronous, so the order of calls is the order of `seq`:
there is no await between stamping and queueing where another event could slip in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, Protocol, TypeVar

from engine.core.clock import Clock
from engine.core.event_record import EventRecord, EventSource
from engine.core.facts import Fact, to_record

log = logging.getLogger(__name__)
T = TypeVar("T")


class RecordSink(Protocol):
    def submit(self, record: EventRecord) -> None: ...


class Subscription(Generic[T]):
    """A live view for one consumer (of the event stream, of the live board). A consumer that falls `limit`
    items behind is cut off (it can reload by seq and subscribe again) rather than holding memory or slowing
    the engine down. `unsubscribe` is how its source lets go of it."""

    def __init__(self, unsubscribe: Callable[[Subscription[T]], None], limit: int) -> None:
        self._unsubscribe = unsubscribe
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=limit)
        self.lagged = False

    def _offer(self, item: T) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagged = True
            self._unsubscribe(self)
            self._close_now()

    def _close_now(self) -> None:
        # Make room for the end marker even when the queue is full: the consumer must learn it was cut off.
        while self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            yield item

    def close(self) -> None:
        self._unsubscribe(self)
        self._close_now()


class EventStream:
    def __init__(self, clock: Clock, sink: RecordSink, last_seq: int = 0) -> None:
        self._clock = clock
        self._sink = sink
        self._seq = last_seq
        self._subscribers: list[Subscription[EventRecord]] = []
        self._watchers: list[Callable[[EventRecord], None]] = []

    @property
    def last_seq(self) -> int:
        return self._seq

    def resume_after(self, seq: int) -> None:
        """Continue the stored stream: the next event gets `seq + 1`. Only before the first publish."""
        if self._seq > seq:
            raise ValueError(f"the stream is already at seq {self._seq}")
        self._seq = seq

    def publish(
        self,
        source: EventSource,
        type_: str,
        *,
        pbx_time: float | None = None,
        call_id: str | None = None,
        leg_id: str | None = None,
        agent_id: str | None = None,
        queue: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> EventRecord:
        self._seq += 1
        record = EventRecord(
            seq=self._seq,
            received_at=self._received_at(),
            source=source,
            type=type_,
            pbx_time=pbx_time,
            call_id=call_id,
            leg_id=leg_id,
            agent_id=agent_id,
            queue=queue,
            body=body or {},
        )
        self._sink.submit(record)
        for subscriber in list(self._subscribers):
            subscriber._offer(record)
        for watcher in self._watchers:
            watcher(record)
        return record

    def _received_at(self) -> float:
        # To the microsecond, as the events table keeps it: what is computed live from a record (statistics,
        # the read model) is then what a rebuild from the table computes.
        return round(self._clock.now(), 6)

    def publish_fact(self, fact: Fact) -> EventRecord:
        """Publish one of the engine's facts, stored under its registered name and schema version."""
        self._seq += 1
        record = to_record(fact, self._seq, self._received_at())
        self._sink.submit(record)
        for subscriber in list(self._subscribers):
            subscriber._offer(record)
        for watcher in self._watchers:
            watcher(record)
        return record

    def watch(self, watcher: Callable[[EventRecord], None]) -> None:
        """Call `watcher` with each record as it is published, synchronously (an instrumentation hook: it
        must be quick, and it sees what a subscriber would, without a queue)."""
        self._watchers.append(watcher)

    def subscribe(self, limit: int = 1000) -> Subscription[EventRecord]:
        subscription: Subscription[EventRecord] = Subscription(self.unsubscribe, limit)
        self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription[EventRecord]) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)

    def close_subscriptions(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.close()
