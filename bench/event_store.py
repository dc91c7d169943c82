"""Event stream -> PostgreSQL: how fast the engine can record its ordered events.

Publishes events through the engine's EventStream (stamping seq, as the runtime does) into the batch
EventWriter and a real PostgreSQL (the embedded one, in a temporary folder, unless DATABASE_URL is set),
and prints: the synchronous cost of publish() on the routing path (p50/p99), and the sustained rate at
which events reach the database. Run: .venv/bin/python -m bench.event_store [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from engine.clock import WallClock
from engine.core.event_record import EventSource
from engine.runtime import EventStream
from engine.store.embedded import EmbeddedPostgres
from engine.store.event_writer import DEFAULT_CAPACITY, EventWriter
from engine.store.migrate import migrate


async def measure(dsn: str, events: int, burst: int) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    async with pool.acquire() as conn:
        await migrate(conn)
    start_seq = int(await pool.fetchval("SELECT coalesce(max(seq), 0) FROM events"))
    # Room for the whole run: this measures the writer's rate, not its bound (engine/store/event_writer.py).
    writer = EventWriter(pool, capacity=max(DEFAULT_CAPACITY, 2 * events))
    stream = EventStream(WallClock(), writer, start_seq)
    publish_ns: list[int] = []
    body = {"Channel": "PJSIP/1001-00000007", "ChannelState": "6", "Uniqueid": "1732532107.15"}
    started = time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(writer.run())
        for n in range(events):
            t0 = time.perf_counter_ns()
            stream.publish(EventSource.AMI, "Newstate", call_id=f"call-{n % 997}", leg_id=f"leg-{n}", body=body)
            publish_ns.append(time.perf_counter_ns() - t0)
            if n % burst == burst - 1:
                await asyncio.sleep(0)  # let the writer run between bursts, as the event loop would
        writer.close()
    elapsed = time.perf_counter() - started
    stored = int(await pool.fetchval("SELECT count(*) FROM events WHERE seq > $1", start_seq))
    await pool.close()
    quantiles = statistics.quantiles(publish_ns, n=100)
    print(f"events published and stored: {stored} of {events} in {elapsed:.2f} s")
    print(f"stored rate: {stored / elapsed:,.0f} events/s in {writer.batches} batches "
          f"(mean {stored / max(writer.batches, 1):.0f} per COPY)")
    print(f"publish() on the routing path: p50 {quantiles[49] / 1000:.1f} us, p99 {quantiles[98] / 1000:.1f} us")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=200, help="events published between yields")
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        await measure(os.environ["DATABASE_URL"], args.events, args.burst)
        return
    with tempfile.TemporaryDirectory(prefix="callhive-bench-") as folder:
        server = EmbeddedPostgres(Path(folder))
        dsn = await asyncio.to_thread(server.start)
        try:
            await measure(dsn, args.events, args.burst)
        finally:
            await asyncio.to_thread(server.stop)


if __name__ == "__main__":
    asyncio.run(main())
