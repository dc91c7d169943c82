"""Clocks for the runtime. The pure core only ever sees `now()`; the runtime also needs to wait.

Tests hand the engine a clock they drive, so timers (ring timeouts, wrap-up, announcements) cost no wall time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class RuntimeClock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
