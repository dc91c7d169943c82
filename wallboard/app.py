"""Wallboard pages and the live push.

The wallboard knows the engine only through `LiveFeed`: a status snapshot and a subscription to the
ordered event stream. A browser loads the page (rendered with the snapshot), then opens `/live`, which
sends `hello` with the current `seq` followed by every event as it is applied; a client that sees a gap in
`seq` (or is cut off for lagging) reloads. Open sockets are closed on shutdown, or aiohttp's cleanup would
wait on each of them.
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
    def snapshot(self) -> dict[str, Any]: ...

    def subscribe(self) -> AsyncIterable[LiveRecord]: ...


_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("sockets", weakref.WeakSet)
_FEED: web.AppKey[LiveFeed] = web.AppKey("feed")
_PAGES: web.AppKey[jinja2.Environment] = web.AppKey("pages")


async def _index(request: web.Request) -> web.Response:
    page = request.app[_PAGES].get_template("index.html")
    html = page.render(snapshot=request.app[_FEED].snapshot())
    return web.Response(text=html, content_type="text/html")


async def _live(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=20)
    await socket.prepare(request)
    feed = request.app[_FEED]
    request.app[_SOCKETS].add(socket)
    # Subscribe before the hello so no event falls between the snapshot's seq and the first push.
    subscription = feed.subscribe()
    try:
        await socket.send_str(json.dumps({"type": "hello", "snapshot": feed.snapshot()}))
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
