"""ARI adapter figures: WebSocket events per second to typed events, and REST round-trips per second.

A child process runs a small aiohttp server on loopback that answers like the recorded Asterisk 22.10.1
(pbxsim's ARI REST is not used yet): its WebSocket sends every frame of every recorded `*.ws.jsonl`, cycled to
`--events` frames; its REST answers GET /channels/{id} (200, a recorded channel), POST .../answer (204, no
body) and POST .../play (201, a recorded playback). The engine's AriClient runs in this process, so the
figures are the adapter's alone. Also printed: the decoder on its own (no socket), for comparison.
Prints, never asserts. Run: .venv/bin/python -m bench.ari_adapter [--events N] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from typing import Any

from aiohttp import web

from engine.adapters.ari import AriClient, decode_event
from engine.clock import WallClock
from engine.config import AriSettings
from engine.pbx import ari_commands as c
from engine.pbx.ari_events import AriEvent, AriResynced
from engine.secret import Secret
from tests.recorded import TRANSCRIPTS

APP = "callcenter"
EMPTY_APP = {"name": APP, "channel_ids": [], "bridge_ids": [], "endpoint_ids": [], "device_names": []}
JSON = {"Content-type": "application/json"}


def recorded_frames() -> list[str]:
    """Every recorded frame but ApplicationReplaced, which (rightly) ends the client's run."""
    lines = [line for path in sorted(TRANSCRIPTS.glob("*.ws.jsonl")) for line in path.read_text().splitlines()]
    return [line for line in lines if json.loads(line)["type"] != "ApplicationReplaced"]


def recorded_body(path: str) -> str:
    for line in (TRANSCRIPTS / "ari_stasis_flow.rest.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["path"] == path and record["status"] in (200, 201):
            return str(record["response_body"])
    raise LookupError(path)


def serve(port_out: Any, events: int) -> None:
    """The child process: a loopback server answering like the recording."""
    frames = recorded_frames()
    channel = recorded_body("/ari/channels/1795519233.45")
    playback = recorded_body("/ari/channels/1795519233.45/play")

    async def ws(request: web.Request) -> web.StreamResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        for index in range(events):
            await socket.send_str(frames[index % len(frames)])
        async for _ in socket:
            pass
        return socket

    async def app_state(_: web.Request) -> web.Response:
        return web.Response(text=json.dumps(EMPTY_APP), headers=JSON)

    async def get_channel(_: web.Request) -> web.Response:
        return web.Response(text=channel, headers=JSON)

    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=204)

    async def play(_: web.Request) -> web.Response:
        return web.Response(status=201, text=playback, headers=JSON)

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/ari/events", ws)
        app.router.add_get(f"/ari/applications/{APP}", app_state)
        app.router.add_get("/ari/channels/{id}", get_channel)
        app.router.add_post("/ari/channels/{id}/answer", answer)
        app.router.add_post("/ari/channels/{id}/play", play)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


def decode_only(events: int) -> float:
    frames = recorded_frames()
    started = time.perf_counter()
    for index in range(events):
        decode_event(frames[index % len(frames)])
    return events / (time.perf_counter() - started)


async def websocket_rate(settings: AriSettings, events: int) -> float:
    done = asyncio.Event()
    count = 0
    started = 0.0

    def on_event(event: AriEvent) -> None:
        nonlocal count, started
        if isinstance(event, AriResynced):
            started = time.perf_counter()
            return
        count += 1
        if count == events:
            done.set()

    async with AriClient(settings, WallClock(), on_event) as client, asyncio.TaskGroup() as tasks:
        tasks.create_task(client.run())
        await done.wait()
        elapsed = time.perf_counter() - started
        await client.close()
    return events / elapsed


async def rest_rates(settings: AriSettings, requests: int) -> tuple[float, float]:
    commands: list[c.AriCommand[Any]] = [
        c.GetChannel(channel_id="1795519233.45"),
        c.AnswerChannel(channel_id="1795519233.45"),
        c.PlayOnChannel(channel_id="1795519233.45", media=("sound:hello-world",), playback_id="pb-hello-1"),
    ]
    async with AriClient(settings, WallClock(), lambda _: None) as client:
        started = time.perf_counter()
        for index in range(requests):
            await client.send(commands[index % len(commands)])
        sequential = requests / (time.perf_counter() - started)

        in_flight = 20

        async def worker(share: int) -> None:
            for index in range(share):
                await client.send(commands[index % len(commands)])

        started = time.perf_counter()
        async with asyncio.TaskGroup() as tasks:
            for _ in range(in_flight):
                tasks.create_task(worker(requests // in_flight))
        concurrent = (requests // in_flight * in_flight) / (time.perf_counter() - started)
    return sequential, concurrent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=5_000)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    port_out = context.Queue()
    server = context.Process(target=serve, args=(port_out, args.events), daemon=True)
    server.start()
    try:
        port = port_out.get(timeout=30)
        settings = AriSettings(url=f"http://127.0.0.1:{port}/ari", username="u", password=Secret("p"), app=APP)
        frames = len(recorded_frames())
        print(f"recorded frames: {frames} from {len(list(TRANSCRIPTS.glob('*.ws.jsonl')))} transcripts")
        print(f"decoder alone          : {decode_only(args.events):>9,.0f} typed events/s")
        print(f"websocket -> typed     : {asyncio.run(websocket_rate(settings, args.events)):>9,.0f} events/s "
              f"({args.events:,} frames over loopback)")  # fmt: skip
        sequential, concurrent = asyncio.run(rest_rates(settings, args.requests))
        print(f"REST round-trips       : {sequential:>9,.0f} /s sequential ({args.requests:,} requests: GET channel, "
              f"POST answer 204, POST play 201)")  # fmt: skip
        print(f"REST round-trips       : {concurrent:>9,.0f} /s with 20 in flight")
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
