"""A clock the test drives: `sleep()` waits until the test calls `advance()`, so backoffs cost no wall time."""

from __future__ import annotations

import asyncio


class ManualClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._pending: list[tuple[float, float, asyncio.Future[None]]] = []  # (deadline, asked, future)
        self._changed = asyncio.Event()
        # Every duration asked for, in order, including zero.
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        entry = (self._now + seconds, seconds, asyncio.get_running_loop().create_future())
        self._pending.append(entry)
        self._changed.set()
        try:
            await entry[2]
        finally:
            if entry in self._pending:
                self._pending.remove(entry)

    async def next_sleep(self, timeout: float = 5.0) -> float:
        """Wait (by events, not time) until someone sleeps on this clock; the duration it asked for."""
        async with asyncio.timeout(timeout):
            while not self._pending:
                self._changed.clear()
                await self._changed.wait()
        return self._pending[0][1]

    async def advance(self, seconds: float) -> None:
        self._now += seconds
        for entry in list(self._pending):
            if entry[0] <= self._now:
                # Removed here, not when the sleeper resumes, so next_sleep() never sees a finished sleep.
                self._pending.remove(entry)
                if not entry[2].done():
                    entry[2].set_result(None)
        await asyncio.sleep(0)
