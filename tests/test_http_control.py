"""The control API while the engine is still starting: every route answers 503 with a JSON error, before its
request is looked at (a client retries the same request once the engine is up)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from engine.http.control import add_control_routes, control_routes
from engine.http.routes import route_book


async def test_every_control_route_answers_503_until_the_engine_has_started() -> None:
    app = web.Application()
    add_control_routes(app, lambda: None)
    route_book(app).check_answers = True
    routes = control_routes()
    assert {(route.method, route.path) for route in routes} == {
        ("GET", "/api/agents"), ("GET", "/api/queues"), ("GET", "/api/calls"),
        *(("POST", f"/api/agents/{{agent_id}}/{action}") for action in ("login", "ready", "break", "logout")),
        ("POST", "/api/calls/{call_id}/transfer")}
    async with TestClient(TestServer(app)) as client:
        for route in routes:
            path = route.path.format(agent_id="1001", call_id="c1")
            for body in (None, b"\xff not JSON"):
                response = await client.request(route.method, path, data=body)
                assert (response.status, await response.json()) == (503, {"error": "the engine is starting"}), path
