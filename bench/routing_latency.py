"""Routing latency at 100 and 1,000 concurrent calls, and the call rate the engine sustains, against pbxsim.

Three processes, as in production: pbxsim (`python -m bench.pbxsim_stamped`, i.e. `python -m pbxsim` with
stamps taken on its side of the wire), the embedded PostgreSQL, and this one running the real engine
(`engine.app.Engine`, its AMI and ARI clients on real sockets, every event written to PostgreSQL). The
center: one longest-idle queue (2 s wrap-up), its number requiring skill `billing` >= 40, and 1,300 agents
whose softphones all match, log in once reachable, answer in 0.5-1.5 s and never end a conversation
themselves (talk 1 h): a call ends when its caller hangs up, so the scenario sets how long calls are held.

Two sessions, each with fresh processes and database (seconds after pbxsim starts; 12 s of warm-up first):
  latency  the probe stream, 10 callers/s each held 8-12 s, keeps ~100 calls up: measured 15-45 s into it
           ("~100 concurrent"); then a fill of 30/s for 30 s whose callers stay to the end (900 held) on top
           of the probe, measured as the ramp and 5-35 s after it ("~1,000 concurrent": the probe's 10/s
           arriving on ~1,000 held calls). ~300 agents stay free, so every caller finds an idle matching agent.
  rates    (`--rates`, default 20,40,60,80; "" skips it) 20 s steps of callers held 5-7 s, agents reused
           after the wrap-up; each step measured over its last 10 s, once settled.
Callers whose originate did not come out of their own enqueue are counted apart and left out of latencies.

Per caller, first offer (CLOCK_REALTIME, shared by the processes):
  wire StasisStart    pbxsim wrote the caller's StasisStart to the event socket      (pbxsim)
  engine StasisStart  the engine's stream recorded it (received and typed)          (engine)
  enqueue             `Acd.handle(CallEnqueued)` entered: the ACD routes the caller  (engine)
  send                the originate handed to `AriClient.send` (written in that call) (engine)
  at pbxsim           the agent's POST /ari/channels reached pbxsim's handler chain   (pbxsim)
The headline is enqueue -> at pbxsim (the issue's "caller enqueued -> agent Originate on the wire"); wire
StasisStart -> at pbxsim is the same from the nearest point visible on the wire, on pbxsim's clock alone.
Per window also: `Acd.handle(CallEnqueued)` alone, event-loop lag (10 ms sleeps), garbage-collector pauses,
the calls up at each arrival (pbxsim's count of inbound callers in Stasis), CPU seconds per wall second
(100% = one core) of the engine process (with the bench's hooks), pbxsim and PostgreSQL, the engine's
stream records/s, and each caller's fate counted on pbxsim's side: connected, still waiting at the end, or
lost. The sustained rate is the highest step that, with every step below it, routed every caller correctly
(none lost, each offered an agent at their enqueue); the bench also names the highest that kept
enqueue -> at pbxsim under 50 ms at p99 as well (no backlog building up).

Prints figures, never asserts. Run: .venv/bin/python -m bench.routing_latency [--rates 20,40,60,80]
[--profile FILE: cProfile of the engine's process during the measured windows]   (about 4 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import itertools
import json
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from bench.engine_on_pbxsim import cpu_seconds, percentile, postgres_processes, start_pbxsim, stop_pbxsim
from bench.routing_probes import (
    LEGS,
    EngineStamps,
    count_warnings,
    lag_probe,
    print_window,
    probes,
    watch_collections,
    watch_stream,
)
from engine.app import Engine
from engine.center_config import load_center_config
from engine.clock import WallClock
from engine.config import Settings, load_settings
from engine.demo_team import log_in_when_reachable
from engine.routing.runtime import AcdRuntime
from engine.store.database import open_database

REPO = Path(__file__).resolve().parents[1]
APP = "bench"
NUMBER = "5000"
FIRST_AGENT = 5001
WARMUP = 12.0  # softphones register at 1-4 s and the engine logs them in
PROBE_RATE, PROBE_HOLD = 10.0, (8.0, 12.0)
FILL_RATE, FILL_SPAN = 30.0, 30.0
SETTLE, MEASURED = 15.0, 30.0
STEP, STEP_MEASURED, STEP_HOLD = 20.0, 10.0, (5.0, 7.0)
SUSTAINED_P99 = 0.050


@dataclasses.dataclass(frozen=True, slots=True)
class Stream:
    rate: float
    start: float
    end: float
    hold: tuple[float, float] | None  # the caller hangs up this long after arriving; None: stays to the end


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    name: str
    start: float
    end: float
    step_rate: float | None = None  # set on the rate steps


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    name: str
    streams: tuple[Stream, ...]
    windows: tuple[Window, ...]
    end: float


def latency_plan() -> Plan:
    t = WARMUP
    fill_start = t + SETTLE + MEASURED + 5.0
    fill_end = fill_start + FILL_SPAN
    end = fill_end + 5.0 + MEASURED
    return Plan(
        "latency",
        (Stream(PROBE_RATE, t, end, PROBE_HOLD), Stream(FILL_RATE, fill_start, fill_end, None)),
        (Window(f"~100 concurrent, {PROBE_RATE:g}/s", t + SETTLE, t + SETTLE + MEASURED),
         Window(f"ramp to ~1,000, {PROBE_RATE + FILL_RATE:g}/s", fill_start, fill_end),
         Window(f"~1,000 concurrent, {PROBE_RATE:g}/s", fill_end + 5.0, end)),
        end + 1.0,
    )  # fmt: skip


def rates_plan(rates: Sequence[float]) -> Plan:
    starts = [WARMUP + n * STEP for n in range(len(rates))]
    return Plan(
        "rates",
        tuple(Stream(rate, t, t + STEP, STEP_HOLD) for rate, t in zip(rates, starts, strict=True)),
        tuple(Window(f"step {rate:g}/s", t + STEP - STEP_MEASURED, t + STEP, rate)
              for rate, t in zip(rates, starts, strict=True)),
        WARMUP + len(rates) * STEP + 1.0,
    )  # fmt: skip


def scenario_yaml(plan: Plan, agents: int) -> str:
    lines = [
        "seed: 5",
        "agents:",
        f'  "{FIRST_AGENT}-{FIRST_AGENT + agents - 1}": {{register_at: {{min: 1, max: 4}}, '
        "answer_after: {min: 0.5, max: 1.5}, no_answer: 0, talk: 3600, hangs_up: other}",
        "inbound:",
    ]
    for s in plan.streams:
        held = "" if s.hold is None else f", hangup_early: {{probability: 1, after: {{min: {s.hold[0]}, max: {s.hold[1]}}}}}"  # noqa: E501
        lines.append(f'  - {{number: "{NUMBER}", rate: {s.rate}, window: {{start: {s.start}, end: {s.end}}}, '
                     f"patience: 3600{held}}}")  # fmt: skip
    return "\n".join(lines) + "\n"


def center_yaml(agents: int) -> str:
    rows = "\n".join(
        f'  "{n}": {{endpoint: PJSIP/{n}, skills: {{billing: {40 + n % 61}, tech: {1 + n % 100}}}, queues: [support]}}'
        for n in range(FIRST_AGENT, FIRST_AGENT + agents)
    )
    return (
        "queues:\n  support: {strategy: longest_idle, wrapup_s: 2, ring_timeout_s: 15}\n"
        f'agents:\n{rows}\nnumbers:\n  "{NUMBER}": {{queue: support, skills: {{billing: 40}}}}\n'
    )


class WatchedEngine(Engine):
    """The engine, saying when its ACD runtime exists, so the bench hooks it before the first caller."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.acd_ready = asyncio.Event()
        super().__init__(*args, **kwargs)

    @property
    def acd(self) -> AcdRuntime | None:
        return self._acd

    @acd.setter
    def acd(self, runtime: AcdRuntime | None) -> None:
        self._acd = runtime
        if runtime is not None:
            self.acd_ready.set()


