"""The control API while the engine is still starting: every route answers 503 with a JSON error."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from engine.http.control import add_control_routes


async def test_every_control_route_answers_503_until_the_engine_has_started() -> None:
    app = web.Application()
    add_control_routes(app, lambda: None)
    async with TestClient(TestServer(app)) as client:
        for method, path in (("GET", "/api/agents"), ("GET", "/api/queues"), ("GET", "/api/calls"),
                             ("POST", "/api/agents/1001/login"), ("POST", "/api/calls/c1/transfer")):
            response = await client.request(method, path)
            assert (response.status, await response.json()) == (503, {"error": "the engine is starting"}), path
