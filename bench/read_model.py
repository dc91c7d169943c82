"""The read model (engine/core/read_model): rebuilt from a stored day, and one fact applied.

Makes a day of 50,000 calls' facts by driving the real ACD with simulated callers and agents
(bench/synthetic_day.py), writes them to a real PostgreSQL (the embedded one in a temporary folder, unless
DATABASE_URL is set) through the engine's EventWriter, optionally with wire events between them, then prints:

  rebuild     `engine.store.read_model.rebuild_read_model` over the whole day, best and median of --runs:
              reading the events table in pages, decoding each row to its fact, applying it; and each part
              timed alone: the same pages fetched and nothing done with them, the rows already fetched
              decoded, the facts already decoded applied (`ReadModel.feed`, a page at a time)
  apply       `ReadModel.apply` of one fact, timed fact by fact over the whole day in stream order into a
              fresh model: median, p99, max, and the kinds slowest at p99

Prints figures, never asserts. Run: .venv/bin/python -m bench.read_model [--calls N] [--wire-per-call N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg

from bench.synthetic_day import synthetic_day
from engine.core.event_record import EventRecord, EventSource
from engine.core.facts import CallStarted, Stamped, to_record
from engine.core.read_model import ReadModel, ReadModelSetup, calls_view, queues_view, setup_of
from engine.store.embedded import EmbeddedPostgres
from engine.store.event_writer import EventWriter
from engine.store.migrate import migrate
from engine.store.read_model import PAGE_QUERY, PAGE_SIZE, fact_of_row, rebuild_read_model


def stored(day: list[Stamped], wire_per_call: int) -> list[EventRecord]:
    """The day as the events table holds it: each fact, and after each CallStarted that many wire events."""
    records: list[EventRecord] = []
    for stamped in day:
        records.append(to_record(stamped.fact, len(records) + 1, stamped.at))
        if isinstance(stamped.fact, CallStarted):
            for n in range(wire_per_call):
                records.append(EventRecord(len(records) + 1, stamped.at, EventSource.ARI, "ChannelVarset",
                                           call_id=stamped.fact.call_id, leg_id=f"{stamped.fact.call_id}-in",
                                           body={"variable": f"CALLHIVE_{n}", "value": "x" * 12}))
    return records


async def write(pool: Any, records: list[EventRecord]) -> float:
    writer = EventWriter(pool, batch_size=5000)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(writer.run())
        for record in records:
            writer.submit(record)
        writer.close()
    return time.perf_counter() - started


async def read_only(pool: Any, up_to: int) -> tuple[float, list[Any]]:
    """The rebuild's reading alone: its pages, in order, rows kept and nothing done with them."""
    started = time.perf_counter()
    rows: list[Any] = []
    after = 0
    while True:
        page = await pool.fetch(PAGE_QUERY, after, up_to, PAGE_SIZE)
        rows.extend(page)
        if len(page) < PAGE_SIZE:
            return time.perf_counter() - started, rows
        after = page[-1]["seq"]


def decode_only(rows: list[Any]) -> tuple[float, list[Stamped]]:
    started = time.perf_counter()
    decoded = [Stamped(row["seq"], row["at"], fact_of_row(row)) for row in rows]  # type: ignore[arg-type]
    return time.perf_counter() - started, decoded


def apply_only(setup: ReadModelSetup, decoded: list[Stamped]) -> float:
    model = ReadModel(setup)
    started = time.perf_counter()
    for start in range(0, len(decoded), PAGE_SIZE):
        model.feed(decoded[start:start + PAGE_SIZE])
    return time.perf_counter() - started


def per_fact(setup: ReadModelSetup, day: list[Stamped]) -> tuple[list[int], dict[str, list[int]]]:
    model = ReadModel(setup)
    clock = time.perf_counter_ns
    timings: list[int] = []
    by_kind: dict[str, list[int]] = defaultdict(list)
    for stamped in day:
        t0 = clock()
        model.apply(stamped)
        elapsed = clock() - t0
        timings.append(elapsed)
        by_kind[type(stamped.fact).__name__].append(elapsed)
    return timings, by_kind


def p99(values: list[int]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else float(values[0])


async def measure(dsn: str, calls: int, wire_per_call: int, runs: int) -> None:
    started = time.perf_counter()
    simulation = synthetic_day(calls)
    day = simulation.stamped
    setup = setup_of(simulation.queues, simulation.agents)
    print(f"synthetic day: {calls:,} calls, {len(day):,} facts ({len(day) / calls:.1f} per call), "
          f"{len(simulation.agents)} agents, {len(simulation.queues)} queues, "
          f"made in {time.perf_counter() - started:.1f} s")
    records = stored(day, wire_per_call)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        if await pool.fetchval("SELECT count(*) FROM events"):
            print("the events table is not empty: this bench needs a database of its own")
            return
        seconds = await write(pool, records)
        await pool.execute("ANALYZE events")
        print(f"stored: {len(records):,} events ({len(records) - len(day):,} of them wire events) "
              f"through the EventWriter in {seconds:.1f} s")

        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rebuilt = await rebuild_read_model(pool, setup)
            timings.append(time.perf_counter() - t0)
        assert rebuilt.facts == len(day) and rebuilt.skipped == 0
        now = day[-1].at
        print(f"rebuild from the events table, whole day ({rebuilt.facts:,} facts, pages of {PAGE_SIZE:,}): "
              f"best {min(timings):.2f} s, median {statistics.median(timings):.2f} s over {runs} runs "
              f"({min(timings) / len(day) * 1e6:.1f} us per fact)  [target < 2 s]")
        reading, rows = await read_only(pool, rebuilt.seq)
        decoding, decoded = decode_only(rows)
        print(f"  its parts, each alone: reading the pages {reading:.2f} s, decoding the rows to facts "
              f"{decoding:.2f} s, applying the facts (ReadModel.feed, a page at a time) "
              f"{apply_only(setup, decoded):.2f} s")
        live = ReadModel(setup)
        live.feed(day)
        same = json.dumps([queues_view(live, now), calls_view(live, now)]) == json.dumps(
            [queues_view(rebuilt.model, now), calls_view(rebuilt.model, now)])
        print(f"  rebuilt views equal to a live model's at the last seq: {same}")
    finally:
        await pool.close()

    timings_ns, by_kind = per_fact(setup, day)
    print(f"ReadModel.apply, one fact ({len(timings_ns):,} facts in stream order, including the queue and agent "
          f"statistics it feeds): median {statistics.median(timings_ns) / 1000:.1f} us, "
          f"p99 {p99(timings_ns) / 1000:.1f} us, max {max(timings_ns) / 1000:.0f} us  [target < 20 us]")
    slowest = sorted(by_kind.items(), key=lambda item: -p99(item[1]))[:4]
    print("  slowest kinds at p99: " + ", ".join(
        f"{kind} {p99(values) / 1000:.1f} us (median {statistics.median(values) / 1000:.1f}, n={len(values):,})"
        for kind, values in slowest))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--wire-per-call", type=int, default=0, help="wire events stored with each call")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        await measure(os.environ["DATABASE_URL"], args.calls, args.wire_per_call, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="callhive-bench-") as folder:
        server = EmbeddedPostgres(Path(folder))
        dsn = await asyncio.to_thread(server.start)
        try:
            await measure(dsn, args.calls, args.wire_per_call, args.runs)
        finally:
            await asyncio.to_thread(server.stop)


if __name__ == "__main__":
    asyncio.run(main())
