"""A clock for tests: time stands still until the test calls `advance()`; no wall time is ever spent.

`sleep()` records how long it was asked to wait, so a test can `await clock.next_sleep()` (woken by the
sleeper itself, not by polling) and then decide when that sleep ends.
"""

from __future__ import annotations

import asyncio


class ManualClock:
    def __init__(self, start: float = 1_795_518_987.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self.requested: list[float] = []
        self._seen = 0
        self._news: asyncio.Future[None] | None = None

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, waiter))
        self.requested.append(seconds)
        if self._news is not None and not self._news.done():
            self._news.set_result(None)
        await waiter

    async def next_sleep(self) -> float:
        """The duration of the next sleep not yet returned by this method (waits until someone sleeps)."""
        while self._seen >= len(self.requested):
            self._news = asyncio.get_running_loop().create_future()
            await self._news
        self._seen += 1
        return self.requested[self._seen - 1]

    def advance(self, seconds: float) -> None:
        self._now += seconds
        due = [entry for entry in self._sleepers if entry[0] <= self._now]
        self._sleepers = [entry for entry in self._sleepers if entry[0] > self._now]
        for _, waiter in sorted(due, key=lambda entry: entry[0]):
            if not waiter.done():
                waiter.set_result(None)
