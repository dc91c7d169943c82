"""A public instrumentation hook: what benches and diagnostics may watch of a running engine, without
patching its internals. Each probe is a plain callable, called synchronously where the thing happens; an
engine with no probes set pays one attribute test per event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(slots=True)
class Probes:
    # The ACD handled `event` into `commands` in `seconds` (perf_counter): how long a decision takes.
    decided: Callable[[object, Sequence[object], float], None] | None = None
    # A PBX request (an ARI command object) is being sent, and its answer (or error) has come.
    requested: Callable[[object], None] | None = None
    answered: Callable[[object], None] | None = None

    def request_sent(self, request: object) -> None:
        if self.requested is not None:
            self.requested(request)

    def request_answered(self, request: object) -> None:
        if self.answered is not None:
            self.answered(request)
