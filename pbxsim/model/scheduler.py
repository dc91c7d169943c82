"""Timers for the call model: one heap of deadlines on the injectable clock, one driver task.

The call model is synchronous: a REST request or a timer calls into it, it changes plain objects and
publishes events, and it returns. Everything that happens *later* (a playback ending, a far end answering
after its ring time, an originate timing out, SIP timer B) is a `Timer` in this heap.

Why one heap and not one task per timer: with a `ManualClock` a test may jump 40 s at once. The driver
then fires every due timer in deadline order, and while a callback runs, `now()` reports that timer's
*deadline*, not the clock's final time. A callback that schedules a follow-up (ring 3 s, then answer,
then a 1.4 s prompt) therefore schedules it from the right moment, and the follow-up fires within the
same jump if it is due - the same run as on a wall clock, only instantaneous. Event timestamps and
recording durations come out exact.

Per timer the work is a heap push/pop (O(log n)); cancelling marks the entry and leaves it in the heap.

`settle()` lets a test (or the ARI layer) wait, without wall time, until everything due at the clock's
current time has fired.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable

from pbxsim.clock import Clock

log = logging.getLogger("pbxsim.model")


class Timer:
    """A scheduled callback; `cancel()` before it fires and it never will."""

    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Deadline heap + driver task; see the module docstring."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self._virtual: float | None = None
        self._wake: asyncio.Event | None = None
        self._progress: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def now(self) -> float:
        """The model's time: the deadline of the timer being fired, else the clock's time."""
        return self._virtual if self._virtual is not None else self.clock.now()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.now() + max(0.0, delay), callback)

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(when, callback)
        heapq.heappush(self._heap, (when, next(self._order), timer))
        if self._wake is not None and self._heap[0][2] is timer:
            self._wake.set()  # earlier than what the driver sleeps for
        return timer

    # ----------------------------------------------------------------------- driving

    def start(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            self._progress = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._drive(), name="pbxsim-scheduler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def run_due(self) -> int:
        """Fire every timer due at the clock's current time (follow-ups included); returns how many fired."""
        fired = 0
        limit = self.clock.now()
        while self._heap and self._heap[0][0] <= limit:
            when, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            self._virtual = when
            try:
                timer.callback()
            except Exception:  # a broken callback must not stop the PBX's clock
                log.exception("pbxsim timer callback failed")
            finally:
                self._virtual = None
            fired += 1
        return fired

    def _next_deadline(self) -> float | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    async def settle(self) -> None:
        """Return once no timer is due at the clock's current time (driver caught up)."""
        while (deadline := self._next_deadline()) is not None and deadline <= self.clock.now():
            if self._task is None or self._progress is None:
                self.run_due()
                return
            self._progress.clear()
            await self._progress.wait()

    async def _sleep_until(self, deadline: float) -> None:
        await self.clock.sleep(max(0.0, deadline - self.clock.now()))

    async def _drive(self) -> None:
        assert self._wake is not None and self._progress is not None
        wake, progress = self._wake, self._progress
        while True:
            self.run_due()
            progress.set()
            wake.clear()
            deadline = self._next_deadline()
            if deadline is None:
                await wake.wait()
                continue
            # The delay is taken when the sleep starts, not when it is created: a manual clock advanced in
            # between would otherwise wake the driver after a timer that is already due.
            sleeper = asyncio.create_task(self._sleep_until(deadline))
            waker = asyncio.create_task(wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pending in (sleeper, waker):
                    if not pending.done():
                        pending.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await pending
