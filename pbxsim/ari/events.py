"""`GET /ari/events?app=NAME[,NAME...]`: the ARI event WebSocket and the registry of who listens.

Behaviour taken from the recordings:

* No greeting: the first frame a client sees is the first real event (NOTES ARI 1).
* The server answers a client close frame with close code 1000 (NOTES ARI 14; aiohttp does this).
* One socket speaks for an application at a time. A second socket for the same app takes over; the first
  receives `{"type":"ApplicationReplaced","timestamp":...,"application":...,"asterisk_id":...}` (that key
  order, transcripts/ari_ws_reconnect.ws.jsonl), stays open, and gets nothing more for that app.
* Events are compact JSON text frames (same encoder as REST bodies).

`EventSockets.publish(app, event)` is the hook the Stasis model will use; it returns False when no socket
listens for the app (Asterisk then logs "missed message" and drops it - NOTES ARI 12).

Shutdown: aiohttp only finishes cleanup once every handler has returned, and a websocket handler returns
only when its socket closes, so `close_all()` must run from the app's on_shutdown hook (otherwise cleanup
waits out the shutdown timeout for each open socket). Closing uses code 1000 and a short wait for the
client's close reply.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import WSCloseCode, web

from pbxsim.ari.http import dump_json, error_response
from pbxsim.core import Core, iso_millis

log = logging.getLogger("pbxsim.ari")

# How long a server-initiated close waits for the client's close frame (wall time, aiohttp internals).
_CLOSE_TIMEOUT = 2.0


async def _send(socket: web.WebSocketResponse, payload: dict[str, Any]) -> bool:
    """Send one event frame; False when the socket went away underneath us (the event is dropped)."""
    try:
        await socket.send_str(dump_json(payload).decode("utf-8"))
    except ConnectionError:
        return False
    return True


class EventSockets:
    """Open event websockets and the application -> socket routing."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._owners: dict[str, web.WebSocketResponse] = {}
        self._open: set[web.WebSocketResponse] = set()

    def listening(self, app: str) -> bool:
        return app in self._owners

    async def publish(self, app: str, payload: dict[str, Any]) -> bool:
        """Send an event to the socket that owns `app`; False if nobody does."""
        owner = self._owners.get(app)
        if owner is None or owner.closed:
            return False
        return await _send(owner, payload)

    async def attach(self, socket: web.WebSocketResponse, apps: list[str]) -> None:
        self._open.add(socket)
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
                await _send(previous, replaced)
                log.info("ARI app %s: websocket replaced", app)

    def detach(self, socket: web.WebSocketResponse) -> None:
        self._open.discard(socket)
        for app in [app for app, owner in self._owners.items() if owner is socket]:
            del self._owners[app]

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
        log.info("ARI websocket open for %s from %s", ",".join(apps), request.remote)
        try:
            async for _message in socket:
                pass  # ARI ignores whatever the client sends on the event socket
        finally:
            self.detach(socket)
            log.info("ARI websocket closed for %s (code %s)", ",".join(apps), socket.close_code)
        return socket
