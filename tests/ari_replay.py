"""Replays recorded ARI transcripts over a real loopback socket: a small aiohttp server, not pbxsim.

`load_transcript(name)` reads `tests/recordings/asterisk/transcripts/<name>.*`: the WebSocket frames split into the
sessions they were received on (X.txt marks each "connecting websocket"), and the REST exchanges
(X.rest.jsonl). `ReplayServer` serves them: each WebSocket connection gets the next session's frames, and each
REST request is answered with the next recorded exchange of the same method, path and query (status, reason,
Content-Type and raw body as Asterisk sent them). A request nobody recorded is kept in `unexpected` and
answered like Asterisk answers an unknown path. Basic auth is checked like Asterisk does.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from engine.adapters.ari import AriClient, Backoff
from engine.config import AriSettings
from engine.pbx.ari_events import AriEvent
from engine.secret import Secret
from pbxsim.clock import ManualClock
from tests.recorded import TRANSCRIPTS

APP = "callcenter"
USER = "engine"
PASSWORD = "engine"

Query = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # as on the wire, with the /ari prefix
    query: Query
    status: int
    reason: str
    content_type: str | None
    body: str | None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Exchange:
        headers = {name.lower(): value for name, value in record["response_headers"].items()}
        return cls(
            method=record["method"],
            path=record["path"],
            query=tuple(sorted((str(k), str(v)) for k, v in record["query"].items())),
            status=record["status"],
            reason=record["reason"],
            content_type=headers.get("content-type"),
            body=record["response_body"] or None,
        )

    def json(self) -> Any:
        assert self.body is not None
        return json.loads(self.body)


@dataclass(frozen=True)
class Transcript:
    name: str
    sessions: tuple[tuple[str, ...], ...]
    exchanges: tuple[Exchange, ...]

    @property
    def frames(self) -> tuple[str, ...]:
        return tuple(frame for session in self.sessions for frame in session)

    def exchange(self, method: str, path: str, nth: int = 0) -> Exchange:
        found = [ex for ex in self.exchanges if ex.method == method and ex.path == path]
        return found[nth]


def load_transcript(name: str) -> Transcript:
    sessions: list[list[str]] = []
    for line in (TRANSCRIPTS / f"{name}.txt").read_text().splitlines():
        if line.startswith("NOTE ") and "connecting websocket" in line:
            sessions.append([])
        elif line.startswith("WS "):
            sessions[-1].append(line.split(" ", 2)[2])
    raw_frames = (TRANSCRIPTS / f"{name}.ws.jsonl").read_text().splitlines()
    assert [f for s in sessions for f in s] == raw_frames, "X.txt and X.ws.jsonl disagree"
    records = (TRANSCRIPTS / f"{name}.rest.jsonl").read_text().splitlines()
    exchanges = tuple(Exchange.from_record(json.loads(line)) for line in records)
    return Transcript(name, tuple(tuple(s) for s in sessions), exchanges)


def empty_app() -> Exchange:
    """The recorded answer of GET /applications/callcenter for an app holding nothing (ari_stasis_flow)."""
    return load_transcript("ari_stasis_flow").exchange("GET", f"/ari/applications/{APP}")


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: Query
    authorization: str | None


@dataclass
class ReplayServer:
    sessions: Sequence[Sequence[str]] = ()
    exchanges: Sequence[Exchange] = ()
    # Answer this many WebSocket handshakes with 503 before accepting one.
    refuse_ws: int = 0
    # Drop the TCP connection (no answer at all) for this many REST requests.
    drop_rest: int = 0
    requests: list[SeenRequest] = field(default_factory=list)
    ws_requests: list[SeenRequest] = field(default_factory=list)
    unexpected: list[SeenRequest] = field(default_factory=list)
    ws_connections: int = 0

    def __post_init__(self) -> None:
        self._queues: dict[tuple[str, str, Query], deque[Exchange]] = {}
        for exchange in self.exchanges:
            self._queues.setdefault((exchange.method, exchange.path, exchange.query), deque()).append(exchange)
        self._ws: web.WebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def add(self, *exchanges: Exchange) -> None:
        for exchange in exchanges:
            self._queues.setdefault((exchange.method, exchange.path, exchange.query), deque()).append(exchange)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ari/events", self._events)
        app.router.add_route("*", "/ari/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/ari"
        return self.url

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    def _seen(request: web.Request) -> SeenRequest:
        query = tuple(sorted(request.query.items()))
        return SeenRequest(request.method, request.path, query, request.headers.get("Authorization"))

    @staticmethod
    def _authorized(seen: SeenRequest) -> bool:
        return seen.authorization == aiohttp.encode_basic_auth(USER, PASSWORD)

    @staticmethod
    def _unauthorized() -> web.Response:
        return web.Response(
            status=401,
            body=b'{"message":"Authentication required"}',
            headers={"Content-type": "application/json", "WWW-Authenticate": 'Basic realm="Asterisk REST Interface"'},
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        seen = self._seen(request)
        self.ws_requests.append(seen)
        if not self._authorized(seen):
            return self._unauthorized()
        if self.refuse_ws > 0:
            self.refuse_ws -= 1
            return web.Response(status=503, reason="Service Unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        index = self.ws_connections
        self._ws = ws
        for frame in self.sessions[index] if index < len(self.sessions) else ():
            await ws.send_str(frame)
        async with self._changed:
            self.ws_connections += 1
            self._changed.notify_all()
        async for _ in ws:
            pass  # the client sends nothing; this ends when either side closes
        return ws

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        seen = self._seen(request)
        self.requests.append(seen)
        if self.drop_rest > 0:
            self.drop_rest -= 1
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if not self._authorized(seen):
            return self._unauthorized()
        queue = self._queues.get((seen.method, seen.path, seen.query))
        if not queue:
            self.unexpected.append(seen)
            return web.Response(
                status=404, body=b'{"message":"Resource not found"}', headers={"Content-type": "application/json"}
            )
        exchange = queue.popleft()
        headers = {"Content-type": exchange.content_type} if exchange.content_type else {}
        body = exchange.body.encode() if exchange.body is not None else None
        return web.Response(status=exchange.status, reason=exchange.reason, body=body, headers=headers)

    async def wait_connections(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.ws_connections >= count)

    async def push(self, frame: str) -> None:
        assert self._ws is not None, "no WebSocket connected"
        await self._ws.send_str(frame)

    async def close_socket(self) -> None:
        """Close the current WebSocket from the server side (code 1000, as Asterisk answers)."""
        assert self._ws is not None, "no WebSocket connected"
        await self._ws.close()


def settings(url: str, password: str = PASSWORD) -> AriSettings:
    return AriSettings(url=url, username=USER, password=Secret(password), app=APP)


@dataclass
class Harness:
    server: ReplayServer
    client: AriClient
    clock: ManualClock
    events: asyncio.Queue[AriEvent]

    async def take(self, count: int, timeout: float = 5.0) -> list[AriEvent]:
        """The next `count` events of the stream, waiting for them (by events, bounded as a safety net)."""
        async with asyncio.timeout(timeout):
            return [await self.events.get() for _ in range(count)]

    async def next_sleep(self, timeout: float = 5.0) -> float:
        """The next wait the client asks of the clock, waiting for it (by events, bounded as a safety net)."""
        async with asyncio.timeout(timeout):
            return await self.clock.next_sleep()


@asynccontextmanager
async def serving(server: ReplayServer) -> AsyncIterator[ReplayServer]:
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running(server: ReplayServer, backoff: Backoff | None = None) -> AsyncIterator[Harness]:
    """A started server and a client whose run() is a task of a TaskGroup, closed on exit."""
    async with serving(server):
        clock = ManualClock()
        events: asyncio.Queue[AriEvent] = asyncio.Queue()
        client = AriClient(settings(server.url), clock, events.put_nowait, backoff=backoff or Backoff())
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(client.run())
            try:
                yield Harness(server, client, clock, events)
            finally:
                await client.close()
