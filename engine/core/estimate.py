"""Estimated wait for a caller at a given position, from the queue's recent handle times and its staff.

A caller at position p is answered once p agents have finished a call, and n staffed agents finish one
every AHT/n seconds on average, so the estimate is p * AHT / n. AHT (talk + wrap-up) is the mean of the
queue's last `HandleTimes.window` handled calls; before the first one it is the queue's configured
default. With nobody staffed there is no estimate (None), and callers are told their position only.
"""

from __future__ import annotations

from collections import deque


class HandleTimes:
    def __init__(self, window: int = 20) -> None:
        self.window = window
        self._recent: dict[str, deque[float]] = {}

    def add(self, queue: str, handle_s: float) -> None:
        self._recent.setdefault(queue, deque(maxlen=self.window)).append(max(0.0, handle_s))

    def average(self, queue: str, default_s: float) -> float:
        recent = self._recent.get(queue)
        return sum(recent) / len(recent) if recent else default_s


def estimated_wait_s(position: int, average_handle_s: float, staffed: int) -> float | None:
    if staffed <= 0:
        return None
    return position * average_handle_s / staffed
