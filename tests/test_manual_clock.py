"""The one test clock (`pbxsim.clock.ManualClock`), which pbxsim, the engine's tests and the contract tests share:
sleepers wake in deadline order, a sleep's deadline is fixed when it is called, and the test is told each
wait the code asks for. Nothing here spends wall time; the guard only turns a hang into a failure."""

from __future__ import annotations

import asyncio

import pytest

from pbxsim.clock import ManualClock

GUARD_SECONDS = 5.0


async def test_manual_clock_wakes_in_deadline_order() -> None:
    clock = ManualClock(start=1000.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    tasks = [asyncio.create_task(sleeper(n, s)) for n, s in (("c", 3), ("a", 1), ("b", 2), ("a2", 1), ("d", 9))]
    await clock.wait_for_sleepers(5)
    clock.advance(0.5)
    await asyncio.sleep(0)
    assert woke == []
    clock.advance(2.5)
    await asyncio.gather(*tasks[:4])
    assert woke == [("a", 1003.0), ("a2", 1003.0), ("b", 1003.0), ("c", 1003.0)]
    assert (clock.pending_sleepers, clock.next_deadline) == (1, 1009.0)
    tasks[4].cancel()
    await asyncio.gather(tasks[4], return_exceptions=True)
    assert (clock.pending_sleepers, clock.next_deadline) == (0, None)
    await clock.sleep(0)  # no deadline: returns at once
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


async def test_a_sleep_is_due_from_when_it_is_called_not_from_when_it_is_awaited() -> None:
    clock = ManualClock(start=1000.0)
    later = clock.sleep(5)  # a timer set just before the test moves time, its task not yet run
    assert clock.pending_sleepers == 1
    clock.advance(5)
    assert clock.pending_sleepers == 0
    async with asyncio.timeout(GUARD_SECONDS):
        await later


async def test_next_sleep_hands_out_each_wait_asked_for_in_order() -> None:
    clock = ManualClock()

    async def backoff() -> None:
        for seconds in (0.5, 1.0, 0.0, 2.0):
            await clock.sleep(seconds)

    async with asyncio.timeout(GUARD_SECONDS):
        task = asyncio.create_task(backoff())
        assert await clock.next_sleep() == 0.5
        assert clock.pending_sleepers == 1
        clock.advance(0.5)
        assert await clock.next_sleep() == 1.0
        clock.advance(1.0)
        assert await clock.next_sleep() == 0.0  # returns at once, and is still told
        assert await clock.next_sleep() == 2.0
        assert not task.done()
        clock.advance(2.0)
        await task
    assert clock.requested == [0.5, 1.0, 0.0, 2.0]
