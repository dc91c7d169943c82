"""Clocks for the runtime. The pure core only ever sees `now()`; the runtime also needs to wait.

Tests hand the engine a clock they drive, so timers (ring timeouts, wrap-up, announcements) cost no wall time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Protocol


class RuntimeClock(Protocol):
    def now(self) -> float: ...

    # An awaitable rather than a coroutine function: a test clock registers the deadline at the call.
    def sleep(self, seconds: float) -> Awaitable[None]: ...


async def sleep_unless(clock: RuntimeClock, seconds: float, wake: asyncio.Event) -> bool:
    """Sleep on `clock`, cut short when `wake` is set; True if woken early. Either way nothing is left running."""
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        return waker.done() and not sleeper.done()
    finally:
        for task in (sleeper, waker):
            task.cancel()
        await asyncio.gather(sleeper, waker, return_exceptions=True)


class WallClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
