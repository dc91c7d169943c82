"""The clock as the pure core sees it: something that says what time it is, and nothing else."""

from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...
