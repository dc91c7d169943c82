"""Named timers on the runtime clock, with one task for all of them.

The ACD asks for timers by key (`StartTimer(("wrapup", "1001"), due)`) and cancels them by key; a key set
again replaces the earlier timer. One task sleeps until the earliest deadline and fires what is due, in
deadline order (then in the order they were set); setting an earlier timer wakes it. A thousand waiting
callers cost a heap, not a thousand tasks, and a test's manual clock drives them all.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable

from engine.clock import RuntimeClock, sleep_unless

Key = tuple[str, str]


class Timers:
    def __init__(self, clock: RuntimeClock, fire: Callable[[Key], None]) -> None:
        self._clock = clock
        self._fire = fire
        self._heap: list[tuple[float, int, Key]] = []
        self._live: dict[Key, int] = {}  # key -> generation of its current timer
        self._counter = itertools.count()
        self._changed = asyncio.Event()
        self._closed = False

    def start(self, key: Key, due: float) -> None:
        generation = next(self._counter)
        self._live[key] = generation
        heapq.heappush(self._heap, (due, generation, key))
        if self._heap[0][1] == generation:
            self._changed.set()

    def cancel(self, key: Key) -> None:
        # Cancelled entries stay in the heap and are skipped when they come up.
        self._live.pop(key, None)

    def pending(self) -> int:
        return len(self._live)

    def close(self) -> None:
        self._closed = True
        self._changed.set()

    async def run(self) -> None:
        while not self._closed:
            self._fire_due()
            if not self._heap:
                self._changed.clear()
                await self._changed.wait()
                continue
            self._changed.clear()
            await sleep_unless(self._clock, max(0.0, self._heap[0][0] - self._clock.now()), self._changed)

    def _fire_due(self) -> None:
        now = self._clock.now()
        while self._heap and self._heap[0][0] <= now:
            _due, generation, key = heapq.heappop(self._heap)
            if self._live.get(key) == generation:
                del self._live[key]
                self._fire(key)
