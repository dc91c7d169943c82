"""The engine's HTTP server: `/api/...` for tools and the CLI, `/wallboard/` for supervisors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from engine.errors import CallhiveError
from engine.health import http_status
from engine.http.control import ControlProvider, add_control_routes
from wallboard import LiveFeed, create_wallboard

StatusProvider = Callable[[], dict[str, Any]]

_STATUS: web.AppKey[StatusProvider] = web.AppKey("status")
_POOL: web.AppKey[Any] = web.AppKey("pool")

MAX_EVENTS_PER_PAGE = 1000


async def _health(request: web.Request) -> web.Response:
    report = request.app[_STATUS]()
    return web.json_response(report, status=http_status(str(report.get("status"))))


async def _events(request: web.Request) -> web.Response:
    """Stored events after a given seq, in seq order: how a client catches up after a gap."""
    try:
        after = int(request.query.get("after", "0"))
        limit = min(int(request.query.get("limit", "100")), MAX_EVENTS_PER_PAGE)
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "after and limit must be integers"}', content_type="application/json"
        ) from None
    rows = await request.app[_POOL].fetch(
        """SELECT seq, extract(epoch FROM received_at) AS received_at, source, type,
                  call_id, leg_id, agent_id, queue, body::text AS body
             FROM events WHERE seq > $1 ORDER BY seq LIMIT $2""",
        after,
        limit,
    )
    events = [{**dict(row), "received_at": float(row["received_at"])} for row in rows]
    return web.json_response({"events": events})


async def _to_wallboard(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/wallboard/")


def create_http_app(status: StatusProvider, feed: LiveFeed, pool: Any, control: ControlProvider) -> web.Application:
    app = web.Application()
    add_control_routes(app, control)
    app[_STATUS] = status
    app[_POOL] = pool
    app.router.add_get("/", _to_wallboard)
    app.router.add_get("/api/health", _health)
    app.router.add_get("/api/events", _events)
    app.add_subapp("/wallboard/", create_wallboard(feed))
    return app


@contextlib.asynccontextmanager
async def serve_http(app: web.Application, host: str, port: int) -> AsyncIterator[str]:
    """Listen until the block ends; yields the base URL (with the real port when `port` was 0)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise CallhiveError(
                f"cannot listen for HTTP on {host}:{port}: {exc.strerror}; set [http] port "
                "(or CALLHIVE_HTTP_PORT) to a free port"
            ) from None
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        bound_port = sockets[0].getsockname()[1] if sockets else port
        yield f"http://{host}:{bound_port}"
    finally:
        await runner.cleanup()
