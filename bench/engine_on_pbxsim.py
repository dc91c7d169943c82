"""The whole engine against pbxsim at 20 arrivals/s: loop lag, events/s, REST round-trips, routing, CPU.

pbxsim runs as a child process on the wall clock (`python -m pbxsim --ami-port 0 --ari-port 0 --scenario
scenarios/bench_20ps.yaml --app bench`, credentials in PBXSIM_* environment variables as the demo passes
them; the bench reads the ports from its JSON ready line). The scenario registers 1,200 softphones in the
first seconds (answer after 0.5-1.5 s, talk 30-60 s) and sends callers into `Stasis(bench,inbound,5000)` at
20/s from 20 s to 95 s after pbxsim starts (about 1,500 calls). In this process runs the real engine:
`engine.app.Engine` with a generated center config (one longest-idle queue, 2 s wrap-up, the 1,200 agents,
logged in as their softphone becomes reachable), its AMI and ARI clients connected to pbxsim, and a
throwaway embedded PostgreSQL in a temporary directory to which every event is written.

Measured, all in this process and on the wall clock:
  (a) event-loop lag during the arrival window: a task sleeps 10 ms in a loop and records how late it wakes
      (p50/p99/max; goal p99 < 20 ms);
  (b) AMI typed events/s and ARI events/s the engine received in that window: the records of source AMI and
      ARI on the engine's ordered stream (a subscriber of `Engine.stream`), i.e. after the adapters' typing;
  (c) ARI REST round-trips/s against pbxsim, through a second `AriClient.send` (no WebSocket of its own, so
      the engine's application is not replaced): GET /asterisk/info, sequential and with 20 in flight, 5 s
      each, at 6-16 s, while the engine is connected but before the first caller arrives;
  (d) calls offered/answered/abandoned (the ACD's CallerEnqueued, AgentConnected, CallerAbandoned records for
      calls that arrived in the window) and the routing latency per call, first offer only: the caller's
      StasisStart record (ARI event received and typed) -> CallerEnqueued -> AgentOffered -> the originate
      request handed to the ARI client (`AriClient.send(OriginateChannel)`, wrapped by the bench on the
      engine's instance; the HTTP request is written in that call) -> pbxsim's 200 for it. The ACD's facts are
      stamped when the runtime publishes them, after `Acd.handle(CallEnqueued)` has returned with its decision,
      so stasis->enqueued holds the new caller's bookkeeping plus the whole routing decision, and
      enqueued->offered only the publishing between the two facts; `Acd.handle` is also timed on its own
      (wrapped on the instance). Between AgentOffered and the originate the request waits in the ACD runtime's
      one ordered queue of PBX requests, behind every earlier request (answer and 4 setvars of this caller,
      the requests of other calls), each a full REST round-trip;
  (e) CPU seconds per wall second in the arrival window (100% = one core) of pbxsim (psutil on the child),
      of this process (engine + the bench's probes) and of the embedded PostgreSQL (server + backends).

Prints figures, never asserts. Run: .venv/bin/python -m bench.engine_on_pbxsim   (about 2 minutes)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from engine.adapters.ari import AriClient
from engine.app import Engine
from engine.center_config import load_center_config
from engine.clock import WallClock
from engine.config import Settings, load_settings
from engine.core.acd import CallEnqueued
from engine.core.event_record import EventRecord, EventSource
from engine.demo_team import log_in_when_reachable
from engine.instrument import Probes
from engine.pbx import ari_commands as cmd
from engine.store.database import open_database

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "bench_20ps.yaml"
APP = "bench"
AGENTS = range(3001, 4201)  # as in the scenario
REST_AT, REST_SPAN = 6.0, 5.0  # seconds after pbxsim's start: sequential, then 20 in flight
ARRIVALS = (20.0, 95.0)  # the scenario's window of 20/s
END = 96.0
PROBE_S = 0.010


def center_yaml() -> str:
    agents = "\n".join(f'  "{n}": {{endpoint: PJSIP/{n}, queues: [support]}}' for n in AGENTS)
    return (
        "queues:\n  support: {strategy: longest_idle, wrapup_s: 2, ring_timeout_s: 15}\n"
        f'agents:\n{agents}\nnumbers:\n  "5000": {{queue: support}}\n'
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5) * 1000:6.1f} ms, p99 {percentile(values, 0.99) * 1000:6.1f} ms"


@dataclasses.dataclass
class Observed:
    """What the bench saw of the engine, stamped on the wall clock (the engine's `received_at`)."""

    window: tuple[float, float] = (float("inf"), float("inf"))
    by_source: Counter[str] = dataclasses.field(default_factory=Counter)
    kinds: Counter[str] = dataclasses.field(default_factory=Counter)
    stasis_start: dict[str, float] = dataclasses.field(default_factory=dict)  # caller leg -> received_at
    call_leg: dict[str, str] = dataclasses.field(default_factory=dict)  # call id -> caller leg
    enqueued: dict[str, float] = dataclasses.field(default_factory=dict)
    offered: dict[str, float] = dataclasses.field(default_factory=dict)  # first offer per call
    connected: set[str] = dataclasses.field(default_factory=set)
    abandoned: set[str] = dataclasses.field(default_factory=set)
    originate_sent: dict[str, float] = dataclasses.field(default_factory=dict)  # call id -> first send
    originate_done: dict[str, float] = dataclasses.field(default_factory=dict)
    lags: list[float] = dataclasses.field(default_factory=list)
    decisions: list[float] = dataclasses.field(default_factory=list)  # Acd.handle(CallEnqueued), seconds

    def take(self, record: EventRecord) -> None:
        at = record.received_at
        if self.window[0] <= at < self.window[1]:
            self.by_source[record.source.value] += 1
            self.kinds[record.type] += 1
        if record.source is EventSource.ARI and record.type == "StasisStart" and record.leg_id:
            self.stasis_start.setdefault(record.leg_id, at)
        elif record.call_id is None:
            return
        elif record.type == "CallStarted" and record.leg_id:
            self.call_leg[record.call_id] = record.leg_id
        elif record.type == "CallerEnqueued":
            self.enqueued.setdefault(record.call_id, at)
        elif record.type == "AgentOffered":
            self.offered.setdefault(record.call_id, at)
        elif record.type == "AgentConnected":
            self.connected.add(record.call_id)
        elif record.type == "CallerAbandoned":
            self.abandoned.add(record.call_id)


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """The embedded server (found by its data directory on the command line) and its backends."""
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if "postgres" in cmdline and str(pgdata) in cmdline:
            with contextlib.suppress(psutil.Error):
                return [process, *process.children(recursive=True)]
    return []


async def lag_probe(observed: Observed, until: float) -> None:
    while time.time() < until:
        before = time.perf_counter()
        await asyncio.sleep(PROBE_S)
        observed.lags.append(time.perf_counter() - before - PROBE_S)


async def rest_rates(settings: Settings) -> tuple[float, float]:
    async with AriClient(settings.ari, WallClock(), lambda _: None) as client:
        count, deadline = 0, time.perf_counter() + REST_SPAN
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            await client.send(cmd.GetAsteriskInfo())
            count += 1
        sequential = count / (time.perf_counter() - started)

        done = 0
        deadline = time.perf_counter() + REST_SPAN
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await client.send(cmd.GetAsteriskInfo())
                done += 1

        async with asyncio.TaskGroup() as tasks:
            for _ in range(20):
                tasks.create_task(worker())
        return sequential, done / (time.perf_counter() - started)


def probes(observed: Observed) -> Probes:
    """Through the engine's instrumentation hooks: each originate's send and answer, each enqueue's decision."""

    def call_of(command: object) -> str | None:
        if not isinstance(command, cmd.OriginateChannel):
            return None
        return (command.variables or {}).get("CALLHIVE_CALL", "")

    def requested(command: object) -> None:
        if (call_id := call_of(command)) is not None:
            observed.originate_sent.setdefault(call_id, time.time())

    def answered(command: object) -> None:
        if (call_id := call_of(command)) is not None:
            observed.originate_done.setdefault(call_id, time.time())

    def decided(event: object, _out: Sequence[object], seconds: float) -> None:
        if isinstance(event, CallEnqueued):
            observed.decisions.append(seconds)

    return Probes(decided=decided, requested=requested, answered=answered)


async def start_pbxsim(settings: Settings, stderr: Any, *, module: str = "pbxsim",
                       scenario: Path = SCENARIO, extra: tuple[str, ...] = (),
                       cwd: Path | None = None) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """pbxsim (or a wrapper `module` around it) in its own process, on free ports, with the settings' credentials;
    returns once it has printed the ports it listens on."""
    env = {
        **os.environ,
        "PBXSIM_AMI_USERNAME": settings.ami.username,
        "PBXSIM_AMI_SECRET": settings.ami.secret.reveal(),
        "PBXSIM_ARI_USERNAME": settings.ari.username,
        "PBXSIM_ARI_PASSWORD": settings.ari.password.reveal(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *extra, "--host", "127.0.0.1", "--ami-port", "0", "--ari-port", "0",
        "--scenario", str(scenario), "--app", APP, "--log-level", "INFO",
        stdout=asyncio.subprocess.PIPE, stderr=stderr, env=env, cwd=cwd,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    if not line.startswith(b"{"):
        raise RuntimeError(f"pbxsim did not start: {line!r} (exit code {await process.wait()})")
    ready: dict[str, Any] = json.loads(line)
    return process, ready


async def stop_pbxsim(process: asyncio.subprocess.Process, grace_s: float = 10) -> int:
    """SIGTERM, then SIGKILL after `grace_s` (with ~1,000 calls up pbxsim takes a while to close them all)."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode if process.returncode is not None else -1


async def run(folder: Path) -> None:
    (folder / "bench.toml").write_text("")
    (folder / "center.yaml").write_text(center_yaml())
    settings = load_settings(folder / "bench.toml", {
        "CALLHIVE_AMI_USERNAME": "bench-ami", "CALLHIVE_AMI_SECRET": "bench-ami-secret",
        "CALLHIVE_ARI_USERNAME": "bench-ari", "CALLHIVE_ARI_PASSWORD": "bench-ari-secret",
        "CALLHIVE_ARI_APP": APP, "CALLHIVE_HTTP_PORT": "0", "CALLHIVE_PATHS_DATA_DIR": str(folder / "data"),
        "CALLHIVE_PATHS_CENTER": str(folder / "center.yaml"), "CALLHIVE_LOGGING_LEVEL": "warning",
    })  # fmt: skip
    center = load_center_config(settings.paths.center)
    observed = Observed()
    stderr_path = folder / "pbxsim.stderr"
    cpu: dict[str, tuple[float, float, float]] = {}
    async with open_database(settings) as db:
        with stderr_path.open("wb") as stderr:
            process, ready = await start_pbxsim(settings, stderr)
            t0 = time.time()  # pbxsim's scenario clock started a few ms before its ready line
            try:
                settings = dataclasses.replace(
                    settings,
                    ami=dataclasses.replace(settings.ami, host="127.0.0.1", port=int(ready["ami_port"])),
                    ari=dataclasses.replace(settings.ari, url=f"http://127.0.0.1:{ready['ari_port']}/ari"),
                )
                child, me = psutil.Process(int(ready["pid"])), psutil.Process()
                pg = postgres_processes(settings.paths.data_dir / "pg")
                engine = Engine(settings, center, db, WallClock(), acd_hooks=[log_in_when_reachable],
                                probes=probes(observed))
                subscription = engine.stream.subscribe(limit=10_000_000)
                stop = asyncio.Event()

                async def consume() -> None:
                    async for record in subscription:
                        observed.take(record)

                async def at(offset: float) -> None:
                    await asyncio.sleep(max(0.0, t0 + offset - time.time()))

                def mark(name: str) -> None:
                    cpu[name] = (cpu_seconds([child]), cpu_seconds([me]), cpu_seconds(pg))

                async with asyncio.TaskGroup() as tasks:
                    engine_task = tasks.create_task(engine.run(stop), name="engine")
                    tasks.create_task(consume(), name="bench-subscriber")
                    for _ in range(1000):  # the ACD exists once the engine's HTTP server listens
                        if engine.acd is not None or engine_task.done():
                            break
                        await asyncio.sleep(0.02)
                    await at(REST_AT)
                    sequential, concurrent = await rest_rates(settings)
                    observed.window = (t0 + ARRIVALS[0], t0 + ARRIVALS[1])
                    await at(ARRIVALS[0])
                    mark("start")
                    await lag_probe(observed, t0 + ARRIVALS[1])
                    mark("end")
                    waiting_at_end = engine.acd.queues_view() if engine.acd is not None else []
                    await at(END)
                    written_before_stop = engine.writer.written
                    stop.set()
                    await engine_task
                    written = engine.writer.written
            finally:
                exit_code = await stop_pbxsim(process)
    summary = next((line.split("scenario: ", 1)[1] for line in stderr_path.read_text().splitlines()
                    if "scenario: registered=" in line), "(no summary line)")  # fmt: skip
    report(observed, cpu, (sequential, concurrent), waiting_at_end, (written_before_stop, written))
    print(f"pbxsim exit code {exit_code}; its own count: {summary}")


def report(
    seen: Observed, cpu: dict[str, tuple[float, float, float]], rest: tuple[float, float],
    queues: list[dict[str, object]], written: tuple[int, int],
) -> None:  # fmt: skip
    span = seen.window[1] - seen.window[0]
    print(f"engine on pbxsim: {len(AGENTS):,} softphones, 20 arrivals/s for {span:.0f} s "
          f"(scenarios/{SCENARIO.name}), engine + embedded PostgreSQL in this machine, wall clock")  # fmt: skip
    print(f"(c) ARI REST GET /asterisk/info via AriClient.send, idle PBX: {rest[0]:,.0f}/s sequential, "
          f"{rest[1]:,.0f}/s with 20 in flight ({REST_SPAN:.0f} s each)")  # fmt: skip
    late = seen.lags
    print(f"(a) event-loop lag (10 ms sleeps, {len(late):,} samples over the arrival window): {ms(late)}, "
          f"max {max(late, default=float('nan')) * 1000:.1f} ms; goal p99 < 20 ms")  # fmt: skip
    ami, ari = seen.by_source[EventSource.AMI.value], seen.by_source[EventSource.ARI.value]
    print(
        f"(b) received by the engine in the window: AMI {ami / span:,.0f} typed events/s ({ami:,}), "
        f"ARI {ari / span:,.0f} events/s ({ari:,}); engine's own records {seen.by_source['engine'] / span:,.0f}/s"
    )
    top = ", ".join(f"{kind} {count / span:.0f}" for kind, count in seen.kinds.most_common(8))
    print(f"    busiest types (/s): {top}")
    print(f"    stored in PostgreSQL: {written[0]:,} events by the stop, {written[1]:,} once stopped")
    in_window = {c for c, t in seen.enqueued.items() if seen.window[0] <= t < seen.window[1]}
    answered = len(in_window & seen.connected)
    abandoned = len(in_window & seen.abandoned)
    print(f"(d) calls offered {len(in_window):,} (CallerEnqueued), answered {answered:,} (AgentConnected), "
          f"abandoned {abandoned:,} (CallerAbandoned), other (ringing/queued at the stop) "
          f"{len(in_window) - answered - abandoned:,}")  # fmt: skip
    for row in queues:
        print(f"    queue {row['queue']} at the window's end: waiting {row['waiting']}, agents {row['agents']}")
    legs: dict[str, list[float]] = {
        "stasis->enqueued": [],
        "enqueued->offered": [],
        "offered->originate": [],
        "stasis->originate": [],
        "originate round-trip": [],
        "stasis->200": [],
    }
    for call in in_window:
        start = seen.stasis_start.get(seen.call_leg.get(call, ""))
        offered, sent, done = seen.offered.get(call), seen.originate_sent.get(call), seen.originate_done.get(call)
        if start is None or offered is None or sent is None or done is None:
            continue
        legs["stasis->enqueued"].append(seen.enqueued[call] - start)
        legs["enqueued->offered"].append(offered - seen.enqueued[call])
        legs["offered->originate"].append(sent - offered)
        legs["stasis->originate"].append(sent - start)
        legs["originate round-trip"].append(done - sent)
        legs["stasis->200"].append(done - start)
    print(f"    routing latency, first offer of {len(legs['stasis->originate']):,} calls:")
    for name, values in legs.items():
        print(f"      {name:<21}{ms(values)}, max {max(values, default=float('nan')) * 1000:7.1f} ms")
    print(f"      Acd.handle(CallEnqueued) alone {ms(seen.decisions)} ({len(seen.decisions):,} calls)")
    print(
        "    stasis = caller StasisStart received; originate = OriginateChannel handed to AriClient.send "
        "(written on the wire in that call); 200 = pbxsim's answer to it"
    )
    (sim0, me0, pg0), (sim1, me1, pg1) = cpu["start"], cpu["end"]
    print(
        f"(e) CPU over the window (CPU s per wall s, 100% = one core): pbxsim {(sim1 - sim0) / span:.0%}, "
        f"engine process {(me1 - me0) / span:.0%} (incl. the bench's probe and subscriber), "
        f"embedded PostgreSQL {(pg1 - pg0) / span:.0%}; {psutil.cpu_count()} CPUs"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="engine-on-pbxsim-") as folder:
        asyncio.run(run(Path(folder)))


if __name__ == "__main__":
    main()
