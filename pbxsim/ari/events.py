"""`GET /ari/events?app=NAME[,NAME...]`: the ARI event WebSocket and the registry of who listens.

Behaviour taken from the recordings:

* No greeting: the first frame a client sees is the first real event (NOTES ARI 1).
* The server answers a client close frame with close code 1000 (NOTES ARI 14; aiohttp does this).
* One socket speaks for an application at a time. A second socket for the same app takes over; the first
  receives `{"type":"ApplicationReplaced","timestamp":...,"application":...,"asterisk_id":...}` (that key
  order, transcripts/ari_ws_reconnect.ws.jsonl), stays open, and gets nothing more for that app.
* Events are compact JSON text frames (same encoder as REST bodies).

`EventSockets.send_nowait(app, frame)` is how the call model's events reach clients: synchronous (the model's
bus is), it puts the encoded frame on the owning socket's queue, drained by one writer task per socket, so
per-app order is the order of publication. It returns False when no socket listens for the app (Asterisk
then logs "missed message" and drops the event, never replaying it - NOTES "Later recordings" 12).
`frames_sent(app)` counts every frame queued on behalf of an app (ApplicationReplaced included) so tests can
wait for "everything so far" without wall-time sleeps. `on_attach`/`on_detach` tell the Stasis registry
that an app became active / lost its socket (a replaced socket closing does not count).

Shutdown: aiohttp only finishes cleanup once every handler has returned, and a websocket handler returns
only when its socket closes, so `close_all()` must run from the app's on_shutdown hook (otherwise cleanup
waits out the shutdown timeout for each open socket). Closing uses code 1000 and a short wait for the
client's close reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, web

from pbxsim.ari.http import dump_json, error_response
from pbxsim.core import Core, iso_millis

log = logging.getLogger("pbxsim.ari")

# How long a server-initiated close waits for the client's close frame (wall time, aiohttp internals).
_CLOSE_TIMEOUT = 2.0


class EventSockets:
    """Open event websockets and the application -> socket routing."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._owners: dict[str, web.WebSocketResponse] = {}
        self._open: set[web.WebSocketResponse] = set()
        self._queues: dict[web.WebSocketResponse, asyncio.Queue[bytes]] = {}
        self._sent: Counter[str] = Counter()
        self._per_socket: dict[web.WebSocketResponse, int] = {}
        self.history: list[int] = []  # frames queued per socket, in the order sockets attached
        self._changed = asyncio.Event()
        self.on_attach: Callable[[str], None] | None = None
        self.on_detach: Callable[[str], None] | None = None

    def listening(self, app: str) -> bool:
        return app in self._owners

    @property
    def open_count(self) -> int:
        return len(self._open)

    def frames_sent(self, app: str) -> int:
        return self._sent[app]

    def send_nowait(self, app: str, frame: bytes) -> bool:
        """Queue an encoded event for the socket that owns `app`; False (dropped) if nobody does."""
        owner = self._owners.get(app)
        queue = self._queues.get(owner) if owner is not None else None
        if owner is None or queue is None or owner.closed:
            return False
        self._count(app, owner)
        queue.put_nowait(frame)
        return True

    def _count(self, app: str, socket: web.WebSocketResponse) -> None:
        self._sent[app] += 1
        self.history[self._per_socket[socket]] += 1

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait (event driven) until `predicate()` holds after some socket attached or detached."""
        while not predicate():
            changed = self._changed
            await changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def publish(self, app: str, payload: dict[str, Any]) -> bool:
        """Send an event to the socket that owns `app`; False if nobody does."""
        return self.send_nowait(app, dump_json(payload))

    async def attach(self, socket: web.WebSocketResponse, apps: list[str]) -> None:
        self._open.add(socket)
        self._queues.setdefault(socket, asyncio.Queue())
        self._per_socket[socket] = len(self.history)
        self.history.append(0)
        for app in apps:
            previous = self._owners.get(app)
            self._owners[app] = socket
            if previous is not None and previous is not socket and not previous.closed:
                replaced = {
                    "type": "ApplicationReplaced",
                    "timestamp": iso_millis(self._core.clock.now()),
                    "application": app,
                    "asterisk_id": self._core.identity.entity_id,
                }
                queue = self._queues.get(previous)
                if queue is not None:
                    self._count(app, previous)
                    queue.put_nowait(dump_json(replaced))
                log.info("ARI app %s: websocket replaced", app)
            if self.on_attach is not None:
                self.on_attach(app)
        self._notify()

    def detach(self, socket: web.WebSocketResponse) -> None:
        self._open.discard(socket)
        self._queues.pop(socket, None)
        self._per_socket.pop(socket, None)
        for app in [app for app, owner in self._owners.items() if owner is socket]:
            del self._owners[app]
            if self.on_detach is not None:
                self.on_detach(app)
        self._notify()

    async def _write(self, socket: web.WebSocketResponse, queue: asyncio.Queue[bytes]) -> None:
        while True:
            frame = await queue.get()
            try:
                await socket.send_str(frame.decode("utf-8"))
            except ConnectionError:
                return

    async def close_all(self) -> None:
        for socket in list(self._open):
            await socket.close(code=WSCloseCode.OK, message=b"")
        self._open.clear()
        self._owners.clear()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The `/ari/events` handler (authentication already checked by the middleware)."""
        apps = [name for value in request.query.getall("app", []) for name in value.split(",") if name]
        if not apps:
            # Not recorded; res_ari_events.c refuses with this message before upgrading.
            return error_response(400, "Bad Request", "Missing param 'app'")
        socket = web.WebSocketResponse(protocols=("ari",), timeout=_CLOSE_TIMEOUT, autoping=True)
        await socket.prepare(request)
        await self.attach(socket, apps)
        writer = asyncio.create_task(self._write(socket, self._queues[socket]), name="ari-ws-writer")
        log.info("ARI websocket open for %s from %s", ",".join(apps), request.remote)
        try:
            async for _message in socket:
                pass  # ARI ignores whatever the client sends on the event socket
        finally:
            self.detach(socket)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            log.info("ARI websocket closed for %s (code %s)", ",".join(apps), socket.close_code)
        return socket
