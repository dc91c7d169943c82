"""How long a client waits before reconnecting: capped exponential, shared by the AMI and ARI clients."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """After `failures` failed attempts in a row: 0 for none, else first_s * factor**(failures-1), at most cap_s."""

    first_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 30.0
    # A connection that lived this long resets the failure count: its loss is retried at once.
    stable_after_s: float = 5.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(self.cap_s, self.first_s * self.factor ** (failures - 1)))


DEFAULT_BACKOFF = Backoff()
