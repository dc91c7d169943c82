"""The ARI HTTP application (aiohttp) and the server that binds it.

Request pipeline, mirroring res_ari.c `ari_handle_http()`:

1. Anything outside `/ari/` is not ARI: plain 404 (Asterisk's generic HTTP layer answers those; its
   HTML page was not recorded, so no attempt is made to copy it).
2. Authenticate *before* routing: missing or wrong credentials -> 401 even for paths that do not exist
   (`ari_handle_http()` checks the user first).
3. Route. Unknown path -> 404 `{"message":"Resource not found"}` (recorded); a known path with a method it
   does not support -> 405 `{"message":"Invalid method"}` (res_ari.c, not recorded).

Routes: `GET /ari/asterisk/info` (the AsteriskInfo model of ari-api-docs/asterisk.json, values as
recorded in ari_stasis_flow.rest.jsonl), `GET /ari/events` (see `pbxsim.ari.events`), and the `ROUTES`
tables of `channels`, `bridges` and `resources` over the call model (each handler wrapped so a model
refusal becomes its recorded answer). `AriDispatcher` connects the model's event bus to the sockets.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pbxsim.ari import bridges, channels, devices, http, resources
from pbxsim.ari.dispatch import AriDispatcher
from pbxsim.ari.events import EventSockets
from pbxsim.ari.routing import MODEL_KEY, refusals
from pbxsim.core import Core, iso_millis
from pbxsim.model import CallModel

log = logging.getLogger("pbxsim.ari")

_INFO_SECTIONS = ("build", "system", "config", "status")

# Listen backlog well above asyncio's default 100, for benchmarks that connect hundreds of clients at once.
_LISTEN_BACKLOG = 1024

CORE_KEY = web.AppKey("core", Core)
SOCKETS_KEY = web.AppKey("event_sockets", EventSockets)
CREDENTIALS_KEY: web.AppKey[tuple[str, str]] = web.AppKey("credentials")

_AriHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def asterisk_info(core: Core, sections: tuple[str, ...] = _INFO_SECTIONS) -> dict[str, Any]:
    """AsteriskInfo, keys in the recorded order (build, system, config, status)."""
    ident = core.identity
    build = ident.build
    # ConfigInfo's optional max_channels/max_open_files/max_load are absent when unset, as recorded.
    full: dict[str, Any] = {
        "build": {
            "os": build.os,
            "kernel": build.kernel,
            "machine": build.machine,
            "options": build.options,
            "date": build.date,
            "user": build.user,
        },
        "system": {"version": ident.version, "entity_id": ident.entity_id},
        "config": {
            "name": ident.system_name,
            "default_language": ident.default_language,
            "setid": {"user": "", "group": ""},
        },
        "status": {
            "startup_time": iso_millis(core.startup_time),
            "last_reload_time": iso_millis(core.last_reload_time),
        },
    }
    return {key: value for key, value in full.items() if key in sections}


async def get_asterisk_info(request: web.Request) -> web.StreamResponse:
    # `only` is allowMultiple (comma list and/or repeated); unknown section names are refused like
    # resource_asterisk.c does (not recorded).
    wanted = [part for value in request.query.getall("only", []) for part in value.split(",") if part]
    for part in wanted:
        if part not in _INFO_SECTIONS:
            return http.error_response(400, "Bad Request", f"Unrecognized info section '{part}'")
    sections = tuple(wanted) if wanted else _INFO_SECTIONS
    return http.json_response(asterisk_info(request.app[CORE_KEY], sections))


@web.middleware
async def ari_middleware(request: web.Request, handler: _AriHandler) -> web.StreamResponse:
    if not request.path.startswith("/ari/"):
        return web.Response(status=404, text="Not Found", headers={"Server": "Asterisk"})
    username, password = request.app[CREDENTIALS_KEY]
    if not http.is_authorized(request, username, password):
        log.info("ARI 401 %s %s from %s", request.method, request.path, request.remote)
        return http.unauthorized()
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = http.error_response(404, "Not Found", "Resource not found")
    except web.HTTPMethodNotAllowed:
        response = http.error_response(405, "Method Not Allowed", "Invalid method")
    log.debug("ARI %s %s -> %s", request.method, request.path, response.status)
    return response


def build_app(core: Core, sockets: EventSockets, username: str, password: str, model: CallModel) -> web.Application:
    app = web.Application(middlewares=[ari_middleware])
    app[CORE_KEY] = core
    app[SOCKETS_KEY] = sockets
    app[CREDENTIALS_KEY] = (username, password)
    app[MODEL_KEY] = model
    app.router.add_get("/ari/asterisk/info", get_asterisk_info, allow_head=False)
    app.router.add_get("/ari/events", sockets.handle, allow_head=False)
    for method, path, handler in [*channels.ROUTES, *bridges.ROUTES, *resources.ROUTES, *devices.ROUTES]:
        app.router.add_route(method, path, refusals(handler))

    async def close_sockets(_app: web.Application) -> None:
        await sockets.close_all()

    app.on_shutdown.append(close_sockets)
    return app


class AriServer:
    """Binds the ARI app on host:port (0 = any free port) and tears it down cleanly."""

    def __init__(self, core: Core, host: str, port: int, username: str, password: str, model: CallModel) -> None:
        self.sockets = EventSockets(core)
        self.dispatcher = AriDispatcher(model, self.sockets)
        self._app = build_app(core, self.sockets, username, password, model)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._listener: socket.socket | None = None

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("ARI server not started")
        return int(self._listener.getsockname()[1])

    async def start(self) -> None:
        # Bind the socket ourselves so the real port is known without reaching into aiohttp internals.
        self._listener = socket.create_server((self._host, self._port), backlog=_LISTEN_BACKLOG)
        self._runner = web.AppRunner(self._app, handle_signals=False, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.SockSite(self._runner, self._listener).start()
        log.info("ARI listening on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._listener is not None:
            self._listener.close()
        log.info("ARI stopped")
