"""Time for the simulated PBX: one injectable clock that every timed behaviour goes through.

Everything in pbxsim that reads the time (AMI `Timestamp:`, security-event `EventTV`, ARI `timestamp`,
FullyBooted `Uptime`) or waits (the ~1 s AMI auth-failure penalty, and later ring times, hold times,
agent wrap-up) asks a `Clock`, never `time` or `asyncio.sleep` directly. Two implementations:

* `WallClock` - real epoch time and real `asyncio.sleep`; what `python -m pbxsim` runs on.
* `ManualClock` - time stands still until a test calls `advance()`. A sleep's deadline is fixed when
  `sleep()` is called. Sleepers are kept in a heap keyed by (deadline, arrival order); `advance()` moves
  `now()` forward and wakes every sleeper whose deadline has passed, in deadline order (ties in the order
  they went to sleep). Woken tasks run after `advance()` returns, so they all observe the final `now()`.
  Tests can wait - without wall time - until the code under test has actually gone to sleep
  (`wait_for_sleepers`), which is how "nothing happens before the clock moves" is asserted
  deterministically; every duration asked for is kept in `requested`, and `next_sleep()` hands them to
  the test one by one as they are asked for (how a reconnect backoff is checked, then ended).

`ManualClock` is the one clock of the whole test suite: the engine's runtime clock protocol (`now()`,
`sleep()` returning an awaitable) is the same shape, so tests hand this clock to the engine and to pbxsim
alike. The engine itself never imports it: the two sides only meet on the wire (a test enforces that
neither imports the other).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from typing import Protocol

# A fixed, recent epoch for ManualClock so timestamps look like the recordings' era (2026-11-24 11:16:27 UTC,
# the recorded ARI `startup_time`) instead of 1970.
DEFAULT_MANUAL_START = 1_795_518_987.0


class Clock(Protocol):
    """Epoch time source plus a sleep that honours it."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> Awaitable[None]:
        """Done once `seconds` have passed on this clock."""
        ...


class WallClock:
    """The real clock: `time.time()` and `asyncio.sleep`."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to; see the module docstring for the wake-up rules."""

    def __init__(self, start: float = DEFAULT_MANUAL_START) -> None:
        self._now = float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrival = itertools.count()
        self._watchers: list[asyncio.Future[None]] = []
        # Every duration asked of sleep(), in order, zero included; next_sleep() reads them from _handed_out on.
        self.requested: list[float] = []
        self._handed_out = 0

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> Awaitable[None]:
        """Not a coroutine on purpose: the deadline is taken from `now()` at the call, not when a task
        wrapping the sleep first runs (by then a test may have advanced the clock, and a timer set just
        before `advance()` would be pushed past it)."""
        self.requested.append(seconds)
        if seconds <= 0:
            self._notify_watchers()
            # Still a scheduling point, like asyncio.sleep(0), but no entry: nothing to wait for.
            return asyncio.sleep(0)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._arrival), waiter))
        self._notify_watchers()
        # A cancelled sleeper leaves its (done) future in the heap; advance() and the counters skip it.
        return waiter

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` and wake, in deadline order, every sleeper that is now due."""
        if seconds < 0:
            raise ValueError("ManualClock cannot go backwards")
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                waiter.set_result(None)

    @property
    def pending_sleepers(self) -> int:
        """How many tasks are currently blocked in `sleep()`."""
        return sum(1 for _, _, waiter in self._sleepers if not waiter.done())

    @property
    def next_deadline(self) -> float | None:
        """The earliest deadline of a live sleeper, or None when nobody sleeps."""
        live = [deadline for deadline, _, waiter in self._sleepers if not waiter.done()]
        return min(live) if live else None

    async def wait_for_sleepers(self, count: int = 1) -> None:
        """Return once at least `count` tasks are blocked in `sleep()` (event driven, no polling)."""
        while self.pending_sleepers < count:
            await self._next_call()

    async def next_sleep(self) -> float:
        """The duration of the oldest sleep not yet returned here, waiting (event driven) until one is asked
        for: the test learns what the code under test wants to wait, then decides when that wait ends."""
        while self._handed_out >= len(self.requested):
            await self._next_call()
        self._handed_out += 1
        return self.requested[self._handed_out - 1]

    def _next_call(self) -> asyncio.Future[None]:
        """Done at the next call of `sleep()`."""
        watcher: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watchers.append(watcher)
        return watcher

    def _notify_watchers(self) -> None:
        watchers, self._watchers = self._watchers, []
        for watcher in watchers:
            if not watcher.done():
                watcher.set_result(None)
