"""The ARI client: one WebSocket reader feeding one ordered event callback, and typed REST commands.

Concurrency: `run()` is the only task that reads the socket; it decodes each frame and calls `on_event`
synchronously, so per-channel order is Asterisk's. `send()` may be awaited from any task; the events it
adds (`ChannelGone`, `BridgeGone`) go through the same callback, so the runtime's one queue stays the one
ordered stream.

Reconnect: a dropped socket is reopened at once; failures after that back off exponentially (capped) on the
injected clock. A connection that dies before `stable_after_s` seconds counts as a failure, so a server that
accepts and closes cannot make the loop spin.

Resync: Asterisk 22.10.1 keeps an app that holds channels while its socket is closed, but drops (never
replays) the events of the gap, and destroys an app that holds nothing, with its subscriptions
(NOTES.md ARI 12-13). So after every connect the client reads `GET /applications/<app>` (not `GET /channels`,
which lists every channel of the system), re-subscribes the event sources it had subscribed that the app no
longer has, reads each of the app's channels and bridges, and delivers `AriResynced` before the first event of
the new socket.

Replacement: a second socket for the same app gets the first one `ApplicationReplaced`, after which it stays
open but silent (NOTES.md ARI 14). The client then refuses to originate and `run()` raises
`ApplicationReplacedError`: another engine drives the calls now.

Retries: only GETs are retried (once, on a transport failure); any other request may have taken effect, so
it fails with `AriConnectionError` instead of being sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import aiohttp
from yarl import URL

from engine.adapters.ari.decode import DecodeError, decode_event
from engine.adapters.ari.errors import (
    ApplicationReplacedError,
    AriAuthError,
    AriBadRequest,
    AriConnectionError,
    AriError,
    AriNotFound,
    AriProtocolError,
    AriUnprocessable,
    GoneKind,
    ResourceGone,
    classify,
)
from engine.adapters.ari.wire import WireRequest, decode_result, encode
from engine.adapters.backoff import DEFAULT_BACKOFF, Backoff
from engine.clock import RuntimeClock, sleep_unless
from engine.config import AriSettings
from engine.pbx.ari_commands import (
    AriCommand,
    FilterApplicationEvents,
    GetApplication,
    GetBridge,
    GetChannel,
    HttpMethod,
    SubscribeApplication,
    UnsubscribeApplication,
)
from engine.pbx.ari_events import (
    ApplicationReplaced,
    AriDisconnected,
    AriEvent,
    AriResynced,
    BridgeGone,
    ChannelGone,
)
from engine.pbx.ari_models import Application, Bridge, Channel

log = logging.getLogger(__name__)
R = TypeVar("R")


def _sources_held(app: Application) -> set[str]:
    return (
        {f"channel:{cid}" for cid in app.channel_ids}
        | {f"bridge:{bid}" for bid in app.bridge_ids}
        | {f"endpoint:{eid}" for eid in app.endpoint_ids}
        | {f"deviceState:{name}" for name in app.device_names}
    )


class AriClient:
    def __init__(
        self,
        settings: AriSettings,
        clock: RuntimeClock,
        on_event: Callable[[AriEvent], None],
        session: aiohttp.ClientSession | None = None,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        request_timeout: float = 10.0,
        heartbeat: float | None = 30.0,
        disallowed_events: tuple[str, ...] = (),
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._on_event = on_event
        self._session = session
        self._own_session = session is None
        self._backoff = backoff
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._heartbeat = heartbeat
        self._headers = {"Authorization": aiohttp.encode_basic_auth(settings.username, settings.password.reveal())}
        self._base = settings.url.rstrip("/")
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed = asyncio.Event()
        self._replaced = False
        # Event sources subscribed through send(), to re-create if the app was destroyed meanwhile.
        self._sources: set[str] = set()
        # Event types the engine never reads, dropped at the source by the app's event filter after each connect.
        self._disallowed = disallowed_events

    @property
    def replaced(self) -> bool:
        return self._replaced

    # --- REST -------------------------------------------------------------------------------------

    async def send(self, command: AriCommand[R]) -> R:
        """Run one command and return its typed result. A vanished channel or bridge raises `ResourceGone`
        after putting `ChannelGone`/`BridgeGone` on the event stream, so the core learns it as an event."""
        try:
            return await self._call(command)
        except ResourceGone as gone:
            name = type(command).__name__
            if gone.kind is GoneKind.CHANNEL:
                self._on_event(ChannelGone(channel_ids=gone.ids, operation=name, message=gone.message))
            else:
                for bridge_id in gone.ids:
                    self._on_event(BridgeGone(bridge_id=bridge_id, operation=name, message=gone.message))
            raise

    async def _call(self, command: AriCommand[R]) -> R:
        if self._replaced and type(command).ORIGINATES:
            raise ApplicationReplacedError(self._settings.app)
        request = encode(command)
        attempts = 2 if request.method is HttpMethod.GET else 1
        for attempt in range(1, attempts + 1):
            try:
                status, reason, content = await self._http(request)
                break
            except AriConnectionError:
                if attempt == attempts:
                    raise
                log.warning("ARI %s got no answer; retrying once (a GET has no effect)", request.label)
        if not 200 <= status < 300:
            raise classify(command, request.label, status, reason, content)
        try:
            result = decode_result(command, content)
        except DecodeError as exc:
            raise AriProtocolError(request.label, status, str(exc)) from None
        if isinstance(command, SubscribeApplication):
            self._sources.update(command.event_source)
        elif isinstance(command, UnsubscribeApplication):
            self._sources.difference_update(command.event_source)
        return cast(R, result)

    def _http_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _http(self, request: WireRequest) -> tuple[int, str, bytes]:
        if self._closed.is_set():  # a request racing close(): the session may be gone already
            raise AriConnectionError(request.label, None, "client closed")
        url = URL(self._base + request.path, encoded=True)
        try:
            async with self._http_session().request(
                request.method,
                url,
                params=request.query or None,
                json=request.json_body,
                headers=self._headers,
                timeout=self._timeout,
            ) as response:
                return response.status, response.reason or "", await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise AriConnectionError(request.label, None, str(exc) or type(exc).__name__) from None

    # --- WebSocket --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Read events until close(); reconnect and resync after a drop. Raises AriAuthError on 401 (never
        retried) and ApplicationReplacedError when another connection takes the app over."""
        failures = 0
        while not self._closed.is_set():
            if failures:
                await sleep_unless(self._clock, self._backoff.delay(failures), self._closed)
                if self._closed.is_set():
                    break
            try:
                ws = await self._connect()
            except AriConnectionError as exc:
                failures += 1
                log.warning("ARI websocket for app %r: %s", self._settings.app, exc)
                continue
            started = self._clock.now()
            reason = await self._serve(ws)
            if self._replaced:
                raise ApplicationReplacedError(self._settings.app)
            self._on_event(AriDisconnected(reason=reason))
            if self._closed.is_set():
                break
            log.warning("ARI websocket for app %r lost: %s", self._settings.app, reason)
            stable = self._clock.now() - started >= self._backoff.stable_after_s
            failures = 0 if stable else failures + 1

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        label = "GET /events"
        try:
            return await self._http_session().ws_connect(
                URL(self._base + "/events"),
                params={"app": self._settings.app, "subscribeAll": "false"},
                headers=self._headers,
                heartbeat=self._heartbeat,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                raise AriAuthError(label, 401, "Authentication required (check [ari] username/password)") from None
            raise AriConnectionError(label, exc.status, exc.message) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise AriConnectionError(label, None, str(exc) or type(exc).__name__) from None

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        """Resync, then pump one socket's frames; returns why it ended."""
        self._ws = ws
        try:
            if self._closed.is_set():
                return "closed"
            try:
                await self._resync()
            except AriAuthError:
                raise
            except AriError as exc:
                return f"resync failed: {exc}"
            return await self._pump(ws)
        finally:
            self._ws = None
            await ws.close()

    async def _pump(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                try:
                    event = decode_event(message.data)
                except DecodeError as exc:
                    log.warning("dropped a malformed ARI event (%s): %.200s", exc, message.data)
                    continue
                self._on_event(event)
                if isinstance(event, ApplicationReplaced):
                    self._replaced = True
                    return "application replaced"
            elif message.type is aiohttp.WSMsgType.ERROR:
                return f"websocket error: {ws.exception()}"
            else:
                log.warning("dropped a non-text ARI websocket message (%s)", message.type.name)
        return f"websocket closed (code {ws.close_code})"

    async def _resync(self) -> None:
        app_name = self._settings.app
        if self._disallowed:
            try:
                await self._call(FilterApplicationEvents.disallowing(app_name, self._disallowed))
            except (AriNotFound, AriBadRequest) as exc:  # an Asterisk without eventFilter (before 13.26/16.3)
                log.warning("ARI event filter not set: %s", exc)
        app = await self._call(GetApplication(application=app_name))
        for source in sorted(self._sources - _sources_held(app)):
            try:
                app = await self._call(SubscribeApplication(application=app_name, event_source=(source,)))
            except (AriUnprocessable, AriNotFound, ResourceGone) as exc:
                # The channel/endpoint behind it is gone: nothing left to watch.
                log.info("ARI event source %s not re-subscribed: %s", source, exc)
                self._sources.discard(source)
        channels: list[Channel] = []
        for channel_id in app.channel_ids:
            try:
                channels.append(await self._call(GetChannel(channel_id=channel_id)))
            except ResourceGone:
                continue  # hung up between the two requests; the snapshot simply lacks it
        bridges: list[Bridge] = []
        for bridge_id in app.bridge_ids:
            try:
                bridges.append(await self._call(GetBridge(bridge_id=bridge_id)))
            except ResourceGone:
                continue
        self._on_event(AriResynced(application=app, channels=tuple(channels), bridges=tuple(bridges)))

    async def close(self) -> None:
        """End run() at its next step and release the connection (and the HTTP session if it is ours)."""
        self._closed.set()
        if self._ws is not None:
            await self._ws.close()
        if self._own_session and self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> AriClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
