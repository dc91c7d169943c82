"""AMI in: typed events per second through the engine's adapter, beside panoramisk's own parse rate.

Input: the event messages of the recorded queue-call sessions (tests/recordings/asterisk/transcripts, Asterisk
22.10.1), concatenated and repeated to about --events events, after the banner, cut into reads of --read
bytes (a socket hands over similar pieces). The same reads go through:
- panoramisk: its AMIProtocol.data_received (decode per read, split, Message.from_line, handle_message)
  up to its factory's dispatch(), which only counts; and again through its real Manager.dispatch to one
  synchronous '*' callback (how the engine would otherwise consume it);
- the adapter: AmiTransport.data_received (framing) -> the client's one queue -> its drain task (decode,
  typing, ActionID bookkeeping) -> the consumer callback, which counts.
Prints both rates and their ratio (goal: the adapter keeps >= 80% of panoramisk's). Figures, not a test.
Run: .venv/bin/python -m bench.ami_adapter [--events N] [--read BYTES]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter, deque
from typing import Any, ClassVar

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.manager import Manager

from engine.adapters.ami.client import _STOP, AmiClient
from engine.adapters.ami.protocol import AmiTransport
from engine.clock import WallClock
from engine.config import AmiSettings
from engine.pbx.ami_events import AmiEvent, AmiStreamItem, UnknownAmiEvent
from engine.secret import Secret
from tests.recorded import TRANSCRIPTS

QUEUE_CALL_MIX = [
    "ami_login_and_queue_call",
    "ami_abandon",
    "ami_ringnoanswer",
    "ami_mixmonitor",
    "ami_chanspy",
    "ami_pjsip_loop_queue_call",
]
BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def recorded_events() -> list[bytes]:
    found: list[bytes] = []
    for name in QUEUE_CALL_MIX:
        stream = (TRANSCRIPTS / f"{name}.txt").read_bytes().removeprefix(BANNER)
        found.extend(m + b"\r\n\r\n" for m in stream.split(b"\r\n\r\n") if m.startswith(b"Event: "))
    return found


def reads(events: list[bytes], total: int, size: int) -> tuple[list[bytes], int]:
    repeats = max(1, total // len(events))
    data = BANNER + b"".join(events) * repeats
    return [data[at : at + size] for at in range(0, len(data), size)], len(events) * repeats


class _CountingFactory:
    """The part of panoramisk's Manager its protocol calls on the data path."""

    save_stream = None
    forgetable_actions = ()
    awaiting_actions: ClassVar[list[Any]] = []

    def __init__(self) -> None:
        self.dispatched = 0

    def dispatch(self, message: Any) -> None:
        self.dispatched += 1


def panoramisk_rate(chunks: list[bytes], expected: int, with_manager: bool = False) -> float:
    protocol = AMIProtocol()
    protocol.connection_made(None)
    factory: Any = _CountingFactory()
    if with_manager:
        # panoramisk's own Manager.dispatch (fnmatch patterns per event) to one synchronous '*' callback.
        counter = _CountingFactory()
        factory = Manager(loop=asyncio.new_event_loop())
        # Without its own FullyBooted hook: that one is a coroutine panoramisk would fire and forget.
        factory.callbacks.clear()
        factory.patterns.clear()
        factory.register_event("*", lambda manager, message: counter.dispatch(message))
    # As panoramisk's Manager.connection_made sets them up.
    protocol.factory = factory
    protocol.queue = deque()
    protocol.encoding = "utf8"
    protocol.log = logging.getLogger("panoramisk.bench")
    started = time.perf_counter()
    for chunk in chunks:
        protocol.data_received(chunk)
    elapsed = time.perf_counter() - started
    if with_manager:
        factory.loop.close()
        factory = counter
    assert factory.dispatched == expected, (factory.dispatched, expected)
    return expected / elapsed


async def adapter_rate(chunks: list[bytes], expected: int) -> tuple[float, Counter[str]]:
    counts: Counter[str] = Counter()
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    delivered = 0

    def consume(item: AmiStreamItem) -> None:
        nonlocal delivered
        if isinstance(item, AmiEvent):
            delivered += 1
            if delivered <= expected // 10:  # a sample of the mix, for the printout
                counts[item.name if isinstance(item, UnknownAmiEvent) else type(item).__name__] += 1
            if delivered == expected:
                done.set_result(None)

    settings = AmiSettings("127.0.0.1", 5038, "bench", Secret("bench"), 5.0)
    client = AmiClient(settings, WallClock(), consume)
    # Drive the client's own consumer without a socket: the protocol's sink is the client's queue, and the
    # session is marked open as after login (private hooks, for this measurement only).
    client._open_gate(resynced=False)
    transport = AmiTransport(client._queue.put_nowait)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        group.create_task(client._drain())
        for chunk in chunks:
            transport.data_received(chunk)
            await asyncio.sleep(0)  # one read per loop turn, as from a socket
        await done
        elapsed = time.perf_counter() - started
        client._queue.put_nowait(_STOP)
    return expected / elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--read", type=int, default=4096, help="bytes per read")
    args = parser.parse_args()
    logging.getLogger("panoramisk").setLevel(logging.WARNING)
    events = recorded_events()
    chunks, total = reads(events, args.events, args.read)
    size = sum(map(len, chunks))
    print(f"input: {len(events)} recorded events from {len(QUEUE_CALL_MIX)} queue-call sessions, repeated to "
          f"{total} events, {size / 1e6:.1f} MB in {len(chunks)} reads of {args.read} B")  # fmt: skip
    theirs = panoramisk_rate(chunks, total)
    managed = panoramisk_rate(chunks, total, with_manager=True)
    ours, mix = asyncio.run(adapter_rate(chunks, total))
    print(f"panoramisk parse (data_received -> dispatch):          {theirs:>9,.0f} events/s")
    print(f"panoramisk + Manager.dispatch to one '*' callback:     {managed:>9,.0f} events/s")
    print(f"adapter (framing, decode, typing, queue, consumer):    {ours:>9,.0f} events/s  "
          f"({ours / theirs:.0%} of panoramisk; goal >= 80%)")  # fmt: skip
    print("mix (first 10%):", ", ".join(f"{name} {n}" for name, n in mix.most_common(8)), "...")


if __name__ == "__main__":
    main()
