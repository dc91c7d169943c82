"""Wallboard pages and the live push.

The wallboard knows the engine only through `LiveFeed`: its status, the live board (the read model of queues,
agents and calls: a snapshot at a `seq`, then deltas) and, for a debug view, the raw event stream. A browser
loads the page, then opens `/live`, which sends `hello` with the snapshot (its `seq` and the server time) and
then a `delta` for each fact that changed something, with that fact's `seq` and the rows it changed; a client
cut off for lagging sees the socket close and starts again from a new snapshot. `/live?debug=events` sends
`hello` with the status, then every stored event (wire events included) in `seq` order: a client that sees a
gap reloads. Open sockets are closed on shutdown, or aiohttp's cleanup would wait on each of them.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any, Protocol

import jinja2
from aiohttp import WSCloseCode, web

TEMPLATES = Path(__file__).parent / "templates"


class LiveRecord(Protocol):
    def as_json(self) -> dict[str, Any]: ...


class LiveFeed(Protocol):
    def status(self) -> dict[str, Any]: ...

    def subscribe(self) -> tuple[dict[str, Any], AsyncIterable[dict[str, Any]]]:
        """The board's snapshot now and its deltas after it; LookupError while the engine starts."""
        ...

    def subscribe_raw(self) -> AsyncIterable[LiveRecord]: ...


_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("sockets", weakref.WeakSet)
_FEED: web.AppKey[LiveFeed] = web.AppKey("feed")
_PAGES: web.AppKey[jinja2.Environment] = web.AppKey("pages")


async def _index(request: web.Request) -> web.Response:
    page = request.app[_PAGES].get_template("index.html")
    html = page.render(snapshot=request.app[_FEED].status())
    return web.Response(text=html, content_type="text/html")


async def _live(request: web.Request) -> web.StreamResponse:
    if request.query.get("debug") == "events":
        return await _live_events(request)
    feed = request.app[_FEED]
    try:
        snapshot, deltas = feed.subscribe()  # the snapshot and the subscription at once: no fact between them
    except LookupError:
        raise web.HTTPServiceUnavailable(text="the engine is starting") from None
    socket = web.WebSocketResponse(heartbeat=20)
    await socket.prepare(request)
    request.app[_SOCKETS].add(socket)
    try:
        await socket.send_str(json.dumps({"type": "hello", "status": feed.status(), "snapshot": snapshot}))
        async for delta in deltas:
            if socket.closed:
                break
            await socket.send_str(json.dumps({"type": "delta", **delta}, default=str))
    finally:
        request.app[_SOCKETS].discard(socket)
        close = getattr(deltas, "close", None)
        if callable(close):
            close()
    return socket


async def _live_events(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=20)
    await socket.prepare(request)
    feed = request.app[_FEED]
    request.app[_SOCKETS].add(socket)
    # Subscribe before the hello so no event falls between the status's seq and the first push.
    subscription = feed.subscribe_raw()
    try:
        await socket.send_str(json.dumps({"type": "hello", "snapshot": feed.status()}))
        async for record in subscription:
            if socket.closed:
                break
            await socket.send_str(json.dumps({"type": "event", "event": record.as_json()}, default=str))
    finally:
        request.app[_SOCKETS].discard(socket)
        close = getattr(subscription, "close", None)
        if callable(close):
            close()
    return socket


async def _close_sockets(app: web.Application) -> None:
    open_sockets: weakref.WeakSet[web.WebSocketResponse] = app[_SOCKETS]
    for socket in list(open_sockets):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def create_wallboard(feed: LiveFeed) -> web.Application:
    app = web.Application()
    app[_FEED] = feed
    app[_SOCKETS] = weakref.WeakSet[web.WebSocketResponse]()
    app[_PAGES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    app.router.add_get("/", _index)
    app.router.add_get("/live", _live)
    app.on_shutdown.append(_close_sockets)
    return app