@dataclasses.dataclass
class Session:
    plan: Plan
    stamps: EngineStamps = dataclasses.field(default_factory=EngineStamps)
    pbx: dict[str, Any] = dataclasses.field(default_factory=dict)  # bench.pbxsim_stamped's file
    cpu: dict[float, tuple[float, float, float]] = dataclasses.field(default_factory=dict)  # engine, pbxsim
    pg_cpu: dict[float, dict[int, float]] = dataclasses.field(default_factory=dict)  # PostgreSQL, by process
    kinds: dict[float, Counter[str]] = dataclasses.field(default_factory=dict)  # stream records so far
    t0: float = 0.0
    tail: str = ""


def cpu_by_process(servers: list[psutil.Process]) -> dict[int, float]:
    """CPU seconds of the PostgreSQL server and each backend it has now: backends started by the engine's
    pool after a window began count whole (a backend gone before the window ends is missed)."""
    seconds: dict[int, float] = {}
    for server in servers:
        with contextlib.suppress(psutil.Error):
            for process in [server, *server.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    seconds[process.pid] = times.user + times.system
    return seconds


def prepare(folder: Path, plan: Plan, agents: int) -> Settings:
    folder.mkdir()
    (folder / "bench.toml").write_text("")
    (folder / "center.yaml").write_text(center_yaml(agents))
    (folder / "scenario.yaml").write_text(scenario_yaml(plan, agents))
    return load_settings(folder / "bench.toml", {
        "CALLHIVE_AMI_USERNAME": "bench-ami", "CALLHIVE_AMI_SECRET": "bench-ami-secret",
        "CALLHIVE_ARI_USERNAME": "bench-ari", "CALLHIVE_ARI_PASSWORD": "bench-ari-secret",
        "CALLHIVE_ARI_APP": APP, "CALLHIVE_HTTP_PORT": "0", "CALLHIVE_PATHS_DATA_DIR": str(folder / "data"),
        "CALLHIVE_PATHS_CENTER": str(folder / "center.yaml"), "CALLHIVE_LOGGING_LEVEL": "warning",
    })  # fmt: skip


def read_pbxsim_side(folder: Path, session: Session, exit_code: int) -> Session:
    stamps_path = folder / "stamps.json"
    session.pbx = json.loads(stamps_path.read_text()) if stamps_path.exists() else {}
    summary = next((line.split("scenario: ", 1)[1] for line in (folder / "pbxsim.stderr").read_text().splitlines()
                    if "scenario: registered=" in line), "(no summary line)")  # fmt: skip
    session.tail = f"pbxsim exit code {exit_code}; its own count: {summary}"
    return session


async def run_session(folder: Path, plan: Plan, settings: Settings, profiler: cProfile.Profile | None) -> Session:
    center = load_center_config(settings.paths.center)
    session = Session(plan)
    starts, ends = {w.start for w in plan.windows}, {w.end for w in plan.windows}
    async with open_database(settings) as db, contextlib.AsyncExitStack() as watching:
        stderr = watching.enter_context((folder / "pbxsim.stderr").open("wb"))
        process, ready = await start_pbxsim(
            settings, stderr, module="bench.pbxsim_stamped", scenario=folder / "scenario.yaml",
            extra=("--stamps", str(folder / "stamps.json")), cwd=REPO)
        session.t0 = t0 = time.time()  # pbxsim's scenario clock started a few ms before its ready line
        try:
            settings = dataclasses.replace(
                settings,
                ami=dataclasses.replace(settings.ami, host="127.0.0.1", port=int(ready["ami_port"])),
                ari=dataclasses.replace(settings.ari, url=f"http://127.0.0.1:{ready['ari_port']}/ari"),
            )
            child, me = psutil.Process(int(ready["pid"])), psutil.Process()
            pg = postgres_processes(settings.paths.data_dir / "pg")[:1]  # the server; its backends come and go
            engine = WatchedEngine(settings, center, db, WallClock(), acd_hooks=[log_in_when_reachable],
                                   probes=probes(session.stamps))
            watch_stream(engine.stream, session.stamps)
            watching.enter_context(count_warnings(session.stamps))
            stop = asyncio.Event()
            async with asyncio.TaskGroup() as tasks:
                engine_task = tasks.create_task(engine.run(stop), name="engine")
                ready_task = tasks.create_task(engine.acd_ready.wait())
                await asyncio.wait((engine_task, ready_task), return_when=asyncio.FIRST_COMPLETED)
                ready_task.cancel()
                if engine.acd is None:
                    raise RuntimeError("the engine stopped before its ACD was up")
                tasks.create_task(lag_probe(session.stamps, t0 + plan.end), name="lag-probe")
                watching.enter_context(watch_collections(session.stamps))
                for offset in sorted(starts | ends):
                    await asyncio.sleep(max(0.0, t0 + offset - time.time()))
                    session.cpu[offset] = (cpu_seconds([me]), cpu_seconds([child]), 0.0)
                    session.pg_cpu[offset] = cpu_by_process(pg)
                    session.kinds[offset] = Counter(session.stamps.published)
                    if profiler is not None and offset in ends:
                        profiler.disable()
                    if profiler is not None and offset in starts:
                        profiler.enable()
                await asyncio.sleep(max(0.0, t0 + plan.end - time.time()))
                stop.set()
                await engine_task
        finally:
            exit_code = await stop_pbxsim(process, grace_s=30)
    return read_pbxsim_side(folder, session, exit_code)


def report(session: Session, agents: int) -> None:
    plan, mine, pbx = session.plan, session.stamps, session.pbx
    print(f"\n=== {plan.name}: {agents:,} agents (all matching), one longest-idle queue; engine, pbxsim and "
          f"embedded PostgreSQL in 3 processes; {psutil.cpu_count()} CPUs, wall clock")  # fmt: skip
    steps: list[tuple[float, bool, bool, float]] = []  # rate, routed correctly, under 50 ms at p99, engine CPU
    for w in plan.windows:
        span = w.end - w.start
        cpu = tuple((session.cpu[w.end][i] - session.cpu[w.start][i]) / span for i in range(2))
        before, after = session.pg_cpu[w.start], session.pg_cpu[w.end]
        cpu += (sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()) / span,)
        kinds = session.kinds[w.end] - session.kinds[w.start]
        figures = print_window(w.name, w.start, w.end, session.t0, mine, pbx, (cpu[0], cpu[1], cpu[2]), kinds)
        if w.step_rate is not None:
            correct = figures.arrivals > 0 and not figures.lost and not figures.not_at_enqueue
            fast = percentile(figures.legs[LEGS[0]], 0.99) < SUSTAINED_P99
            steps.append((w.step_rate, correct, correct and fast, cpu[0]))
    ordered = sorted(steps)
    for label, held in (("sustained, routing correct (no caller lost, each offered an agent at enqueue)",
                         list(itertools.takewhile(lambda step: step[1], ordered))),
                        (f"  ...and enqueue -> at pbxsim p99 < {SUSTAINED_P99 * 1000:.0f} ms too",
                         list(itertools.takewhile(lambda step: step[2], ordered)))):  # fmt: skip
        if held:
            rate, _, _, share = held[-1]
            print(f"{label}: {rate:g} calls/s, engine at {share:.0%} of one core (~{rate / share:.0f} calls/s for "
                  "a whole core, extrapolated)")  # fmt: skip
        elif steps:
            print(f"{label}: none of the steps")
    fates = Counter(pbx.get("fates", {}).values())
    print(f"\nall callers (pbxsim's side): {fates.total()}: "
          + ", ".join(f"{fate} {count}" for fate, count in sorted(fates.items())))  # fmt: skip
    print(f"pbxsim's scenario counters: {pbx.get('scenario')}")
    callers = max(1, len(mine.enqueued))
    print(f"ARI requests per caller: {mine.requests.total() / callers:.1f} ("
          + ", ".join(f"{name} {count / callers:.2f}" for name, count in mine.requests.most_common()) + ")")
    print(f"engine warnings: {mine.warnings.total()}" + "".join(
        f"; {count}x {text!r}" for text, count in mine.warnings.most_common(3)))  # fmt: skip
    print(session.tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rates", default="20,40,60,80", help="rate steps in calls/s, comma separated ('' for none)")
    parser.add_argument("--agents", type=int, default=1300)
    parser.add_argument("--skip-latency", action="store_true", help="run the rate steps only")
    parser.add_argument("--profile", type=Path, help="cProfile of this process over the measured windows, to FILE")
    args = parser.parse_args()
    rates = [float(part) for part in args.rates.split(",") if part.strip()]
    plans = ([] if args.skip_latency else [latency_plan()]) + ([rates_plan(rates)] if rates else [])
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="routing-latency-") as folder:
        for plan in plans:
            settings = prepare(Path(folder) / plan.name, plan, args.agents)
            report(asyncio.run(run_session(Path(folder) / plan.name, plan, settings, profiler)), args.agents)
    if profiler is not None:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
