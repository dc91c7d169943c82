"""The engine's HTTP server: `/api/...` for tools and the CLI (declared routes, described at /api/openapi.json),
`/wallboard/` for supervisors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from engine.errors import CallhiveError
from engine.health import http_status
from engine.http.control import ControlProvider, add_control_routes
from engine.http.models import MAX_EVENTS_PER_PAGE, EventsPage, EventsQuery, Health
from engine.http.openapi import add_openapi_route
from engine.http.routes import Answer, AnyRoute, Call, NoBody, NoParameters, Reply, Route, add_routes
from wallboard import LiveFeed, create_wallboard

StatusProvider = Callable[[], dict[str, Any]]

_STATUS: web.AppKey[StatusProvider] = web.AppKey("status")
_POOL: web.AppKey[Any] = web.AppKey("pool")


async def _health(call: Call[NoParameters, NoParameters, NoBody]) -> Reply:
    report = call.request.app[_STATUS]()
    return Reply(report, http_status(str(report.get("status"))))


async def _events(call: Call[NoParameters, EventsQuery, NoBody]) -> Reply:
    """Stored events after a given seq, in seq order: how a client catches up after a gap."""
    rows = await call.request.app[_POOL].fetch(
        """SELECT seq, extract(epoch FROM received_at) AS received_at, source, type,
                  call_id, leg_id, agent_id, queue, body::text AS body
             FROM events WHERE seq > $1 ORDER BY seq LIMIT $2""",
        call.query.after,
        min(call.query.limit, MAX_EVENTS_PER_PAGE),
    )
    return Reply({"events": [{**dict(row), "received_at": float(row["received_at"])} for row in rows]})


ENGINE_ROUTES: list[AnyRoute] = [
    Route("GET", "/api/health", "The engine's health and a few figures", _health, path_params=NoParameters,
          query=NoParameters, body=NoBody,
          answers={200: Answer(Health, "the engine takes calls (ok, or degraded: see checks)"),
                   503: Answer(Health, "the engine cannot take calls (down)")}),
    Route("GET", "/api/events", "Stored events after a seq, in seq order: how a client catches up after a gap",
          _events, path_params=NoParameters, query=EventsQuery, body=NoBody,
          answers={200: Answer(EventsPage, "a page of events")}),
]


async def _to_wallboard(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/wallboard/")


def create_http_app(status: StatusProvider, feed: LiveFeed, pool: Any, control: ControlProvider) -> web.Application:
    app = web.Application()
    app[_STATUS] = status
    app[_POOL] = pool
    add_routes(app, ENGINE_ROUTES)
    add_control_routes(app, control)
    add_openapi_route(app)
    app.router.add_get("/", _to_wallboard)
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
