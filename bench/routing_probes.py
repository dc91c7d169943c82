"""What the routing bench measures inside the engine's process, and how it turns all stamps into figures.

The engine is watched through its public instrumentation hooks (engine/instrument.py `Probes`: each ACD
decision, each PBX request; `EventStream.watch`: each published record), nothing patched. Every stamp is
`time.time()` (CLOCK_REALTIME, shared with pbxsim's process, whose stamps come from bench.pbxsim_stamped).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from bench.engine_on_pbxsim import percentile
from engine.core.acd import CallEnqueued, OriginateAgentLeg
from engine.core.event_record import EventRecord, EventSource
from engine.instrument import Probes
from engine.pbx import ari_commands as cmd
from engine.runtime import EventStream

PROBE_S = 0.010


@dataclasses.dataclass
class EngineStamps:
    stasis: dict[str, float] = dataclasses.field(default_factory=dict)  # caller leg -> StasisStart recorded
    enqueued: dict[str, float] = dataclasses.field(default_factory=dict)  # call -> Acd.handle entered
    decision: dict[str, float] = dataclasses.field(default_factory=dict)  # call -> Acd.handle's duration
    caller_leg: dict[str, str] = dataclasses.field(default_factory=dict)  # call -> caller leg
    offered_at_enqueue: set[str] = dataclasses.field(default_factory=set)
    first_leg: dict[str, str] = dataclasses.field(default_factory=dict)  # call -> the agent leg offered at enqueue
    sent: dict[str, float] = dataclasses.field(default_factory=dict)  # agent leg -> handed to AriClient.send
    requests: Counter[str] = dataclasses.field(default_factory=Counter)  # ARI requests by command
    published: Counter[str] = dataclasses.field(default_factory=Counter)  # stream records by source:type
    lags: list[tuple[float, float]] = dataclasses.field(default_factory=list)  # (when, how late)
    collections: list[tuple[float, int, float]] = dataclasses.field(default_factory=list)  # (when, gen, pause)
    warnings: Counter[str] = dataclasses.field(default_factory=Counter)  # engine log lines, by their start


def watch_stream(stream: EventStream, stamps: EngineStamps) -> None:
    def seen(record: EventRecord) -> None:
        stamps.published[f"{record.source.value}:{record.type}"] += 1
        if record.type == "StasisStart" and record.source is EventSource.ARI and record.leg_id:
            stamps.stasis.setdefault(record.leg_id, record.received_at)

    stream.watch(seen)


def probes(stamps: EngineStamps) -> Probes:
    """Each enqueue's decision (when it was taken, how long it took, whether it rang an agent at once) and
    each PBX request (the time an agent leg's originate was handed to the ARI client)."""

    def decided(event: object, out: Sequence[object], seconds: float) -> None:
        if not isinstance(event, CallEnqueued):
            return
        stamps.decision.setdefault(event.call_id, seconds)
        stamps.enqueued.setdefault(event.call_id, time.time() - seconds)
        stamps.caller_leg.setdefault(event.call_id, event.caller_leg)
        for command in out:
            if isinstance(command, OriginateAgentLeg) and command.call_id == event.call_id:
                stamps.offered_at_enqueue.add(event.call_id)
                stamps.first_leg.setdefault(event.call_id, command.leg_id)
                break

    def requested(command: object) -> None:
        stamps.requests[type(command).__name__] += 1
        if isinstance(command, cmd.OriginateChannel) and command.channel_id:
            stamps.sent.setdefault(command.channel_id, time.time())

    return Probes(decided=decided, requested=requested)


@contextlib.contextmanager
def watch_collections(stamps: EngineStamps) -> Iterator[None]:
    """Time the garbage collector's pauses: they stop the event loop like any other synchronous work."""
    started = 0.0

    def note(phase: str, info: dict[str, Any]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            stamps.collections.append((time.time(), int(info["generation"]), time.perf_counter() - started))

    gc.callbacks.append(note)
    try:
        yield
    finally:
        gc.callbacks.remove(note)


class _Counting(logging.Handler):
    def __init__(self, stamps: EngineStamps) -> None:
        super().__init__(logging.WARNING)
        self._stamps = stamps

    def emit(self, record: logging.LogRecord) -> None:
        self._stamps.warnings[record.getMessage()[:40]] += 1


@contextlib.contextmanager
def count_warnings(stamps: EngineStamps) -> Iterator[None]:
    """The engine's warnings (timeouts, failed requests) counted instead of flooding the output."""
    root = logging.getLogger()
    handler, level, propagate = _Counting(stamps), root.level, logging.lastResort
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.lastResort = None
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.lastResort = propagate


async def lag_probe(stamps: EngineStamps, until: float) -> None:
    while time.time() < until:
        before = time.perf_counter()
        await asyncio.sleep(PROBE_S)
        stamps.lags.append((time.time(), time.perf_counter() - before - PROBE_S))


def ms(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (f"p50 {percentile(values, 0.5) * 1000:6.2f}  p99 {percentile(values, 0.99) * 1000:6.2f}  "
            f"max {max(values) * 1000:6.2f} ms")  # fmt: skip


LEGS = ("enqueue -> at pbxsim", "wire StasisStart -> at pbxsim", "  wire -> engine StasisStart",
        "  engine StasisStart -> enqueue", "  enqueue -> send", "  send -> at pbxsim",
        "Acd.handle(CallEnqueued) alone")  # fmt: skip


@dataclasses.dataclass
class WindowFigures:
    arrivals: int = 0
    live: list[int] = dataclasses.field(default_factory=list)
    fates: Counter[str] = dataclasses.field(default_factory=Counter)
    not_at_enqueue: int = 0
    legs: dict[str, list[float]] = dataclasses.field(default_factory=lambda: {name: [] for name in LEGS})

    @property
    def lost(self) -> int:
        return self.fates["lost"] + self.fates["unknown"]


def window_figures(start: float, end: float, mine: EngineStamps, pbx: dict[str, Any]) -> WindowFigures:
    """Callers whose StasisStart pbxsim wrote in [start, end), absolute times; first offer only."""
    figures = WindowFigures()
    call_of_leg = {leg: call for call, leg in mine.caller_leg.items()}
    for caller, wire in pbx.get("caller_stasis", {}).items():
        if not start <= wire < end:
            continue
        figures.arrivals += 1
        figures.live.append(pbx["live_at_arrival"][caller])
        figures.fates[pbx["fates"].get(caller, "unknown")] += 1
        call = call_of_leg.get(caller)
        leg = mine.first_leg.get(call or "", "")
        received, sent, at_pbxsim = mine.stasis.get(caller), mine.sent.get(leg), pbx["originates"].get(leg)
        if call not in mine.offered_at_enqueue or received is None or sent is None or at_pbxsim is None:
            figures.not_at_enqueue += 1
            continue
        enqueued = mine.enqueued[call]
        values = (at_pbxsim - enqueued, at_pbxsim - wire, received - wire, enqueued - received, sent - enqueued,
                  at_pbxsim - sent, mine.decision[call])  # fmt: skip
        for name, value in zip(LEGS, values, strict=True):
            figures.legs[name].append(value)
    return figures


def print_window(name: str, start: float, end: float, t0: float, mine: EngineStamps, pbx: dict[str, Any],
                 cpu: tuple[float, float, float], kinds: Counter[str]) -> WindowFigures:  # fmt: skip
    figures = window_figures(t0 + start, t0 + end, mine, pbx)
    span = end - start
    live = sorted(figures.live) or [0]
    fates = ", ".join(f"{fate} {count}" for fate, count in sorted(figures.fates.items()))
    print(f"\n[{name}] {start:.0f}-{end:.0f} s: {figures.arrivals} callers ({figures.arrivals / span:.1f}/s), "
          f"calls up at arrival p50 {live[len(live) // 2]} (min {live[0]}, max {live[-1]}); "
          f"fates (pbxsim): {fates or 'none'}; not offered at their enqueue: {figures.not_at_enqueue}")  # fmt: skip
    for leg, values in figures.legs.items():
        print(f"  {leg:<32}{ms(values)}")
    print(f"  event-loop lag {ms([lag for when, lag in mine.lags if start <= when - t0 < end])}")
    pauses = [(gen, pause) for when, gen, pause in mine.collections if start <= when - t0 < end]
    print("  garbage collections: " + (", ".join(
        f"gen{gen} {len(p)} (longest {max(p) * 1000:.1f} ms)"
        for gen in range(3) if (p := [pause for g, pause in pauses if g == gen])) or "none"))  # fmt: skip
    per_call = cpu[0] * span / figures.arrivals * 1000 if figures.arrivals else float("nan")
    print(f"  CPU (100% = one core): engine {cpu[0]:.0%} ({per_call:.2f} ms CPU per caller), pbxsim {cpu[1]:.0%}, "
          f"PostgreSQL {cpu[2]:.0%}")  # fmt: skip
    busiest = ", ".join(f"{kind} {count / span:.0f}" for kind, count in kinds.most_common(6))
    print(f"  engine stream {kinds.total() / span:,.0f} records/s; busiest: {busiest}")
    return figures
