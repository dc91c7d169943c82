"""Random durations of a scenario (ring, talk, patience...) and the per-stream random generators.

A duration in the YAML is one of
    12                      fixed: always 12 s
    {min: 2, max: 6}        uniform between min and max
    {mean: 180, sd: 60}     normal, truncated at 0 (redrawn when negative, so the mean stays close)
    {exponential: 90}       exponential with mean 90 (memoryless: the textbook model of patience)

Every stream of chance (one agent's softphone, one inbound caller stream, one outbound destination rule)
draws from its own `random.Random`, seeded from the scenario seed and the stream's name. Streams therefore
do not disturb each other: adding an agent does not change when callers arrive, and an engine that
originates more or fewer calls to one agent changes only that agent's draws. `random.Random(str)` hashes
the string with SHA-512 (seed version 2), so the seeds do not depend on PYTHONHASHSEED or the process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# A normal draw below 0 is redrawn; after this many tries (an sd far larger than the mean) it is clamped.
_REDRAWS = 20


@dataclass(frozen=True, slots=True)
class Fixed:
    value: float

    def sample(self, rng: random.Random) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value


@dataclass(frozen=True, slots=True)
class Uniform:
    low: float
    high: float

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class Normal:
    mu: float
    sd: float

    def sample(self, rng: random.Random) -> float:
        for _ in range(_REDRAWS):
            value = rng.gauss(self.mu, self.sd)
            if value >= 0:
                return value
        return 0.0

    @property
    def mean(self) -> float:
        return self.mu


@dataclass(frozen=True, slots=True)
class Exponential:
    mu: float

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mu) if self.mu > 0 else 0.0

    @property
    def mean(self) -> float:
        return self.mu


Distribution = Fixed | Uniform | Normal | Exponential


def stream_rng(seed: int, *name: str) -> random.Random:
    """The generator of one stream of chance: `stream_rng(7, "agent", "1001")`."""
    return random.Random("/".join([str(seed), *name]))
